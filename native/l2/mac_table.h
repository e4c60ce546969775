// The MAC table of one bridge domain: MAC -> port, with a last-seen time.
//
// Open addressing with linear probing and backward-shift deletion (no
// tombstones, so lookups never slow down as entries age out). The table is
// bounded: at most max_entries, and its slot array is kept at most half full,
// so a probe is short. It grows by doubling up to that bound; growth allocates,
// but only when the table reaches a new high-water mark, never per packet in
// steady state.
#pragma once
#include <cstdint>
#include <vector>

namespace ferry {

struct MacEntry {
  uint64_t mac = 0;  // 0 = empty slot (the zero MAC is never a valid source)
  uint32_t port = 0;
  uint32_t last_seen = 0;  // engine clock, seconds
  bool is_static = false;
};

class MacTable {
 public:
  static constexpr uint32_t kDefaultMaxEntries = 65536;

  explicit MacTable(uint32_t max_entries = kDefaultMaxEntries);

  enum class LearnResult { refreshed, learned, moved, refused_full, refused_port_limit, static_conflict };
  LearnResult learn(uint64_t mac, uint32_t port, uint32_t now);
  const MacEntry* find(uint64_t mac) const {
    const MacEntry& e = slots_[slot_of(mac)];
    return e.mac ? &e : nullptr;
  }

  bool add_static(uint64_t mac, uint32_t port);  // false when the table is full
  bool remove(uint64_t mac);
  uint32_t age(uint32_t now, uint32_t aging_seconds);  // returns how many were removed
  uint32_t flush_port(uint32_t port);

  uint32_t size() const { return count_; }
  uint32_t dynamic_count() const { return count_ - static_count_; }
  uint32_t max_entries() const { return max_; }
  void set_max_entries(uint32_t max) { max_ = max; }
  // At most this many learned (dynamic) entries per port, 0 for no limit: one
  // port flooding random source MACs cannot fill the table for the others.
  void set_max_per_port(uint32_t max) { max_per_port_ = max; }
  uint32_t max_per_port() const { return max_per_port_; }
  uint32_t learned_on(uint32_t port) const { return port < learned_on_.size() ? learned_on_[port] : 0; }

  template <typename F>
  void for_each(F f) const {
    for (const MacEntry& e : slots_)
      if (e.mac) f(e);
  }

 private:
  uint32_t home(uint64_t mac) const { return uint32_t((mac * 0x9E3779B97F4A7C15ull) >> 32) & mask_; }
  // The index holding mac, or of the empty slot where it would go.
  uint32_t slot_of(uint64_t mac) const {
    uint32_t i = home(mac);
    while (slots_[i].mac && slots_[i].mac != mac) i = (i + 1) & mask_;
    return i;
  }
  MacEntry* insert(uint64_t mac);        // nullptr when full
  void erase_at(uint32_t i);
  void count(uint32_t port, int delta) {
    if (port >= learned_on_.size()) learned_on_.resize(port + 1, 0);
    learned_on_[port] = uint32_t(int64_t(learned_on_[port]) + delta);
  }
  bool port_full(uint32_t port) const { return max_per_port_ && learned_on(port) >= max_per_port_; }
  template <typename Pred>
  uint32_t erase_if(Pred pred);
  void grow();

  std::vector<MacEntry> slots_;
  uint32_t mask_;
  uint32_t count_ = 0;
  uint32_t static_count_ = 0;
  uint32_t max_;
  uint32_t max_per_port_ = 0;
  std::vector<uint32_t> learned_on_;  // dynamic entries per port id
};

}  // namespace ferry
