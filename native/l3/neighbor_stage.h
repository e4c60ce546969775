// Neighbour output: the last stage for frames leaving by the uplink. It puts
// the next hop's MAC on the frame and queues it, or, while the next hop is
// unknown, asks for it with ARP and holds the frame (a few per neighbour, as
// Linux does). The table is shared with the uplink stage, where the answers
// arrive.
#pragma once
#include "core/stage.h"
#include "l3/neighbors.h"
#include "l3/routes.h"

#define FERRY_NEIGHBOR_DROPS(X)                     \
  X(neighbor_unresolved, "next hop did not answer ARP") \
  X(hold_full, "waiting for ARP with the hold queue full")

#define FERRY_NEIGHBOR_COUNTERS(X)                          \
  X(resolved, "sent to a next hop whose MAC is known")     \
  X(held, "held while their next hop resolved")           \
  X(arp_requests, "ARP requests sent for next hops")

namespace ferry {

struct NeighborCounters {
  FERRY_NEIGHBOR_COUNTERS(FERRY_COUNTER_FIELD)
};

class NeighborStage : public Stage {
 public:
  explicit NeighborStage(Neighbors& neighbors) : neighbors_(neighbors) {}
  static constexpr const char* kName = "neighbor";
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
  Neighbors& neighbors_;
};

}  // namespace ferry
