// Randomized test of the MAC table against a std::unordered_map model:
// learning, moves, statics, removal, aging and port flushes, with the table
// bounded and growing. Backward-shift deletion is the delicate part: a wrong
// shift loses entries that are still present, which the model catches.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <unordered_map>

#include "l2/mac_table.h"

using ferry::MacTable;

struct Model {
  uint32_t port;
  uint32_t seen;
  bool is_static;
};

static int fail(const char* what, uint64_t mac) {
  std::fprintf(stderr, "FAIL: %s (mac %012llx)\n", what, (unsigned long long)mac);
  return 1;
}

int main() {
  std::mt19937_64 rng(42);
  const uint32_t max = 5000;
  MacTable t(max);
  std::unordered_map<uint64_t, Model> m;
  uint32_t now = 0;
  // A small key space so that collisions, moves and re-learning are frequent;
  // low bits vary little so probe runs get long.
  auto mac = [&] { return (rng() % 8000 + 1) << 8 | 0x02; };
  for (int step = 0; step < 400000; step++) {
    uint32_t op = rng() % 100;
    uint64_t k = mac();
    uint32_t port = rng() % 8;
    if (op < 70) {
      auto r = t.learn(k, port, now);
      auto it = m.find(k);
      if (it == m.end()) {
        if (m.size() < max) {
          if (r != MacTable::LearnResult::learned) return fail("expected learned", k);
          m[k] = {port, now, false};
        } else if (r != MacTable::LearnResult::refused_full) {
          return fail("expected refused_full", k);
        }
      } else if (it->second.is_static && it->second.port != port) {
        if (r != MacTable::LearnResult::static_conflict) return fail("expected static_conflict", k);
      } else {
        auto want = it->second.port == port ? MacTable::LearnResult::refreshed : MacTable::LearnResult::moved;
        if (r != want) return fail("expected refreshed/moved", k);
        it->second.port = port;
        it->second.seen = now;
      }
    } else if (op < 75) {
      bool ok = t.add_static(k, port);
      if (ok != (m.count(k) || m.size() < max)) return fail("add_static result", k);
      if (ok) m[k] = {port, 0, true};
    } else if (op < 85) {
      if (t.remove(k) != (m.erase(k) == 1)) return fail("remove result", k);
    } else if (op < 97) {
      now++;
      t.age(now, 20);
      for (auto it = m.begin(); it != m.end();)
        it = (!it->second.is_static && now - it->second.seen >= 20) ? m.erase(it) : std::next(it);
    } else {
      t.flush_port(port);
      for (auto it = m.begin(); it != m.end();) it = it->second.port == port ? m.erase(it) : std::next(it);
    }
    if (step % 997 == 0 || step == 399999) {
      if (t.size() != m.size()) return fail("size differs", 0);
      for (auto& [key, e] : m) {
        const ferry::MacEntry* f = t.find(key);
        if (!f || f->port != e.port || f->is_static != e.is_static) return fail("entry lost or wrong", key);
      }
      size_t seen = 0;
      t.for_each([&](const ferry::MacEntry&) { seen++; });
      if (seen != m.size()) return fail("for_each count", 0);
    }
  }
  std::printf("ok %u entries\n", t.size());
  return 0;
}
