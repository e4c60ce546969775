#include "l2/bridge_stage.h"

#include <cstdio>
#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"

namespace ferry {

namespace {

enum class BridgeDecision : uint8_t { unicast, flood, to_router, dropped };
enum class Learned : uint8_t { refreshed, learned, moved, refused_full, static_conflict, not_learned };

struct BridgeTrace {
  uint32_t domain;
  uint64_t src, dst;
  Learned learned;
  BridgeDecision decision;
  uint32_t out_port;  // unicast: the port; flood: how many ports
};

Learned learned_of(MacTable::LearnResult r) {
  switch (r) {
    case MacTable::LearnResult::refreshed: return Learned::refreshed;
    case MacTable::LearnResult::learned: return Learned::learned;
    case MacTable::LearnResult::moved: return Learned::moved;
    case MacTable::LearnResult::refused_full: return Learned::refused_full;
    case MacTable::LearnResult::static_conflict: return Learned::static_conflict;
  }
  return Learned::not_learned;
}

// Dry run: what learning would do, without doing it.
Learned would_learn(const Domain& d, uint64_t mac, uint32_t port) {
  const MacEntry* e = d.macs.find(mac);
  if (!e) return d.macs.size() >= d.macs.max_entries() ? Learned::refused_full : Learned::learned;
  if (e->port == port) return Learned::refreshed;
  return e->is_static ? Learned::static_conflict : Learned::moved;
}

}  // namespace

void BridgeStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    Domain* d = domains_.of_port(p->in_port);
    if (!d) {
      drop(p, DropReason::no_domain);
      continue;
    }
    BridgeCounters& c = ctx.dry_run ? scratch_ : d->counters;
    EthernetView eth(p->data);
    BridgeTrace t{d->id, eth.src(), eth.dst(), Learned::not_learned, BridgeDecision::dropped, kNoPort};

    t.learned = ctx.dry_run ? would_learn(*d, t.src, p->in_port) : learned_of(d->macs.learn(t.src, p->in_port, ctx.now));
    switch (t.learned) {
      case Learned::learned: c.learned++; break;
      case Learned::moved: c.moved++; break;
      case Learned::refused_full: c.learn_refused_full++; break;
      case Learned::static_conflict: c.static_conflict++; break;
      default: break;
    }

    const uint64_t dst = t.dst;
    if (d->gateway_mac && dst == d->gateway_mac && eth.outer_type() == kEtherTypeIPv4 &&
        ctx.port(p->in_port)->role != PortRole::host) {
      c.to_router++;
      t.decision = BridgeDecision::to_router;
      p->next = next_of(Next::router);
    } else if (mac_is_group(dst)) {
      c.flood_multicast++;
      t.decision = BridgeDecision::flood;
      t.out_port = Domains::flood(ctx, *d, p, p->in_port);
      if (t.out_port) sent(p);
      else drop(p, DropReason::no_tx_port);
    } else if (const MacEntry* e = d->macs.find(dst); !e) {
      c.flood_unknown++;
      t.decision = BridgeDecision::flood;
      t.out_port = Domains::flood(ctx, *d, p, p->in_port);
      if (t.out_port) sent(p);
      else drop(p, DropReason::no_tx_port);
    } else if (e->port == p->in_port) {
      c.filtered_same_port++;
      drop(p, DropReason::same_port);
    } else if (!Domains::icc_allows(ctx, *d, p->in_port, e->port)) {
      c.icc_blocked++;
      drop(p, DropReason::icc_blocked);
    } else {
      c.unicast++;
      t.decision = BridgeDecision::unicast;
      t.out_port = e->port;
      ctx.tx(ctx.port(e->port), p);
      sent(p);
    }
    ctx.trace(p, t);
  }
}

bool BridgeStage::needs_tick() const {
  for (const auto& d : domains_.all())
    if (d && d->macs.dynamic_count() > 0) return true;
  return false;
}

void BridgeStage::tick(StageContext& ctx) {
  for (const auto& d : domains_.all())
    if (d) d->counters.aged += d->macs.age(ctx.now, d->aging_seconds);
}

void BridgeStage::for_each_counter(const CounterVisitor& visit) const {
  BridgeCounters c;
  for (const auto& d : domains_.all()) {
    if (!d) continue;
#define FERRY_X(name, help) c.name += d->counters.name;
    FERRY_BRIDGE_OUTCOMES(FERRY_X)
#undef FERRY_X
  }
  FERRY_BRIDGE_OUTCOMES(FERRY_COUNTER_VISIT)
}

std::string BridgeStage::format_trace(const uint8_t* record, uint32_t len) const {
  BridgeTrace t;
  std::memcpy(&t, record, sizeof t);
  static const char* const learned[] = {"known", "learned", "moved", "not learned: table full", "not moved: static elsewhere", ""};
  char s[200];
  int k = std::snprintf(s, sizeof s, "domain %u: %s > %s, source %s", t.domain, format_mac(t.src).c_str(), format_mac(t.dst).c_str(), learned[int(t.learned)]);
  switch (t.decision) {
    case BridgeDecision::unicast: std::snprintf(s + k, sizeof s - size_t(k), "; known destination on port %u", t.out_port); break;
    case BridgeDecision::flood: std::snprintf(s + k, sizeof s - size_t(k), "; flooded to %u port(s)", t.out_port); break;
    case BridgeDecision::to_router: std::snprintf(s + k, sizeof s - size_t(k), "; to the gateway's MAC: routed"); break;
    case BridgeDecision::dropped: break;
  }
  return s;
}

}  // namespace ferry
