// Longest-prefix match over a few prefixes (the bridge networks' subnets):
// one hash probe per prefix length in use, longest first, so the cost does
// not grow with the number of networks.
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace ferry {

class PrefixTable {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;

  void add(uint32_t prefix, uint32_t len, uint32_t value) {
    by_len_[len][prefix & mask(len)] = value;
    index_lengths();
  }
  void remove(uint32_t prefix, uint32_t len) {
    by_len_[len].erase(prefix & mask(len));
    index_lengths();
  }
  uint32_t match(uint32_t addr) const {
    for (uint32_t l : lengths_) {
      auto it = by_len_[l].find(addr & mask(l));
      if (it != by_len_[l].end()) return it->second;
    }
    return kNone;
  }

 private:
  static uint32_t mask(uint32_t len) { return len == 0 ? 0 : ~0u << (32 - len); }
  void index_lengths() {
    lengths_.clear();
    for (int l = 32; l >= 0; l--)
      if (!by_len_[l].empty()) lengths_.push_back(uint32_t(l));
  }
  std::unordered_map<uint32_t, uint32_t> by_len_[33];
  std::vector<uint32_t> lengths_;  // in use, longest first
};

}  // namespace ferry
