// An IPv4 header view and the transport fields the router and NAT touch.
// The router checks lengths once (Ipv4Packet::parse); accessors are unchecked.
#pragma once
#include <arpa/inet.h>

#include <cstdint>
#include <string>

#include "core/checksum.h"

namespace ferry {

constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint32_t kIpv4MinHdr = 20;

struct Ipv4Offsets {  // field offsets, smoltcp-style
  static constexpr int ver_ihl = 0, tos = 1, total_len = 2, id = 4, frag = 6, ttl = 8, proto = 9, checksum = 10,
                       src = 12, dst = 16;
};
constexpr uint16_t kIpDontFragment = 0x4000;
constexpr uint16_t kIpMoreFragments = 0x2000;
constexpr uint16_t kIpFragOffsetMask = 0x1fff;

// Offsets of the checksum field inside each transport header.
constexpr int kTcpChecksumAt = 16, kUdpChecksumAt = 6, kIcmpChecksumAt = 2;
constexpr int kTcpFlagsAt = 13;
constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08, kTcpAck = 0x10, kTcpUrg = 0x20, kTcpCwr = 0x80;

// ICMP types the router generates or maps back to a flow.
constexpr uint8_t kIcmpEchoReply = 0, kIcmpUnreachable = 3, kIcmpEchoRequest = 8, kIcmpTimeExceeded = 11,
                  kIcmpParamProblem = 12;
constexpr uint8_t kIcmpFragNeeded = 4;  // code of kIcmpUnreachable

inline std::string ipv4_text(uint32_t ip) {
  in_addr a{htonl(ip)};
  char s[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, s, sizeof s);
  return s;
}

inline bool icmp_is_error(uint8_t type) {
  return type == kIcmpUnreachable || type == kIcmpTimeExceeded || type == kIcmpParamProblem;
}

// Linux's tcp_valid_flags (nf_conntrack_proto_tcp.c): the combinations a
// connection uses, with ECE, CWR and PSH left out.
inline bool tcp_flags_valid(uint8_t f) {
  switch (f & ~(0x40 | 0x80 | 0x08)) {
    case kTcpSyn:
    case kTcpSyn | 0x20:
    case kTcpSyn | kTcpAck:
    case kTcpRst:
    case kTcpRst | kTcpAck:
    case kTcpFin | kTcpAck:
    case kTcpFin | kTcpAck | 0x20:
    case kTcpAck:
    case kTcpAck | 0x20:
      return true;
    default:
      return false;
  }
}

// A TCP header a router may pass: 0, or why not (1: malformed, 2: flags no
// connection uses). `segment` is the TCP header and data's length.
inline int tcp_header_verdict(const uint8_t* l4, uint32_t segment) {
  if (!l4 || segment < 20) return 1;
  const uint32_t offset = uint32_t(l4[12] >> 4) * 4;
  if (offset < 20 || offset > segment) return 1;
  return tcp_flags_valid(l4[kTcpFlagsAt]) ? 0 : 2;
}

// An IPv4 packet located inside a frame: where its header and transport
// header start, and whether the transport header is there at all (a later
// fragment has none).
struct Ipv4Packet {
  uint8_t* ip = nullptr;
  uint8_t* l4 = nullptr;     // nullptr for a non-first fragment or a truncated header
  uint32_t hdr_len = 0;
  uint32_t l4_len = 0;       // bytes from l4 to the end of the frame

  uint8_t proto() const { return ip[Ipv4Offsets::proto]; }
  uint8_t ttl() const { return ip[Ipv4Offsets::ttl]; }
  uint32_t src() const { return load32(ip + Ipv4Offsets::src); }
  uint32_t dst() const { return load32(ip + Ipv4Offsets::dst); }
  uint16_t total_len() const { return load16(ip + Ipv4Offsets::total_len); }
  uint16_t frag() const { return load16(ip + Ipv4Offsets::frag); }
  bool dont_fragment() const { return frag() & kIpDontFragment; }
  bool is_fragment() const { return frag() & (kIpMoreFragments | kIpFragOffsetMask); }

  // Locates the headers in [ip, ip+avail). False if the IPv4 header is not whole.
  bool parse(uint8_t* at, uint32_t avail) {
    if (avail < kIpv4MinHdr || (at[0] >> 4) != 4) return false;
    hdr_len = uint32_t(at[0] & 0x0f) * 4;
    if (hdr_len < kIpv4MinHdr || hdr_len > avail) return false;
    ip = at;
    l4 = nullptr;
    l4_len = 0;
    if (frag() & kIpFragOffsetMask) return true;  // a later fragment: no transport header
    uint32_t need = proto() == kProtoTcp ? 20 : proto() == kProtoUdp ? 8 : proto() == kProtoIcmp ? 8 : 0;
    if (need && avail - hdr_len >= need) {
      l4 = at + hdr_len;
      l4_len = avail - hdr_len;
    }
    return true;
  }
};

}  // namespace ferry
