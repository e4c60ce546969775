// Neighbour output: the last stage for frames leaving by the uplink. It puts
// the next hop's MAC on the frame and queues it, or, while the next hop is
// unknown, asks for it (ARP for IPv4, a neighbour solicitation for IPv6) and
// holds the frame (a few per neighbour, as Linux does). The tables are
// shared with the uplink stage, where the answers arrive. One template for
// both families: `neighbor` and `neighbor6`. An IPv4 datagram forwarding
// marked for cutting (L3Meta::fragment_at) leaves as its fragments, each
// resolved, sent or held like any packet.
#pragma once
#include <string>

#include "core/stage.h"
#include "l3/ipv6.h"
#include "l3/ndisc.h"
#include "l3/neighbors.h"
#include "l3/routes.h"

#define FERRY_NEIGHBOR_DROPS(X)                     \
  X(neighbor_unresolved, "next hop did not answer ARP or neighbour solicitation") \
  X(hold_full, "waiting for the next hop's MAC with the hold queue full")

#define FERRY_NEIGHBOR_COUNTERS(X)                          \
  X(resolved, "sent to a next hop whose MAC is known")     \
  X(held, "held while their next hop resolved")           \
  X(arp_requests, "ARP requests or neighbour solicitations sent for next hops")

namespace ferry {

struct NeighborCounters {
  FERRY_NEIGHBOR_COUNTERS(FERRY_COUNTER_FIELD)
};

struct ArpNeighborStage {
  using Table = Neighbors;
  using Meta = L3Meta;
  static constexpr const char* kName = "neighbor";
  static constexpr const char* kWouldAsk = "would ask with ARP and hold the packet";
  static constexpr const char* kAsked = "ARP request sent, held";
  static std::string text(uint32_t a) { return ipv4_text(a); }
};

struct NdiscNeighborStage {
  using Table = Neighbors6;
  using Meta = L3Meta6;
  static constexpr const char* kName = "neighbor6";
  static constexpr const char* kWouldAsk = "would send a neighbour solicitation and hold the packet";
  static constexpr const char* kAsked = "neighbour solicitation sent, held";
  static std::string text(const IpKey& a) { return ipv6_text(a); }
};

template <typename F>
class NeighborStageOf : public Stage {
 public:
  using Table = typename F::Table;
  explicit NeighborStageOf(Table& neighbors) : neighbors_(neighbors) {}
  static constexpr const char* kName = F::kName;
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void tick(StageContext& ctx) override;
  bool needs_tick() const override { return neighbors_.pending(); }
  void for_each_counter(const CounterVisitor& visit) const override {
    NeighborCounters c = counters;
    c.arp_requests = neighbors_.requests_sent;
    FERRY_NEIGHBOR_COUNTERS(FERRY_COUNTER_VISIT)
  }

  NeighborCounters counters, scratch;

 private:
  // p's fragments at mtu, each sent or held; what became of the last.
  NeighborSent send_fragments(StageContext& ctx, Packet* p, const typename Table::Addr& hop, uint32_t mtu, NeighborCounters& c);

  Table& neighbors_;
};

using NeighborStage = NeighborStageOf<ArpNeighborStage>;
using Neighbor6Stage = NeighborStageOf<NdiscNeighborStage>;

}  // namespace ferry
