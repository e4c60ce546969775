#include "demux/demux_stage.h"

#include <cstdio>
#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "l2/vlan.h"
#include "l3/ipv4.h"

namespace ferry {

namespace {

enum class DemuxDecision : uint8_t { to_member, flood, to_wire, between, not_ours, dropped, routed, held };

struct DemuxTrace {
  uint32_t segment;
  uint16_t vlan;
  DemuxDecision decision;
  uint32_t out;  // to_member/between: the port; flood: how many members
};

// The address an ipvlan frame is for: IPv4 or IPv6 destination, or the target of an ARP.
bool dest_ip(const Packet& p, IpKey* out) {
  EthernetView eth(p.data);
  const uint32_t l3 = eth.header_len();
  const uint8_t* h = p.data + l3;
  switch (eth.payload_type()) {
    case kEtherTypeIPv4:
      if (p.len < l3 + 20) return false;
      *out = IpKey::v4(load32(h + 16));
      return true;
    case kEtherTypeARP:
      if (p.len < l3 + kArpLen) return false;
      *out = IpKey::v4(load32(h + 24));
      return true;
    case kEtherTypeIPv6:
      if (p.len < l3 + 40) return false;
      *out = IpKey::v6(h + 24);
      return true;
    default:
      return false;
  }
}

bool is_macvlan(const Segment& s) { return s.config.driver == DemuxDriver::macvlan; }

// The member a unicast frame of an l2 segment is for: macvlan by its
// destination MAC; ipvlan l2 by its destination IP, once it is for the
// parent's MAC (which every member wears). kNoPort: none.
uint32_t member_for(const Segment& s, const Packet& p, uint64_t dst) {
  if (is_macvlan(s)) {
    auto it = s.by_mac.find(dst);
    return it == s.by_mac.end() ? kNoPort : it->second;
  }
  IpKey ip;
  if (dst != s.config.parent_mac || !dest_ip(p, &ip)) return kNoPort;
  auto it = s.by_ip.find(ip);
  return it == s.by_ip.end() ? kNoPort : it->second;
}

// ipvlan l3: a neighbour solicitation or advertisement on the parent teaches
// the segment's IPv6 table (one aimed at the host's addresses, or from a
// neighbour it knows or asks for). False if the frame is neither.
bool learn_neighbor6(StageContext& ctx, const Packet& p, uint32_t l3, Segment& s) {
  uint8_t type;
  IpKey who, target;
  uint64_t mac;
  if (!read_neighbor_message(p.data, p.len, l3, &type, &who, &mac, &target)) return false;
  const bool asks_us = type == kNdSolicitation && (target == s.config.parent_ll || target == s.config.parent_ip6);
  if (!(who == IpKey{}) && (asks_us || s.neighbors6->find(who)) && !ctx.dry_run) s.neighbors6->learn(ctx, who, mac);
  return true;
}

}  // namespace

void DemuxStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    if (const MemberInfo* m = segments_.member(p->in_port)) from_member(ctx, p, *m);
    else from_parent(ctx, p);
  }
}

template <typename Allowed>
uint32_t DemuxStage::to_members(StageContext& ctx, Packet* p, const Segment& s, uint32_t except, Allowed allowed) {
  uint32_t sent_to = 0;
  for (uint32_t port : s.members) {
    if (port == except || !allowed(port)) continue;
    if (Port* out = ctx.port(port)) {
      ctx.tx(out, p);
      sent_to++;
    }
  }
  return sent_to;
}

void DemuxStage::to_wire(StageContext& ctx, Packet* p, const Segment& s, DemuxCounters& c) {
  if (s.config.parent == kNoPort) return drop(p, DropReason::internal_network);
  if (s.config.vlan && !push_vlan(p, s.config.vlan)) return drop(p, DropReason::no_headroom);
  Port* parent = ctx.port(s.config.parent);
  if (!parent) return drop(p, DropReason::no_segment);
  ctx.tx(parent, p);
  c.to_wire++;
  sent(p);
}

void DemuxStage::from_parent(StageContext& ctx, Packet* p) {
  EthernetView eth(p->data);
  if (eth.outer_type() == kEtherTypeQinQ) return drop(p, DropReason::qinq);
  const uint16_t vid = eth.tagged() ? load16(p->data + EthOffsets::vlan_tci) & 0xfff : 0;
  Segment* s = segments_.of_parent(p->in_port, vid);
  if (!s) return drop(p, segments_.is_parent(p->in_port) ? DropReason::not_ours : DropReason::no_segment);
  DemuxCounters& c = ctx.dry_run ? scratch_ : s->counters;
  if (s->config.driver == DemuxDriver::ipvlan_l3) return l3_from_parent(ctx, p, *s, c);
  DemuxTrace t{s->id, vid, DemuxDecision::not_ours, kNoPort};
  const uint64_t dst = eth.dst(), src = eth.src();
  uint32_t out = kNoPort;
  bool flood = false;
  uint32_t except = kNoPort;
  if (mac_is_group(dst)) {
    // What a member sent that the wire brought back: only VEPA members' reach the others.
    if (is_macvlan(*s)) {
      auto it = s->by_mac.find(src);
      if (it != s->by_mac.end()) {
        if (s->config.mode != DemuxMode::vepa) goto not_ours;
        except = it->second;
      }
    } else if (src == s->config.parent_mac) {
      goto not_ours;
    }
    flood = true;
  } else if (s->config.mode == DemuxMode::passthru) {
    if (!s->members.empty()) out = s->members.front();
  } else {
    out = member_for(*s, *p, dst);
  }
  if (!flood && out == kNoPort) goto not_ours;
  if (vid) pop_vlan(p);
  if (flood) {
    t.decision = DemuxDecision::flood;
    t.out = to_members(ctx, p, *s, except, [](uint32_t) { return true; });
    if (!t.out) goto not_ours;
    c.from_wire_flood++;
    sent(p);
  } else if (Port* port = ctx.port(out)) {
    t.decision = DemuxDecision::to_member;
    t.out = out;
    ctx.tx(port, p);
    c.from_wire++;
    sent(p);
  } else {
    goto not_ours;
  }
  if (p->trace) ctx.trace(p, t);
  return;
not_ours:
  c.not_ours++;
  t.decision = DemuxDecision::not_ours;
  drop(p, DropReason::not_ours);
  if (p->trace) ctx.trace(p, t);
}

void DemuxStage::from_member(StageContext& ctx, Packet* p, const MemberInfo& m) {
  Segment* s = segments_.get(m.segment);
  if (!s) return drop(p, DropReason::no_segment);
  DemuxCounters& c = ctx.dry_run ? scratch_ : s->counters;
  if (s->config.driver == DemuxDriver::ipvlan_l3) return l3_from_member(ctx, p, m, *s, c);
  DemuxTrace t{s->id, s->config.vlan, DemuxDecision::to_wire, s->config.parent};
  EthernetView eth(p->data);
  const uint64_t dst = eth.dst();
  const DemuxMode mode = s->config.mode;
  // Whether this member's frames may go straight to `port`, another member.
  auto switched = [&](uint32_t port) {
    if (mode == DemuxMode::bridge || m.host_access) return true;
    const MemberInfo* other = segments_.member(port);
    return other && other->host_access;
  };

  if (mac_is_group(dst)) {
    // The members first, untagged; the wire gets the frame (or, tagged, its copy) after.
    const uint32_t local = to_members(ctx, p, *s, p->in_port, switched);
    Packet* wire = s->config.parent == kNoPort ? nullptr : p;  // an internal network has no wire
    if (wire && local && s->config.vlan) {
      wire = ctx.new_packet();
      if (wire) {
        std::memcpy(wire->data, p->data, p->len);
        wire->len = p->len;
        wire->vnet = p->vnet;
        wire->in_port = p->in_port;
      }
    }
    if (local) c.between_members++;
    t.decision = DemuxDecision::flood;
    t.out = local;
    if (wire) to_wire(ctx, wire, *s, c);
    if (wire != p) {
      if (local) sent(p);
      else drop(p, DropReason::internal_network);
    }
    if (p->trace) ctx.trace(p, t);
    return;
  }

  const uint32_t target = member_for(*s, *p, dst);
  if (target != kNoPort && target != p->in_port) {
    if (switched(target)) {
      if (Port* out = ctx.port(target)) {
        ctx.tx(out, p);
        c.between_members++;
        t.decision = DemuxDecision::between;
        t.out = target;
        sent(p);
        if (p->trace) ctx.trace(p, t);
        return;
      }
    } else if (!is_macvlan(*s) && mode == DemuxMode::private_) {
      c.blocked++;
      t.decision = DemuxDecision::dropped;
      drop(p, DropReason::member_blocked);
      if (p->trace) ctx.trace(p, t);
      return;
    }
    // macvlan private and vepa, ipvlan vepa: out to the wire, as the kernel sends them.
  }
  to_wire(ctx, p, *s, c);
  if (p->trace) ctx.trace(p, t);
}

void DemuxStage::l3_from_parent(StageContext& ctx, Packet* p, Segment& s, DemuxCounters& c) {
  EthernetView eth(p->data);
  const uint32_t l3 = eth.header_len();
  const uint16_t type = eth.payload_type();
  DemuxTrace t{s.id, s.config.vlan, DemuxDecision::not_ours, kNoPort};
  uint32_t out = kNoPort;
  // As the uplink learns: from a request aimed at the host's address, or any
  // answer of a neighbour we know or ask for. The host answers for its
  // addresses itself: these frames are the host's too.
  if (type == kEtherTypeARP && p->len >= l3 + kArpLen) {
    const uint8_t* a = p->data + l3;
    const uint32_t spa = load32(a + 14), tpa = load32(a + 24);
    if (spa && spa != s.config.parent_ip && (tpa == s.config.parent_ip || s.neighbors->find(spa)) && !ctx.dry_run)
      s.neighbors->learn(ctx, spa, load_mac(a + 8));
  } else if (type == kEtherTypeIPv6 && learn_neighbor6(ctx, *p, l3, s)) {
    // a neighbour solicitation or advertisement: learnt from, and the host's
  } else if (eth.dst() == s.config.parent_mac && (type == kEtherTypeIPv4 || type == kEtherTypeIPv6)) {
    IpKey ip;
    if (dest_ip(*p, &ip))
      if (auto it = s.by_ip.find(ip); it != s.by_ip.end()) out = it->second;
  }
  Port* port = out == kNoPort ? nullptr : ctx.port(out);
  if (!port) {
    c.not_ours++;
    drop(p, DropReason::not_ours);
  } else {
    if (eth.tagged()) pop_vlan(p);
    ctx.tx(port, p);
    c.from_wire++;
    t.decision = DemuxDecision::to_member;
    t.out = out;
    sent(p);
  }
  if (p->trace) ctx.trace(p, t);
}

void DemuxStage::l3_from_member(StageContext& ctx, Packet* p, const MemberInfo& m, Segment& s, DemuxCounters& c) {
  EthernetView eth(p->data);
  DemuxTrace t{s.id, s.config.vlan, DemuxDecision::dropped, kNoPort};
  const uint16_t type = eth.payload_type();
  IpKey ip;
  auto done = [&](DropReason r) {
    drop(p, r);
    if (p->trace) ctx.trace(p, t);
  };
  if ((type != kEtherTypeIPv4 && type != kEtherTypeIPv6) || !dest_ip(*p, &ip)) return done(DropReason::l3_not_ip);
  const bool v4 = type == kEtherTypeIPv4;
  const uint32_t dst4 = uint32_t(ip.lo);
  if (mac_is_group(eth.dst()) || (v4 ? (dst4 >> 28) == 0xe || dst4 == 0xffffffffu : ip.is_multicast_v6())) return done(DropReason::l3_multicast);
  const DemuxMode mode = s.config.mode;
  if (auto it = s.by_ip.find(ip); it != s.by_ip.end() && it->second != p->in_port && mode != DemuxMode::vepa) {
    if (mode == DemuxMode::private_ && !m.host_access) {
      c.blocked++;
      return done(DropReason::member_blocked);
    }
    if (Port* out = ctx.port(it->second)) {
      ctx.tx(out, p);
      c.between_members++;
      t.decision = DemuxDecision::between;
      t.out = it->second;
      sent(p);
    }
    if (p->trace) ctx.trace(p, t);
    return;
  }
  // The next hop, as the host would route it on the parent: on-link, else its gateway there.
  const SegmentConfig& k = s.config;
  IpKey hop6;
  uint32_t hop4 = 0;
  if (v4) hop4 = (dst4 & k.parent_mask) == (k.parent_ip & k.parent_mask) ? dst4 : k.gateway;
  else hop6 = !(k.parent_ip6 == IpKey{}) && ip.same_prefix(k.parent_ip6, k.prefix6) ? ip : k.gateway6;
  if ((v4 && !hop4) || (!v4 && (hop6 == IpKey{} || k.parent_ll == IpKey{}))) return done(DropReason::l3_no_route);
  if (k.vlan && !push_vlan(p, k.vlan)) return done(DropReason::no_headroom);
  store_mac(p->data + EthOffsets::src, k.parent_mac);
  t.out = v4 ? hop4 : 0;
  switch (v4 ? s.neighbors->send(ctx, p, hop4) : s.neighbors6->send(ctx, p, hop6)) {
    case NeighborSent::known: c.routed++; t.decision = DemuxDecision::routed; break;
    case NeighborSent::held:
    case NeighborSent::asked: if (!ctx.dry_run) c.held++; t.decision = DemuxDecision::held; break;
    case NeighborSent::hold_full: drop(p, DropReason::hold_full); break;
    case NeighborSent::no_port: drop(p, DropReason::no_segment); break;
  }
  if (p->trace) ctx.trace(p, t);
}

bool DemuxStage::needs_tick() const {
  for (const auto& s : segments_.all())
    if (s && s->neighbors && (s->neighbors->pending() || s->neighbors6->pending())) return true;
  return false;
}

void DemuxStage::tick(StageContext& ctx) {
  for (const auto& s : segments_.all())
    if (s && s->neighbors) {
      s->neighbors->tick(ctx, uint16_t(DropReason::neighbor_unresolved));
      s->neighbors6->tick(ctx, uint16_t(DropReason::neighbor_unresolved));
    }
}

void DemuxStage::for_each_counter(const CounterVisitor& visit) const {
  DemuxCounters c;
  for (const auto& s : segments_.all()) {
    if (!s) continue;
#define FERRY_X(name, help) c.name += s->counters.name;
    FERRY_DEMUX_OUTCOMES(FERRY_X)
#undef FERRY_X
  }
  FERRY_DEMUX_OUTCOMES(FERRY_COUNTER_VISIT)
}

std::string DemuxStage::format_trace(const uint8_t* record, uint32_t len) const {
  DemuxTrace t;
  std::memcpy(&t, record, sizeof t);
  char s[160];
  int k = std::snprintf(s, sizeof s, "segment %u", t.segment);
  if (t.vlan) k += std::snprintf(s + k, sizeof s - size_t(k), " (VLAN %u)", t.vlan);
  switch (t.decision) {
    case DemuxDecision::to_member: std::snprintf(s + k, sizeof s - size_t(k), ": from the wire to member port %u", t.out); break;
    case DemuxDecision::flood: std::snprintf(s + k, sizeof s - size_t(k), ": flooded to %u member(s)", t.out); break;
    case DemuxDecision::to_wire: std::snprintf(s + k, sizeof s - size_t(k), ": out to the wire on port %u", t.out); break;
    case DemuxDecision::between: std::snprintf(s + k, sizeof s - size_t(k), ": to member port %u, inside Ferry", t.out); break;
    case DemuxDecision::not_ours: std::snprintf(s + k, sizeof s - size_t(k), ": for no member (the host's, or another host's)"); break;
    case DemuxDecision::dropped: std::snprintf(s + k, sizeof s - size_t(k), ": dropped"); break;
    case DemuxDecision::routed: std::snprintf(s + k, sizeof s - size_t(k), ": routed to next hop %s", ipv4_text(t.out).c_str()); break;
    case DemuxDecision::held: std::snprintf(s + k, sizeof s - size_t(k), ": held while next hop %s is asked for", ipv4_text(t.out).c_str()); break;
  }
  return s;
}

}  // namespace ferry
