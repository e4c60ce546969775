// An address as 16 bytes: IPv6, or IPv4 mapped (::ffff:a.b.c.d). What tables
// keyed by either family use (ipvlan's members, IPv6 neighbours).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/bytes.h"

namespace ferry {

struct IpKey {
  uint64_t hi = 0, lo = 0;
  bool operator==(const IpKey& o) const { return hi == o.hi && lo == o.lo; }
  static IpKey v4(uint32_t addr_host_order) { return IpKey{0, 0xffff00000000ull | addr_host_order}; }
  // 16 bytes in network order, as in an IPv6 header.
  static IpKey v6(const uint8_t* p) {
    return IpKey{uint64_t(load32(p)) << 32 | load32(p + 4), uint64_t(load32(p + 8)) << 32 | load32(p + 12)};
  }
  bool is_v4() const { return hi == 0 && (lo >> 32) == 0xffff; }
  bool is_multicast_v6() const { return (hi >> 56) == 0xff; }
  void store_v6(uint8_t* p) const {
    store32(p, uint32_t(hi >> 32));
    store32(p + 4, uint32_t(hi));
    store32(p + 8, uint32_t(lo >> 32));
    store32(p + 12, uint32_t(lo));
  }
  // fe80::/64 with the MAC as its EUI-64 interface identifier (RFC 4291 appendix A).
  static IpKey link_local_of(uint64_t mac) {
    return IpKey{0xfe80000000000000ull, ((mac >> 24) ^ 0x020000ull) << 40 | 0xfffeull << 24 | (mac & 0xffffff)};
  }
  // The first `bits` bits of both are equal.
  bool same_prefix(const IpKey& o, uint32_t bits) const {
    if (bits == 0) return true;
    if (bits <= 64) return ((hi ^ o.hi) >> (64 - bits)) == 0;
    return hi == o.hi && (bits == 128 || ((lo ^ o.lo) >> (128 - bits)) == 0);
  }
};

struct IpKeyHash {
  size_t operator()(const IpKey& k) const { return size_t(k.hi * 0x9e3779b97f4a7c15ull ^ k.lo * 0xc2b2ae3d27d4eb4full); }
};

}  // namespace ferry
