// IPv6 forwarding, after NAT66 has decided a packet's translation: route its
// translated destination (a container's endpoint, else the uplink towards an
// on-link host or the external gateway), check the hop limit and the MTU
// *before* rewriting, so the ICMPv6 errors it sends quote the packet as its
// sender sent it, then rewrite addresses, ports and checksums incrementally
// and deliver it. IPv6 routers never fragment: a packet larger than the next
// hop's MTU is answered with packet too big (RFC 8200 section 5), a GSO frame
// by its segment size. Errors come from the address the sender knows: the
// network's IPv6 gateway for a container, the external address for the world.
#pragma once
#include "core/stage.h"
#include "l2/domains.h"
#include "l3/container_hop.h"
#include "l3/icmp_out.h"
#include "l3/routes.h"

#define FERRY_IP6_FORWARD_DROPS(X)                                                  \
  X(hop_limit_exceeded, "hop limit ran out at the gateway (ICMPv6 time exceeded sent)") \
  X(too_big6, "larger than the next hop's MTU (ICMPv6 packet too big sent)")

#define FERRY_IP6_FORWARD_COUNTERS(X)                                  \
  X(to_container, "delivered into a container's network")             \
  X(to_uplink, "sent towards the world")                              \
  X(icmp_errors_sent, "time exceeded or packet too big generated")    \
  X(icmp_rate_limited, "ICMPv6 errors not sent: over the rate limit")

namespace ferry {

struct Ip6ForwardCounters {
  FERRY_IP6_FORWARD_COUNTERS(FERRY_COUNTER_FIELD)
};

class Ip6ForwardStage : public Stage {
 public:
  enum class Next { neighbor };

  Ip6ForwardStage(const Domains& domains, const Routes& routes) : domains_(domains), routes_(routes) {}
  static constexpr const char* kName = "ip6-forward";
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void for_each_counter(const CounterVisitor& visit) const override {
    const Ip6ForwardCounters& c = counters;
    FERRY_IP6_FORWARD_COUNTERS(FERRY_COUNTER_VISIT)
  }

  Ip6ForwardCounters counters, scratch;

 private:
  struct Hop {
    bool to_uplink = false;
    ContainerHop container;
    IpKey next_hop{};
    uint32_t mtu = 1500;
  };
  bool find_route(const IpKey& dst, Hop* hop) const;
  // 1: sent, 2: rate limited, 0: not sent.
  uint8_t icmp_error(StageContext& ctx, Packet* p, uint8_t type, uint8_t code, uint32_t param, Ip6ForwardCounters& c);

  const Domains& domains_;
  const Routes& routes_;
  IcmpErrors icmp_;
};

}  // namespace ferry
