// IPv4 forwarding: after the NAT has decided a packet's translation, route
// its translated destination (a container's endpoint, else the uplink towards
// an on-link host or the external gateway; never into another bridge
// network), check TTL and MTU *before* rewriting, so the ICMP errors it
// generates quote the packet as its sender sent it, then rewrite addresses,
// ports, TTL and checksums incrementally (see core/checksum.h for
// CHECKSUM_PARTIAL) and deliver it: into the container's domain from the
// gateway's MAC, or to the neighbour stage for the uplink. GSO frames stay
// whole: only headers change, and the kernel segments them at the far end
// with the rewritten headers. A datagram larger than the next hop's MTU
// without DF (not GSO) is cut into fragments after its rewrite
// (l3/fragment.h): here for a container's network, in the neighbour stage
// for the uplink (where it may wait for ARP).
#pragma once
#include "core/stage.h"
#include "l2/domains.h"
#include "l3/container_hop.h"
#include "l3/icmp_out.h"
#include "l3/routes.h"

#define FERRY_IP4_FORWARD_DROPS(X)                                                  \
  X(ttl_exceeded, "TTL ran out at the gateway (ICMP time exceeded sent)")           \
  X(mtu_exceeded, "larger than the next hop's MTU with DF or GSO (ICMP fragmentation needed sent)")

#define FERRY_IP4_FORWARD_COUNTERS(X)                                           \
  X(to_container, "delivered into a container's network")                      \
  X(to_uplink, "sent towards the world")                                       \
  X(icmp_errors_sent, "time exceeded or fragmentation needed generated")       \
  X(icmp_rate_limited, "ICMP errors not sent: over the rate limit")            \
  X(fragmented, "datagrams cut into fragments at the next hop's MTU")

namespace ferry {

struct Ip4ForwardCounters {
  FERRY_IP4_FORWARD_COUNTERS(FERRY_COUNTER_FIELD)
};

class Ip4ForwardStage : public Stage {
 public:
  enum class Next { neighbor };

  Ip4ForwardStage(const Domains& domains, const Routes& routes) : domains_(domains), routes_(routes) {}
  static constexpr const char* kName = "ip4-forward";
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void for_each_counter(const CounterVisitor& visit) const override {
    const Ip4ForwardCounters& c = counters;
    FERRY_IP4_FORWARD_COUNTERS(FERRY_COUNTER_VISIT)
  }

  Ip4ForwardCounters counters, scratch;

 private:
  struct Hop {
    bool to_uplink = false;
    ContainerHop container;
    uint32_t next_hop = 0;  // for the uplink
    uint32_t mtu = 1500;
  };
  bool find_route(uint32_t dst, Hop* hop) const;
  bool output_fragments(StageContext& ctx, Packet* p, const Hop& hop, bool* too_big);
  void icmp_error(StageContext& ctx, Packet* p, const Ipv4Packet& ip, uint8_t type, uint8_t code, uint16_t mtu,
                  Ip4ForwardCounters& c);

  const Domains& domains_;
  const Routes& routes_;
  IcmpErrors icmp_;
};

}  // namespace ferry
