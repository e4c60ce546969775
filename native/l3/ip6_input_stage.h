// IPv6 input: the first stage of IPv6 routing, for frames a container sends
// to its gateway's MAC (from the bridge) and frames for the external IPv6
// address (from the uplink). It checks the header and extension headers
// once; hands what belongs to the link to the network's host port
// (multicast, link-local, the host's own addresses: the host's kernel
// answers neighbour discovery and pings there, as behind any bridge);
// answers pings to the external address; and refuses what a router
// refuses: a payload length past the frame, a TCP header conntrack calls
// INVALID, a link-local source leaving its link, a source from the world
// claiming to be inside, a fragment (NAT66 does not reassemble), anything
// leaving an --internal network.
#pragma once
#include "core/stage.h"
#include "l2/domains.h"
#include "l3/routes.h"

#define FERRY_IP6_INPUT_DROPS(X)                                                         \
  X(bad_ip6, "IPv6 header or extension header malformed, or payload length past the frame") \
  X(ip6_fragment, "IPv6 fragment: NAT66 does not reassemble")                          \
  X(link_local_source, "IPv6 from a link-local source to beyond the link")

#define FERRY_IP6_INPUT_COUNTERS(X)                                     \
  X(routed, "handed to NAT66 and forwarding")                          \
  X(to_host, "for the link or the host's own addresses: to the host")  \
  X(echo_replies, "pings to the external IPv6 address answered")

namespace ferry {

struct Ip6InputCounters {
  FERRY_IP6_INPUT_COUNTERS(FERRY_COUNTER_FIELD)
};

class Ip6InputStage : public Stage {
 public:
  enum class Next { nat };

  Ip6InputStage(const Domains& domains, const Routes& routes) : domains_(domains), routes_(routes) {}
  static constexpr const char* kName = "ip6-input";
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void for_each_counter(const CounterVisitor& visit) const override {
    const Ip6InputCounters& c = counters;
    FERRY_IP6_INPUT_COUNTERS(FERRY_COUNTER_VISIT)
  }

  Ip6InputCounters counters, scratch;

 private:
  const Domains& domains_;
  const Routes& routes_;
};

}  // namespace ferry
