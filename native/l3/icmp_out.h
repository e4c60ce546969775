// Packets the stages write themselves: echo replies (in place) and ICMP
// errors (time exceeded, fragmentation needed; ICMPv6 packet too big) in a new buffer, quoting the
// offending packet as RFC 1812 asks: its IP header and as much after it as
// fits in 576 bytes. Errors are rate limited (as Linux's icmp_ratelimit, one
// budget for all), never sent about an ICMP error, and go back out of the
// port the packet came in by.
#pragma once
#include <cstdint>

#include "core/stage.h"
#include "l3/ipv4.h"
#include "l3/ipv6.h"

namespace ferry {

// Turns an echo request into its reply, from own_mac, and queues it back.
void answer_echo(StageContext& ctx, Packet* p, Ipv4Packet& ip, uint64_t own_mac);
void answer_echo(StageContext& ctx, Packet* p, Ipv6Packet& ip, uint64_t own_mac);

class IcmpErrors {
 public:
  static constexpr uint32_t kPerSecond = 1000;
  enum class Result { sent, rate_limited, not_sent };

  // In a dry run nothing is built: the answer is what would happen.
  Result send(StageContext& ctx, const Packet* p, const Ipv4Packet& ip, uint8_t type, uint8_t code, uint16_t mtu,
              uint32_t src_ip, uint64_t own_mac);
  // ICMPv6 packet too big (RFC 4443 section 3.2) about the IPv6 packet at
  // p->data + l3, from its destination address and own_mac, quoting as much
  // of it as fits in 1280 bytes. Same budget as send().
  Result send_too_big6(StageContext& ctx, const Packet* p, uint32_t l3, uint32_t mtu, uint64_t own_mac);
  // Any ICMPv6 error (time exceeded, packet too big, unreachable) from src:
  // `param` is the 32-bit field after the checksum (the MTU of too big).
  Result send6(StageContext& ctx, const Packet* p, uint32_t l3, uint8_t type, uint8_t code, uint32_t param, const IpKey& src,
               uint64_t own_mac);

 private:
  bool spend(StageContext& ctx);

  uint32_t second_ = ~0u;
  uint32_t this_second_ = 0;
};

}  // namespace ferry
