// Where the headers of a TCP segment inside an untagged Ethernet frame are,
// and its pseudo-header sum: what segmenting a GSO frame for the tunnel
// (segment.h) and merging what comes out of it again (coalesce.h) both need.
// IPv4 with or without options, IPv6 without extension headers; anything
// else is not for them.
#pragma once
#include <cstdint>

#include "core/bytes.h"
#include "core/checksum.h"
#include "l2/ethernet.h"
#include "l3/ipv4.h"

namespace ferry {

struct InnerTcp {
  bool v6 = false;
  uint32_t l4 = 0;   // offset of the TCP header
  uint32_t hdr = 0;  // Ethernet, IP and TCP headers: where the payload starts
};

inline bool parse_inner_tcp(const uint8_t* f, uint32_t len, InnerTcp* t) {
  if (len < kEthHdrLen + 40) return false;
  const uint16_t type = load16(f + 12);
  const uint8_t* ip = f + kEthHdrLen;
  if (type == kEtherTypeIPv4) {
    const uint32_t ihl = uint32_t(ip[0] & 0x0f) * 4;
    if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 6 || (load16(ip + 6) & 0x3fff)) return false;  // TCP, not a fragment
    t->v6 = false;
    t->l4 = kEthHdrLen + ihl;
  } else if (type == kEtherTypeIPv6) {
    if ((ip[0] >> 4) != 6 || ip[6] != 6 || len < kEthHdrLen + 60) return false;
    t->v6 = true;
    t->l4 = kEthHdrLen + 40;
  } else {
    return false;
  }
  if (len < t->l4 + 20) return false;
  const uint32_t thl = uint32_t(f[t->l4 + 12] >> 4) * 4;
  if (thl < 20 || len < t->l4 + thl) return false;
  t->hdr = t->l4 + thl;
  return true;
}

// The pseudo-header's sum (addresses, protocol, TCP length), unfolded.
inline uint32_t tcp_pseudo_sum(const uint8_t* f, const InnerTcp& t, uint32_t tcp_len) {
  const uint8_t* ip = f + kEthHdrLen;
  const uint32_t addrs = t.v6 ? csum_partial(ip + 8, 32) : csum_partial(ip + 12, 8);
  return csum_add(csum_add(addrs, 6), tcp_len);
}

// Sets the IP header's length fields for a TCP segment of tcp_len bytes (and the IPv4 checksum).
inline void set_ip_length(uint8_t* f, const InnerTcp& t, uint32_t tcp_len) {
  uint8_t* ip = f + kEthHdrLen;
  if (t.v6) {
    store16(ip + 4, uint16_t(tcp_len));
    return;
  }
  const uint32_t ihl = t.l4 - kEthHdrLen;
  store16(ip + 2, uint16_t(ihl + tcp_len));
  store16(ip + 10, 0);
  store16(ip + 10, csum_finish(csum_partial(ip, ihl)));
}

}  // namespace ferry
