// An IPv6 header view for the router and NAT66: the fixed header, the
// extension headers a router walks past to find the transport header
// (hop-by-hop, routing, destination options), and whether a fragment header
// was met. Lengths are checked once in parse(); accessors are unchecked.
#pragma once
#include <arpa/inet.h>

#include <cstdint>
#include <string>

#include "l3/icmpv6.h"
#include "l3/ip_key.h"
#include "l3/ipv4.h"

namespace ferry {

struct Ipv6Offsets {
  static constexpr int ver_class = 0, payload_len = 4, next_header = 6, hop_limit = 7, src = 8, dst = 24;
};

// ICMPv6 types (RFC 4443) the router sends, maps back to a flow, or answers.
constexpr uint8_t kIcmp6Unreachable = 1, kIcmp6TooBig = 2, kIcmp6TimeExceeded = 3, kIcmp6ParamProblem = 4,
                  kIcmp6EchoRequest = 128, kIcmp6EchoReply = 129;
constexpr uint8_t kIp6ExtHopByHop = 0, kIp6ExtRouting = 43, kIp6ExtFragment = 44, kIp6ExtDestOpts = 60;
constexpr uint32_t kIpv6MinMtu = 1280;

inline bool icmp6_is_error(uint8_t type) { return type < 128; }

inline std::string ipv6_text(const IpKey& a) {
  uint8_t b[16];
  a.store_v6(b);
  char s[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, b, s, sizeof s);
  return s;
}

// An IPv6 packet located inside a frame.
struct Ipv6Packet {
  uint8_t* ip = nullptr;
  uint8_t* l4 = nullptr;     // the transport header, nullptr if missing or cut short
  uint32_t l4_len = 0;       // bytes from l4 to the end of the frame
  uint32_t hdr_len = 0;      // fixed header and extension headers
  uint8_t proto = 0;         // the transport protocol after the extension headers
  bool fragment = false;     // a fragment header was met

  IpKey src() const { return IpKey::v6(ip + Ipv6Offsets::src); }
  IpKey dst() const { return IpKey::v6(ip + Ipv6Offsets::dst); }
  uint8_t hop_limit() const { return ip[Ipv6Offsets::hop_limit]; }
  uint16_t payload_len() const { return load16(ip + Ipv6Offsets::payload_len); }

  // False if the fixed header or an extension header is not whole.
  bool parse(uint8_t* at, uint32_t avail) {
    if (avail < kIpv6HdrLen || (at[0] >> 4) != 6) return false;
    ip = at;
    l4 = nullptr;
    l4_len = 0;
    fragment = false;
    uint8_t next = at[Ipv6Offsets::next_header];
    uint32_t off = kIpv6HdrLen;
    for (int walked = 0; walked < 8; walked++) {
      if (next != kIp6ExtHopByHop && next != kIp6ExtRouting && next != kIp6ExtDestOpts && next != kIp6ExtFragment) break;
      if (off + 8 > avail) return false;
      if (next == kIp6ExtFragment) fragment = true;
      const uint32_t len = next == kIp6ExtFragment ? 8 : (uint32_t(at[off + 1]) + 1) * 8;
      if (off + len > avail) return false;
      next = at[off];
      off += len;
      if (fragment) break;  // what follows is a piece of the datagram, not a header to trust
    }
    hdr_len = off;
    proto = next;
    if (fragment) return true;
    const uint32_t need = proto == kProtoTcp ? 20 : proto == kProtoUdp ? 8 : proto == kIpProtoIcmpv6 ? 8 : 0;
    if (need && avail - off >= need) {
      l4 = at + off;
      l4_len = avail - off;
    }
    return true;
  }
};

}  // namespace ferry
