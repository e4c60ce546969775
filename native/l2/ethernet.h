// A view over an Ethernet header (with an optional 802.1Q/802.1ad tag).
// Length is checked once by the parse stage; the accessors below are unchecked.
// MAC addresses are carried as 48-bit integers in network order (the first
// octet in bits 47..40), which makes them cheap to hash and compare.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/bytes.h"

namespace ferry {

constexpr uint32_t kEthHdrLen = 14;
constexpr uint32_t kVlanTagLen = 4;
constexpr uint16_t kEtherTypeIPv4 = 0x0800;
constexpr uint16_t kEtherTypeARP = 0x0806;
constexpr uint16_t kEtherTypeVlan = 0x8100;
constexpr uint16_t kEtherTypeQinQ = 0x88a8;
constexpr uint16_t kEtherTypeIPv6 = 0x86dd;

constexpr uint32_t kArpLen = 28;  // an ARP body for IPv4 over Ethernet

struct EthOffsets {  // field offsets, smoltcp-style
  static constexpr int dst = 0, src = 6, ethertype = 12, vlan_tci = 14, inner_ethertype = 16;
};

inline uint64_t load_mac(const uint8_t* p) { return uint64_t(load16(p)) << 32 | load32(p + 2); }
inline void store_mac(uint8_t* p, uint64_t mac) {
  for (int i = 0; i < 6; i++) p[i] = uint8_t(mac >> (40 - 8 * i));
}

inline std::string format_mac(uint64_t mac) {
  char s[18];
  std::snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", unsigned(mac >> 40 & 0xff), unsigned(mac >> 32 & 0xff),
                unsigned(mac >> 24 & 0xff), unsigned(mac >> 16 & 0xff), unsigned(mac >> 8 & 0xff), unsigned(mac & 0xff));
  return s;
}

inline bool mac_is_group(uint64_t mac) { return (mac >> 40) & 1; }  // multicast or broadcast

class EthernetView {
 public:
  explicit EthernetView(const uint8_t* p) : p_(p) {}
  uint64_t dst() const { return load_mac(p_ + EthOffsets::dst); }
  uint64_t src() const { return load_mac(p_ + EthOffsets::src); }
  uint16_t outer_type() const { return load16(p_ + EthOffsets::ethertype); }
  bool tagged() const { return outer_type() == kEtherTypeVlan || outer_type() == kEtherTypeQinQ; }
  // The ethertype of the payload and where it starts, looking through one tag.
  uint16_t payload_type() const { return tagged() ? load16(p_ + EthOffsets::inner_ethertype) : outer_type(); }
  uint32_t header_len() const { return tagged() ? kEthHdrLen + kVlanTagLen : kEthHdrLen; }

 private:
  const uint8_t* p_;
};

}  // namespace ferry
