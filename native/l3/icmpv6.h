// ICMPv6's checksum, over the IPv6 pseudo-header (RFC 8200 section 8.1) and
// the message: what every ICMPv6 message Ferry writes needs (neighbour
// discovery, l3/ndisc.cc; packet too big, l3/icmp_out.cc).
#pragma once
#include <cstdint>

#include "core/checksum.h"

namespace ferry {

constexpr uint8_t kIpProtoIcmpv6 = 58;
constexpr uint32_t kIpv6HdrLen = 40;

// ip6: the IPv6 header (its addresses are summed); msg: the ICMPv6 message of len bytes.
inline uint16_t icmpv6_checksum(const uint8_t* ip6, const uint8_t* msg, uint32_t len) {
  uint32_t sum = csum_partial(ip6 + 8, 32);  // source and destination
  sum = csum_add(sum, len);
  sum = csum_add(sum, kIpProtoIcmpv6);
  return csum_finish(csum_partial(msg, len, sum));
}

}  // namespace ferry
