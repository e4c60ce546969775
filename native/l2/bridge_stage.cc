#include "l2/bridge_stage.h"

#include <cstdio>
#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "l3/ipv4.h"

namespace ferry {

namespace {

enum class BridgeDecision : uint8_t { unicast, flood, to_router, dropped };
enum class Learned : uint8_t { refreshed, learned, moved, refused_full, static_conflict, not_learned, refused_port };

struct BridgeTrace {
  uint32_t domain;
  uint64_t src, dst;
  Learned learned;
  BridgeDecision decision;
  uint32_t out_port;  // unicast: the port; flood: how many ports
};

// Dry run: what learning would do, without doing it.
Learned would_learn(const Domain& d, uint64_t mac, uint32_t port) {
  const MacEntry* e = d.macs.find(mac);
  if (e && e->port == port) return Learned::refreshed;
  if (e && e->is_static) return Learned::static_conflict;
  if (d.macs.max_per_port() && d.macs.learned_on(port) >= d.macs.max_per_port()) return Learned::refused_port;
  if (!e) return d.macs.size() >= d.macs.max_entries() ? Learned::refused_full : Learned::learned;
  return Learned::moved;
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
    const uint64_t src = eth.src(), dst = eth.dst();
    BridgeTrace t;  // filled as it goes, written only for a traced packet
    if (__builtin_expect(p->trace != 0, 0)) t = BridgeTrace{d->id, src, dst, Learned::not_learned, BridgeDecision::dropped, kNoPort};

    if (ctx.dry_run) {
      t.learned = would_learn(*d, src, p->in_port);
    } else {
      switch (d->macs.learn(src, p->in_port, ctx.now)) {
        case MacTable::LearnResult::refreshed: t.learned = Learned::refreshed; break;
        case MacTable::LearnResult::learned: t.learned = Learned::learned; c.learned++; break;
        case MacTable::LearnResult::moved: t.learned = Learned::moved; c.moved++; break;
        case MacTable::LearnResult::refused_full: t.learned = Learned::refused_full; c.learn_refused_full++; break;
        case MacTable::LearnResult::refused_port_limit: t.learned = Learned::refused_port; c.learn_refused_port++; break;
        case MacTable::LearnResult::static_conflict: t.learned = Learned::static_conflict; c.static_conflict++; break;
      }
    }

    const uint16_t type = eth.outer_type();
    if (d->gateway_mac && dst == d->gateway_mac && (type == kEtherTypeIPv4 || (type == kEtherTypeIPv6 && d->routes_ipv6)) &&
        ctx.port(p->in_port)->role != PortRole::host) {
      c.to_router++;
      t.decision = BridgeDecision::to_router;
      p->next = next_of(type == kEtherTypeIPv4 ? Next::router : Next::router6);
    } else if (mac_is_group(dst)) {
      c.flood_multicast++;
      t.decision = BridgeDecision::flood;
      bool too_big = false;
      t.out_port = Domains::flood(ctx, *d, p, p->in_port, &too_big);
      if (t.out_port) sent(p);
      else drop(p, too_big ? DropReason::too_big : DropReason::no_tx_port);
    } else if (const MacEntry* e = d->macs.find(dst); !e) {
      c.flood_unknown++;
      t.decision = BridgeDecision::flood;
      bool too_big = false;
      t.out_port = Domains::flood(ctx, *d, p, p->in_port, &too_big);
      if (t.out_port) sent(p);
      else drop(p, too_big ? DropReason::too_big : DropReason::no_tx_port);
    } else if (e->port == p->in_port) {
      c.filtered_same_port++;
      drop(p, DropReason::same_port);
    } else if (!d->icc && !Domains::icc_allows(ctx, *d, p->in_port, e->port)) {
      c.icc_blocked++;
      drop(p, DropReason::icc_blocked);
    } else if (Port* out = ctx.port(e->port); !Domains::fits(out, p)) {
      drop(p, out->role == PortRole::tunnel && tell_too_big(ctx, p, *out, dst) ? DropReason::too_big_for_tunnel : DropReason::too_big);
    } else {
      c.unicast++;
      t.decision = BridgeDecision::unicast;
      t.out_port = e->port;
      ctx.tx(out, p);
      sent(p);
    }
    if (p->trace) ctx.trace(p, t);
  }
}

bool BridgeStage::tell_too_big(StageContext& ctx, Packet* p, const Port& out, uint64_t dst) {
  EthernetView eth(p->data);
  const uint32_t l2 = eth.header_len();
  // IPv6 is never fragmented on the way: every packet too big is told.
  if (eth.payload_type() == kEtherTypeIPv6) return icmp_.send_too_big6(ctx, p, l2, out.mtu, dst) == IcmpErrors::Result::sent;
  Ipv4Packet ip;
  if (eth.payload_type() != kEtherTypeIPv4 || !ip.parse(p->data + l2, p->len - l2) || !ip.dont_fragment()) return false;
  return icmp_.send(ctx, p, ip, kIcmpUnreachable, kIcmpFragNeeded, uint16_t(out.mtu), ip.dst(), dst) == IcmpErrors::Result::sent;
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
  static const char* const learned[] = {"known", "learned", "moved", "not learned: table full", "not moved: static elsewhere", "", "not learned: the port's share is full"};
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
