// How the fast path's tables cost as they fill: the MAC table (native/l2/
// mac_table.h) at 1,000 and 65,536 entries, conntrack (native/nat/
// conntrack.h) at 1,000, 100,000 and 1,000,000 flows. Each table is filled
// with random keys, then looked up with keys it holds, in a random order
// computed beforehand (so the generator is not timed), and with keys it does
// not hold. Prints one JSON object per line: table, entries, hit and miss
// nanoseconds per lookup (the best of three passes). Built and run by the
// bench suite `tables` (bench/suites/tables.ts), linked with the engine's
// own objects.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "l2/mac_table.h"
#include "nat/conntrack.h"

using namespace ferry;

namespace {

template <typename F>
double ns_per(uint32_t n, F&& body) {
  double best = 1e30;
  for (int pass = 0; pass < 3; pass++) {
    const auto t0 = std::chrono::steady_clock::now();
    body();
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / n;
    best = ns < best ? ns : best;
  }
  return best;
}

volatile uint64_t sink;  // keeps the lookups from being optimised away

void mac_table(uint32_t entries, std::mt19937_64& rng) {
  MacTable t(entries);
  std::vector<uint64_t> held, absent;
  while (held.size() < entries) {
    const uint64_t mac = (rng() & 0xfeffffffffffull) | 0x020000000000ull;  // unicast, locally administered
    if (t.learn(mac, 1 + uint32_t(held.size() % 64), 0) == MacTable::LearnResult::learned) held.push_back(mac);
  }
  for (uint32_t i = 0; i < 1u << 20; i++) absent.push_back((rng() & 0xfeffffffffffull) | 0x060000000000ull);
  std::vector<uint64_t> order(1u << 22);
  for (auto& k : order) k = held[rng() % held.size()];
  const double hit = ns_per(uint32_t(order.size()), [&] {
    uint64_t s = 0;
    for (uint64_t k : order) s += t.find(k) != nullptr;
    sink = s;
  });
  const double miss = ns_per(uint32_t(absent.size()), [&] {
    uint64_t s = 0;
    for (uint64_t k : absent) s += t.find(k) != nullptr;
    sink = s;
  });
  std::printf("{\"table\":\"mac\",\"entries\":%u,\"hit_ns\":%.2f,\"miss_ns\":%.2f}\n", entries, hit, miss);
}

FlowKey random_flow(std::mt19937_64& rng) {
  FlowKey k;
  const uint64_t r = rng();
  k.src = 0x0a000000u | uint32_t(r & 0xffffff);
  k.dst = 0xc6336400u | uint32_t((r >> 24) & 0xff);
  k.sport = uint16_t(1024 + (r >> 32) % 60000);
  k.dport = uint16_t(1 + (r >> 48) % 1024);
  k.proto = 6;
  return k;
}

void conntrack(uint32_t entries, std::mt19937_64& rng) {
  Conntrack ct(entries);
  std::vector<FlowKey> held;
  while (held.size() < entries) {
    const FlowKey k = random_flow(rng);
    if (ct.lookup(k, 1) != Conntrack::kNil) continue;
    if (ct.create(k, k.inverse(), 0, 1) == Conntrack::kNil) break;
    held.push_back(k);
  }
  std::vector<FlowKey> order(1u << 22), absent(1u << 20);
  for (auto& k : order) k = held[rng() % held.size()];
  for (auto& k : absent) {
    k = random_flow(rng);
    k.proto = 17;  // never created
  }
  const double hit = ns_per(uint32_t(order.size()), [&] {
    uint64_t s = 0;
    for (const FlowKey& k : order) s += ct.lookup(k, 2);
    sink = s;
  });
  const double miss = ns_per(uint32_t(absent.size()), [&] {
    uint64_t s = 0;
    for (const FlowKey& k : absent) s += ct.lookup(k, 2);
    sink = s;
  });
  std::printf("{\"table\":\"conntrack\",\"entries\":%zu,\"hit_ns\":%.2f,\"miss_ns\":%.2f}\n", held.size(), hit, miss);
}

}  // namespace

int main() {
  std::mt19937_64 rng(42);
  for (uint32_t n : {1000u, 65536u}) mac_table(n, rng);
  for (uint32_t n : {1000u, 100000u, 1000000u}) conntrack(n, rng);
  return 0;
}
