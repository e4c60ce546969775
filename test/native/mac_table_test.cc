// Randomized test of the MAC table against a std::unordered_map model:
// learning, moves, statics, removal, aging and port flushes, with the table
// bounded and growing, and each port's share of learned entries bounded too.
// Backward-shift deletion is the delicate part: a wrong shift loses entries
// that are still present, which the model catches.
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
  const uint32_t max = 5000, per_port = 10;
  uint32_t port_refusals = 0;
  MacTable t(max);
  t.set_max_per_port(per_port);
  std::unordered_map<uint64_t, Model> m;
  uint32_t learned_on[8] = {};  // the model's dynamic entries per port
  auto forget = [&](const Model& e) {
    if (!e.is_static) learned_on[e.port]--;
  };
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
        if (learned_on[port] >= per_port) {
          if (r != MacTable::LearnResult::refused_port_limit) return fail("expected refused_port_limit", k);
          port_refusals++;
        } else if (m.size() < max) {
          if (r != MacTable::LearnResult::learned) return fail("expected learned", k);
          m[k] = {port, now, false};
          learned_on[port]++;
        } else if (r != MacTable::LearnResult::refused_full) {
          return fail("expected refused_full", k);
        }
      } else if (it->second.is_static && it->second.port != port) {
        if (r != MacTable::LearnResult::static_conflict) return fail("expected static_conflict", k);
      } else if (it->second.port == port) {
        if (r != MacTable::LearnResult::refreshed) return fail("expected refreshed", k);
        it->second.seen = now;
      } else if (learned_on[port] >= per_port) {
        if (r != MacTable::LearnResult::refused_port_limit) return fail("expected refused_port_limit on a move", k);
      } else {
        if (r != MacTable::LearnResult::moved) return fail("expected moved", k);
        learned_on[it->second.port]--;
        learned_on[port]++;
        it->second.port = port;
        it->second.seen = now;
      }
    } else if (op < 75) {
      bool ok = t.add_static(k, port);
      if (ok != (m.count(k) || m.size() < max)) return fail("add_static result", k);
      if (ok) {
        if (m.count(k)) forget(m[k]);
        m[k] = {port, 0, true};
      }
    } else if (op < 85) {
      auto it = m.find(k);
      if (it != m.end()) forget(it->second);
      if (t.remove(k) != (it != m.end())) return fail("remove result", k);
      if (it != m.end()) m.erase(it);
    } else if (op < 97) {
      now++;
      t.age(now, 20);
      for (auto it = m.begin(); it != m.end();) {
        if (!it->second.is_static && now - it->second.seen > 20) {
          forget(it->second);
          it = m.erase(it);
        } else {
          ++it;
        }
      }
    } else {
      t.flush_port(port);
      for (auto it = m.begin(); it != m.end();) {
        if (it->second.port == port) {
          forget(it->second);
          it = m.erase(it);
        } else {
          ++it;
        }
      }
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
      for (uint32_t p = 0; p < 8; p++)
        if (t.learned_on(p) != learned_on[p]) return fail("learned per port differs", p);
    }
  }
  if (port_refusals == 0) return fail("the per-port limit was never reached: the test does not test it", 0);
  std::printf("ok %u entries, %u refused for the port limit\n", t.size(), port_refusals);
  return 0;
}
