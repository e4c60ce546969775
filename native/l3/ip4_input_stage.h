// IPv4 input: the first L3 stage, for frames a container sends to its
// gateway's MAC (from the bridge) and frames for the external address (from
// the uplink). It checks the IPv4 header once, so the NAT and forwarding
// stages can trust it; hands traffic for the host's own addresses to the
// network's host port (the host's kernel answers it, as with any bridge);
// answers pings to the external address itself; sends queries for the
// embedded resolver (127.0.0.11) on to resolver-query; and refuses what Linux
// refuses before routing: a header whose total length or checksum is wrong,
// a source route (accept_source_route=0), a TCP header that is malformed or
// carries flags no connection uses (conntrack's INVALID), a packet from the
// world claiming a source inside Ferry's networks (rp_filter), and anything
// leaving an --internal network. Fragments of routed traffic go to
// reassembly first (l3/reassembly_stage.h): the NAT needs their ports.
#pragma once
#include "core/stage.h"
#include "l2/domains.h"
#include "l3/routes.h"

#define FERRY_IP4_INPUT_DROPS(X)                                                         \
  X(bad_ip, "IPv4 header malformed or truncated (total length shorter than the header)") \
  X(bad_ip_checksum, "IPv4 header checksum wrong")                                       \
  X(source_routed, "IPv4 with a loose or strict source route option (LSRR/SSRR)")        \
  X(bad_tcp, "TCP header malformed: data offset below 5 or past the packet's end")       \
  X(bad_tcp_flags, "TCP flags no connection uses (SYN+FIN, SYN+RST, none, ...)")         \
  X(martian_source, "from the uplink with a source inside a Ferry network or the host")  \
  X(no_egress, "from an --internal network: no traffic leaves it")                      \
  X(not_routed, "arrived for a gateway of a domain that is not a routed network")

#define FERRY_IP4_INPUT_COUNTERS(X)                                 \
  X(routed, "handed to the NAT and forwarding")                    \
  X(to_host, "for one of the host's own addresses: to the host")   \
  X(echo_replies, "pings to the external address answered")

namespace ferry {

struct Ip4InputCounters {
  FERRY_IP4_INPUT_COUNTERS(FERRY_COUNTER_FIELD)
};

class Ip4InputStage : public Stage {
 public:
  enum class Next { nat, resolver, reassemble };

  Ip4InputStage(const Domains& domains, const Routes& routes) : domains_(domains), routes_(routes) {}
  static constexpr const char* kName = "ip4-input";
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void for_each_counter(const CounterVisitor& visit) const override {
    const Ip4InputCounters& c = counters;
    FERRY_IP4_INPUT_COUNTERS(FERRY_COUNTER_VISIT)
  }

  Ip4InputCounters counters, scratch;

 private:
  const Domains& domains_;
  const Routes& routes_;
};

}  // namespace ferry
