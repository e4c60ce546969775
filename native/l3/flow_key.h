// A flow as conntrack and the NAT see it: addresses, ports (or the ICMP echo
// identifier) and protocol. IPv4's is 16 bytes, hashed as two 64-bit words;
// IPv6's (FlowKey6) holds 16-byte addresses and is 40 bytes, five words.
#pragma once
#include <cstdint>

#include "l3/ip_key.h"

namespace ferry {

struct FlowKey {
  uint32_t src = 0, dst = 0;
  uint16_t sport = 0, dport = 0;  // ICMP echo: the identifier in sport, 0 in dport
  uint8_t proto = 0;
  uint8_t pad[3] = {0, 0, 0};

  bool operator==(const FlowKey& o) const {
    return src == o.src && dst == o.dst && sport == o.sport && dport == o.dport && proto == o.proto;
  }
  FlowKey inverse() const {
    FlowKey k = *this;
    k.src = dst;
    k.dst = src;
    if (proto != 1) {
      k.sport = dport;
      k.dport = sport;
    }
    return k;
  }
};
static_assert(sizeof(FlowKey) == 16, "flow keys are hashed as two 64-bit words");

struct FlowKey6 {
  IpKey src, dst;
  uint16_t sport = 0, dport = 0;  // ICMPv6 echo: the identifier in sport, 0 in dport
  uint8_t proto = 0;
  uint8_t pad[3] = {0, 0, 0};

  bool operator==(const FlowKey6& o) const {
    return src == o.src && dst == o.dst && sport == o.sport && dport == o.dport && proto == o.proto;
  }
  FlowKey6 inverse() const {
    FlowKey6 k = *this;
    k.src = dst;
    k.dst = src;
    if (proto != 58) {
      k.sport = dport;
      k.dport = sport;
    }
    return k;
  }
};
static_assert(sizeof(FlowKey6) == 40, "hashed as five 64-bit words, pad zeroed");

}  // namespace ferry
