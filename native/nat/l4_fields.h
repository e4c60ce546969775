// What NAT44 and NAT66 do alike to a transport header (nat/rewrite.cc,
// nat/rewrite6.cc): read a flow key's ports (or the ICMP echo identifier),
// write new ones with their checksum delta, and apply address and port
// deltas to the transport checksum, complete or CHECKSUM_PARTIAL (see
// nat/rewrite.h). Only the ICMP protocol number and its echo types differ.
#pragma once
#include <cstdint>

#include "core/checksum.h"
#include "core/packet.h"
#include "core/vnet.h"
#include "l3/ipv4.h"
#include "l3/ipv6.h"

namespace ferry {

struct Icmp4Kind {
  static constexpr uint8_t kProto = kProtoIcmp;
  static constexpr bool kPseudoHeader = false;
  static bool echo(uint8_t type) { return type == kIcmpEchoRequest || type == kIcmpEchoReply; }
  static bool error(uint8_t type) { return icmp_is_error(type); }
};

struct Icmp6Kind {
  static constexpr uint8_t kProto = kIpProtoIcmpv6;
  static constexpr bool kPseudoHeader = true;
  static bool echo(uint8_t type) { return type == kIcmp6EchoRequest || type == kIcmp6EchoReply; }
  static bool error(uint8_t type) { return icmp6_is_error(type); }
};

// The key's ports from the transport header at l4 (nullptr: missing); false
// if the key needs a header that is not there.
template <typename Icmp, typename Key>
bool read_ports(const uint8_t* l4, Key* key, bool* is_icmp_error) {
  *is_icmp_error = false;
  if (key->proto == kProtoTcp || key->proto == kProtoUdp) {
    if (!l4) return false;
    key->sport = load16(l4);
    key->dport = load16(l4 + 2);
  } else if (key->proto == Icmp::kProto) {
    if (!l4) return false;
    if (Icmp::echo(l4[0])) key->sport = load16(l4 + 4);
    *is_icmp_error = Icmp::error(l4[0]);
  }
  return true;
}

// Writes to's ports (or echo identifier) over from's; returns their checksum delta.
template <typename Icmp, typename Key>
uint32_t write_ports(uint8_t* l4, const Key& from, const Key& to) {
  uint32_t delta = 0;
  if (!l4) return 0;
  if (from.proto == kProtoTcp || from.proto == kProtoUdp) {
    if (from.sport != to.sport) {
      store16(l4, to.sport);
      delta = csum_add(delta, csum_delta16(from.sport, to.sport));
    }
    if (from.dport != to.dport) {
      store16(l4 + 2, to.dport);
      delta = csum_add(delta, csum_delta16(from.dport, to.dport));
    }
  } else if (from.proto == Icmp::kProto && Icmp::echo(l4[0]) && from.sport != to.sport) {
    store16(l4 + 4, to.sport);
    delta = csum_add(delta, csum_delta16(from.sport, to.sport));
  }
  return delta;
}

int l4_checksum_at(uint8_t proto);
// Applies address (pseudo-header) and port deltas to a complete transport
// checksum; `pseudo` is false for ICMP (IPv4), which has no pseudo-header.
void fix_full_l4(uint8_t proto, bool pseudo, uint8_t* field, uint32_t addr_delta, uint32_t port_delta);

// The deltas applied to p's transport checksum at l4, whatever its offload state.
template <typename Icmp>
void fix_l4_checksum(Packet* p, uint8_t* l4, uint8_t proto, uint32_t addr_delta, uint32_t port_delta) {
  const int at = l4_checksum_at(proto);
  if (!l4 || at < 0 || (!addr_delta && !port_delta)) return;
  uint8_t* field = l4 + at;
  const bool pseudo = proto != Icmp::kProto || Icmp::kPseudoHeader;
  const bool partial = (p->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && p->data + p->vnet.csum_start + p->vnet.csum_offset == field;
  if (partial) {
    if (pseudo && addr_delta) csum_apply_partial(field, addr_delta);
  } else {
    fix_full_l4(proto, pseudo, field, addr_delta, port_delta);
  }
}

}  // namespace ferry
