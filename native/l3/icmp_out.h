// Packets the IPv4 stages write themselves: echo replies (in place) and ICMP
// errors (time exceeded, fragmentation needed) in a new buffer, quoting the
// offending packet as RFC 1812 asks: its IP header and as much after it as
// fits in 576 bytes. Errors are rate limited (as Linux's icmp_ratelimit, one
// budget for all), never sent about an ICMP error, and go back out of the
// port the packet came in by.
#pragma once
#include <cstdint>

#include "core/stage.h"
#include "l3/ipv4.h"

namespace ferry {

// Turns an echo request into its reply, from own_mac, and queues it back.
void answer_echo(StageContext& ctx, Packet* p, Ipv4Packet& ip, uint64_t own_mac);

class IcmpErrors {
 public:
  static constexpr uint32_t kPerSecond = 1000;
  enum class Result { sent, rate_limited, not_sent };

  // In a dry run nothing is built: the answer is what would happen.
  Result send(StageContext& ctx, const Packet* p, const Ipv4Packet& ip, uint8_t type, uint8_t code, uint16_t mtu,
              uint32_t src_ip, uint64_t own_mac);

 private:
  uint32_t second_ = ~0u;
  uint32_t this_second_ = 0;
};

}  // namespace ferry
