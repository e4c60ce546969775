#include "l3/neighbor_stage.h"

#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "l3/fragment.h"
#include "l3/ipv4.h"

#include <type_traits>

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

NeighborDecision fragments_decision(NeighborSent last) {
  switch (last) {
    case NeighborSent::known: return NeighborDecision::known;
    case NeighborSent::held: return NeighborDecision::held;
    case NeighborSent::asked: return NeighborDecision::asked;
    default: return NeighborDecision::full;
  }
}

}  // namespace

template <typename F>
void NeighborStageOf<F>::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  NeighborCounters& c = ctx.dry_run ? scratch : counters;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    const auto hop = p->meta_as<typename F::Meta>().next_hop;
    NeighborTrace<decltype(hop)> t{hop, 0, NeighborDecision::full, ctx.dry_run};
    if constexpr (std::is_same_v<typename F::Meta, L3Meta>) {
      if (const uint16_t mtu = p->meta_as<L3Meta>().fragment_at; mtu && !ctx.dry_run) {
        t.decision = fragments_decision(send_fragments(ctx, p, hop, mtu, c));
        ctx.trace(p, t);
        continue;
      }
    }
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
NeighborSent NeighborStageOf<F>::send_fragments(StageContext& ctx, Packet* p, const typename Table::Addr& hop, uint32_t mtu,
                                                NeighborCounters& c) {
  NeighborSent last = NeighborSent::known;
  for (uint32_t k = 0;; k++) {
    Packet* q = ctx.new_held_packet();  // it may wait for ARP past this run
    if (!q) {
      drop(p, DropReason::no_buffer);  // the pool is empty: what was cut is sent, the rest lost
      return NeighborSent::hold_full;
    }
    if (!write_ipv4_fragment(*p, mtu, k, q)) {
      ctx.free(q);
      break;
    }
    switch (last = neighbors_.send(ctx, q, hop)) {
      case NeighborSent::known: ctx.release(q); c.resolved++; break;
      case NeighborSent::held:
      case NeighborSent::asked: c.held++; break;
      case NeighborSent::hold_full: ctx.drop_held(q, uint16_t(DropReason::hold_full)); break;
      case NeighborSent::no_port: ctx.drop_held(q, uint16_t(DropReason::no_route)); break;
    }
  }
  p->next = kNodeSent;  // its fragments went in its place
  return last;
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
