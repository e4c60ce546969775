#include "l3/neighbor_stage.h"

#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "l3/ipv4.h"

namespace ferry {

namespace {

enum class NeighborDecision : uint8_t { known, held, asked, full };

template <typename Addr>
struct NeighborTrace {
  Addr next_hop;
  uint64_t mac;
  NeighborDecision decision;
  bool dry_run;
};

}  // namespace

template <typename F>
void NeighborStageOf<F>::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  NeighborCounters& c = ctx.dry_run ? scratch : counters;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    const auto hop = p->meta_as<typename F::Meta>().next_hop;
    NeighborTrace<decltype(hop)> t{hop, 0, NeighborDecision::full, ctx.dry_run};
    switch (neighbors_.send(ctx, p, hop)) {
      case Neighbors::Sent::no_port: drop(p, DropReason::no_route); break;
      case Neighbors::Sent::hold_full: drop(p, DropReason::hold_full); break;
      case Neighbors::Sent::known:
        c.resolved++;
        t.decision = NeighborDecision::known;
        t.mac = load_mac(p->data + EthOffsets::dst);  // send() wrote it
        break;
      case Neighbors::Sent::held:
        if (!ctx.dry_run) c.held++;
        t.decision = NeighborDecision::held;
        break;
      case Neighbors::Sent::asked:
        if (!ctx.dry_run) c.held++;
        t.decision = NeighborDecision::asked;
        break;
    }
    ctx.trace(p, t);
  }
}

template <typename F>
void NeighborStageOf<F>::tick(StageContext& ctx) {
  neighbors_.tick(ctx, uint16_t(DropReason::neighbor_unresolved));
}

template <typename F>
std::string NeighborStageOf<F>::format_trace(const uint8_t* record, uint32_t len) const {
  NeighborTrace<typename Table::Addr> t;
  std::memcpy(&t, record, sizeof t);
  const std::string hop = F::text(t.next_hop);
  switch (t.decision) {
    case NeighborDecision::known: return "next hop " + hop + " is at " + format_mac(t.mac);
    case NeighborDecision::held: return "next hop " + hop + " is being resolved: " + (t.dry_run ? "would be held" : "held");
    case NeighborDecision::asked: return "next hop " + hop + " unknown: " + (t.dry_run ? F::kWouldAsk : F::kAsked);
    case NeighborDecision::full: return "next hop " + hop + ": no room to hold the packet";
  }
  return "";
}

template class NeighborStageOf<ArpNeighborStage>;
template class NeighborStageOf<NdiscNeighborStage>;

}  // namespace ferry
