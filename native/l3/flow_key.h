// A flow as conntrack and the NAT see it: addresses, ports (or the ICMP echo
// identifier) and protocol, 16 bytes hashed as two 64-bit words.
#pragma once
#include <cstdint>

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

}  // namespace ferry
