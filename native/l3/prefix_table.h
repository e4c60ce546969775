// Longest-prefix match over a few prefixes (the bridge networks' subnets):
// one hash probe per prefix length in use, longest first, so the cost does
// not grow with the number of networks. For IPv4 (PrefixTable) and IPv6
// (PrefixTable6); the family says how an address is masked and hashed.
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "l3/ip_key.h"

namespace ferry {

struct Ip4Prefixes {
  using Addr = uint32_t;
  using Hash = std::hash<uint32_t>;
  static constexpr uint32_t kBits = 32;
  static uint32_t mask(uint32_t a, uint32_t len) { return len == 0 ? 0 : a & (~0u << (32 - len)); }
};

struct Ip6Prefixes {
  using Addr = IpKey;
  using Hash = IpKeyHash;
  static constexpr uint32_t kBits = 128;
  static IpKey mask(const IpKey& a, uint32_t len) {
    if (len == 0) return IpKey{};
    if (len <= 64) return IpKey{a.hi & (~0ull << (64 - len)), 0};
    return IpKey{a.hi, len == 128 ? a.lo : a.lo & (~0ull << (128 - len))};
  }
};

template <typename Family>
class PrefixTableOf {
 public:
  using Addr = typename Family::Addr;
  static constexpr uint32_t kNone = 0xffffffffu;

  void add(const Addr& prefix, uint32_t len, uint32_t value) {
    by_len_[len][Family::mask(prefix, len)] = value;
    index_lengths();
  }
  void remove(const Addr& prefix, uint32_t len) {
    by_len_[len].erase(Family::mask(prefix, len));
    index_lengths();
  }
  uint32_t match(const Addr& addr) const {
    for (uint32_t l : lengths_) {
      auto it = by_len_[l].find(Family::mask(addr, l));
      if (it != by_len_[l].end()) return it->second;
    }
    return kNone;
  }

 private:
  void index_lengths() {
    lengths_.clear();
    for (int l = int(Family::kBits); l >= 0; l--)
      if (!by_len_[l].empty()) lengths_.push_back(uint32_t(l));
  }
  std::unordered_map<Addr, uint32_t, typename Family::Hash> by_len_[Family::kBits + 1];
  std::vector<uint32_t> lengths_;  // in use, longest first
};

using PrefixTable = PrefixTableOf<Ip4Prefixes>;
using PrefixTable6 = PrefixTableOf<Ip6Prefixes>;

}  // namespace ferry
