#include "l2/mac_table.h"

namespace ferry {

namespace {
constexpr uint32_t kInitialSlots = 1024;
}

MacTable::MacTable(uint32_t max_entries) : slots_(kInitialSlots), mask_(kInitialSlots - 1), max_(max_entries) {}


MacEntry* MacTable::insert(uint64_t mac) {
  if (count_ >= max_) return nullptr;
  if ((count_ + 1) * 2 > slots_.size()) grow();
  MacEntry& e = slots_[slot_of(mac)];
  e = MacEntry{};
  e.mac = mac;
  count_++;
  return &e;
}

void MacTable::grow() {
  std::vector<MacEntry> old;
  old.swap(slots_);
  slots_.assign(old.size() * 2, MacEntry{});
  mask_ = uint32_t(slots_.size() - 1);
  for (const MacEntry& e : old)
    if (e.mac) slots_[slot_of(e.mac)] = e;
}

// Backward-shift deletion: pull later members of the probe run into the hole
// until a slot that is empty or already at its home position.
void MacTable::erase_at(uint32_t hole) {
  if (slots_[hole].is_static) static_count_--;
  else count(slots_[hole].port, -1);
  count_--;
  uint32_t j = hole;
  for (;;) {
    j = (j + 1) & mask_;
    if (!slots_[j].mac) break;
    uint32_t h = home(slots_[j].mac);
    // Move j into the hole unless its home lies cyclically in (hole, j].
    bool home_between = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (home_between) continue;
    slots_[hole] = slots_[j];
    hole = j;
  }
  slots_[hole] = MacEntry{};
}

MacTable::LearnResult MacTable::learn(uint64_t mac, uint32_t port, uint32_t now) {
  MacEntry& e = slots_[slot_of(mac)];
  if (e.mac) {
    if (e.port == port) {
      e.last_seen = now;
      return LearnResult::refreshed;
    }
    if (e.is_static) return LearnResult::static_conflict;
    if (port_full(port)) return LearnResult::refused_port_limit;
    count(e.port, -1);
    count(port, +1);
    e.port = port;
    e.last_seen = now;
    return LearnResult::moved;
  }
  if (port_full(port)) return LearnResult::refused_port_limit;
  MacEntry* fresh = insert(mac);
  if (!fresh) return LearnResult::refused_full;
  fresh->port = port;
  fresh->last_seen = now;
  count(port, +1);
  return LearnResult::learned;
}

bool MacTable::add_static(uint64_t mac, uint32_t port) {
  MacEntry* e = const_cast<MacEntry*>(find(mac));
  const bool learned = e && !e->is_static;
  if (!e) e = insert(mac);
  if (!e) return false;
  if (!e->is_static) static_count_++;
  if (learned) count(e->port, -1);  // a learned entry becomes static: no longer counted
  e->port = port;
  e->is_static = true;
  return true;
}

bool MacTable::remove(uint64_t mac) {
  uint32_t i = slot_of(mac);
  if (!slots_[i].mac) return false;
  erase_at(i);
  return true;
}

// A removal can shift a later entry into slot i, so i is examined again.
template <typename Pred>
uint32_t MacTable::erase_if(Pred pred) {
  uint32_t removed = 0;
  for (uint32_t i = 0; i < slots_.size();) {
    if (slots_[i].mac && pred(slots_[i])) {
      erase_at(i);
      removed++;
    } else {
      i++;
    }
  }
  return removed;
}

uint32_t MacTable::age(uint32_t now, uint32_t aging_seconds) {
  if (dynamic_count() == 0) return 0;
  // Strictly more: the clock counts whole seconds, so an entry seen late in
  // second t is kept until t + aging + 1, never less than `aging` seconds
  // (with >=, one learned at t.99 was gone at t+1.00 under a 1 s aging).
  return erase_if([&](const MacEntry& e) { return !e.is_static && now - e.last_seen > aging_seconds; });
}

uint32_t MacTable::flush_port(uint32_t port) {
  return erase_if([&](const MacEntry& e) { return e.port == port; });
}

}  // namespace ferry
