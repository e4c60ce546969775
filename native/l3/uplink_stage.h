// The uplink: Ferry is a host of its own on the world's side. Frames arriving
// there are the router's when they are ARP (it answers for the external
// address with its own MAC, and learns next hops, which releases packets the
// neighbour stage held) or IPv4 for its MAC (on to IPv4 input); with an
// external IPv6 address, the same for neighbour discovery (solicitations for
// that address or the uplink's link-local one answered, advertisements
// learned) and IPv6 for its MAC (on to IPv6 input). Everything
// else on the interface is the host's own traffic and is left alone (counted
// as not_for_us): the AF_PACKET socket sees a copy, the kernel still gets it.
#pragma once
#include "core/stage.h"
#include "l3/ndisc.h"
#include "l3/neighbors.h"
#include "l3/routes.h"

#define FERRY_UPLINK_DROPS(X) X(not_for_us, "uplink frame for another MAC or address: the host's own traffic")

#define FERRY_UPLINK_COUNTERS(X)                                   \
  X(ipv4_in, "IPv4 for the external address's MAC")              \
  X(ipv6_in, "IPv6 for the external address's MAC")              \
  X(arp_replies, "ARP requests for the external address answered") \
  X(arp_absorbed, "other ARP read (for learning) and let go")      \
  X(nd_replies, "neighbour solicitations for our IPv6 addresses answered") \
  X(nd_absorbed, "other neighbour discovery read (for learning) and let go") \
  X(neighbors_learned, "next hops resolved")

namespace ferry {

struct UplinkCounters {
  FERRY_UPLINK_COUNTERS(FERRY_COUNTER_FIELD)
};

class UplinkStage : public Stage {
 public:
  enum class Next { ip4, ip6 };

  UplinkStage(Neighbors& neighbors, Neighbors6& neighbors6, const Routes& routes)
      : neighbors_(neighbors), neighbors6_(neighbors6), routes_(routes) {}
  static constexpr const char* kName = "uplink";
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void for_each_counter(const CounterVisitor& visit) const override {
    const UplinkCounters& c = counters;
    FERRY_UPLINK_COUNTERS(FERRY_COUNTER_VISIT)
  }

  UplinkCounters counters, scratch;

 private:
  void arp(StageContext& ctx, Packet* p, UplinkCounters& c);
  // False if the frame is not neighbour discovery (it may be IPv6 for us).
  bool ndisc(StageContext& ctx, Packet* p, UplinkCounters& c);

  Neighbors& neighbors_;
  Neighbors6& neighbors6_;
  const Routes& routes_;
};

}  // namespace ferry
