#include "nat/nat_stage.h"

#include <cstdio>
#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "nat/rewrite.h"

namespace ferry {

namespace {

constexpr uint16_t kFirstNatPort = 1024;
constexpr uint32_t kNatPortSpan = 65536 - kFirstNatPort;
constexpr uint32_t kNatPortTries = 4096;

enum class NatDecision : uint8_t { tracked, snat, dnat, hairpin, unchanged, icmp_error, refused };

template <typename Key>
struct NatTrace {
  Key in, out;
  NatDecision decision;
  uint8_t dir;
  char state[13];
};

const char* proto_name(uint8_t p) {
  return p == kProtoTcp ? "tcp" : p == kProtoUdp ? "udp" : p == kProtoIcmp ? "icmp" : p == kIpProtoIcmpv6 ? "icmp6" : "ip";
}

template <typename F>
std::string flow_text(const typename F::Key& k) {
  const std::string src = F::text(k.src), dst = F::text(k.dst);
  if (k.proto == kProtoTcp || k.proto == kProtoUdp)
    return std::string(proto_name(k.proto)) + " " + src + ":" + std::to_string(k.sport) + " > " + dst + ":" + std::to_string(k.dport);
  if (k.proto == F::kIcmp) return std::string(proto_name(k.proto)) + " " + src + " > " + dst + " id " + std::to_string(k.sport);
  return std::string("proto ") + std::to_string(k.proto) + " " + src + " > " + dst;
}

}  // namespace

template <typename F>
bool NatStageOf<F>::publish(uint8_t proto, uint16_t port, const PublishedOf<Addr>& p) {
  if (!published_.emplace(key_of(proto, port), p).second) return false;
  targets_[target_of(p.target_ip, proto, p.target_port)]++;
  return true;
}

template <typename F>
bool NatStageOf<F>::unpublish(uint8_t proto, uint16_t port) {
  auto it = published_.find(key_of(proto, port));
  if (it == published_.end()) return false;
  auto t = targets_.find(target_of(it->second.target_ip, proto, it->second.target_port));
  if (t != targets_.end() && --t->second == 0) targets_.erase(t);
  published_.erase(it);
  return true;
}

template <typename F>
void NatStageOf<F>::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  NatCounters& c = ctx.dry_run ? scratch : counters;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    Meta& m = p->meta_as<Meta>();
    if (m.icmp_error) {
      map_icmp_error(ctx, p, c);
      continue;
    }
    NatTrace<Key> t{m.key, m.key, NatDecision::refused, 0, {0}};
    const uint32_t ref = ctx.dry_run ? ct.peek(m.key, ctx.now) : ct.lookup(m.key, ctx.now);
    uint32_t index = Table::kNil;
    if (ref != Table::kNil) {
      index = ref >> 1;
      m.dir = uint8_t(ref & 1);
      m.out = ct.entry(index).key[1 - m.dir].inverse();
      c.tracked++;
      t.decision = NatDecision::tracked;
    } else {
      m.dir = 0;
      uint8_t flags = 0;
      if (!new_flow(ctx, p, m.key, m.from, &m.out, &index, &flags, c)) {
        ctx.trace(p, t);
        continue;
      }
      t.decision = (flags & kCtSnat) && (flags & kCtDnat) ? NatDecision::hairpin
                   : flags & kCtDnat                        ? NatDecision::dnat
                   : flags & kCtSnat                        ? NatDecision::snat
                                                            : NatDecision::unchanged;
    }
    if (index != Table::kNil && !ctx.dry_run) {
      typename F::Header ip;
      F::parse(p, &ip);
      ct.on_packet(index, m.dir, m.key.proto == kProtoTcp ? ip.l4[kTcpFlagsAt] : 0, ctx.now);
    }
    m.flow = index;
    t.out = m.out;
    t.dir = m.dir;
    if (index != Table::kNil && m.key.proto == kProtoTcp)
      std::snprintf(t.state, sizeof t.state, "%s", tcp_state_name(ct.entry(index).tcp));
    ctx.trace(p, t);
    p->next = next_of(Next::forward);
  }
}

// From the world to a routed (not translated) network: a published port of
// the container, or an echo request, as Docker's routed mode lets in.
template <typename F>
bool NatStageOf<F>::from_world_allowed(Packet* p, const Key& key) const {
  if (!F::routed_from_world(routes_, key.dst) || !routes_.endpoint(key.dst)) return false;
  if (key.proto == F::kIcmp) {
    typename F::Header ip;
    F::parse(p, &ip);
    return ip.l4 && ip.l4[0] == F::kEchoRequest;
  }
  return (key.proto == kProtoTcp || key.proto == kProtoUdp) && targets_.count(target_of(key.dst, key.proto, key.dport));
}

template <typename F>
bool NatStageOf<F>::new_flow(StageContext& ctx, Packet* p, const Key& key, uint32_t from, Key* out, uint32_t* index,
                             uint8_t* flags_out, NatCounters& c) {
  const bool from_uplink = from == Meta::kFromUplink;
  const bool has_uplink = F::has_external(routes_);
  const Addr external = has_uplink ? F::external(routes_) : Addr{};
  Key target = key;
  uint8_t flags = 0;
  if (has_uplink && key.dst == external) {
    auto it = (key.proto == kProtoTcp || key.proto == kProtoUdp) ? published_.find(key_of(key.proto, key.dport)) : published_.end();
    if (it == published_.end() || (!(it->second.bind_ip == Addr{}) && !(it->second.bind_ip == key.dst))) {
      drop(p, DropReason::unpublished);
      return false;
    }
    target.dst = it->second.target_ip;
    target.dport = it->second.target_port;
    flags |= kCtDnat;
    if (!from_uplink) {  // hairpin: the answer must come back through Ferry to be un-NATed
      target.src = external;
      flags |= kCtSnat;
    }
  } else if (from_uplink) {
    if (!from_world_allowed(p, key)) {
      drop(p, F::routed_from_world(routes_, key.dst) ? DropReason::unpublished : DropReason::unsolicited);
      return false;
    }
  } else {
    if (routes_.endpoint(key.dst) || routes_.in_networks(key.dst)) {
      drop(p, DropReason::isolated);
      return false;
    }
    if (!has_uplink) {
      drop(p, DropReason::no_route);
      return false;
    }
    const NetworkL3* net = routes_.network(from);
    if (net && F::masquerade(*net)) {
      target.src = external;
      flags |= kCtSnat;
    }
  }
  Key reply = target.inverse();
  if (flags & kCtSnat) {
    if (!pick_port(ctx, &reply, key.sport)) {
      drop(p, DropReason::nat_ports_exhausted);
      return false;
    }
  } else if (flow_exists(ctx, reply)) {
    drop(p, DropReason::nat_ports_exhausted);  // its answers would be taken for another flow's
    return false;
  }
  if (ctx.dry_run) {
    *index = Table::kNil;
  } else {
    *index = ct.create(key, reply, flags, ctx.now);
    if (*index == Table::kNil) {
      drop(p, DropReason::conntrack_full);
      return false;
    }
  }
  if ((flags & kCtSnat) && (flags & kCtDnat)) c.hairpin++;
  else if (flags & kCtDnat) c.dnat++;
  else if (flags & kCtSnat) c.snat++;
  else c.unchanged++;
  *out = reply.inverse();
  *flags_out = flags;
  return true;
}

// Chooses the external port (or ICMP identifier) of a flow given the external
// address: its reply key must be new, and a published port is never used.
// The sender's own port is kept when it is free, as Linux does.
template <typename F>
bool NatStageOf<F>::pick_port(StageContext& ctx, Key* reply, uint16_t preferred) {
  const bool icmp = reply->proto == F::kIcmp;
  uint16_t* slot = icmp ? &reply->sport : &reply->dport;
  auto usable = [&](uint16_t port) {
    *slot = port;
    if (!icmp && published_.count(key_of(reply->proto, port))) return false;
    return !flow_exists(ctx, *reply);
  };
  if ((icmp || preferred >= kFirstNatPort) && usable(preferred)) return true;
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  const uint32_t start = uint32_t(rng_ % kNatPortSpan);
  for (uint32_t i = 0; i < kNatPortTries; i++)
    if (usable(uint16_t(kFirstNatPort + (start + i) % kNatPortSpan))) return true;
  return false;
}

// The error goes to whoever sent the quoted packet, in that sender's terms;
// a router on the path keeps its own address as the source.
template <typename F>
void NatStageOf<F>::map_icmp_error(StageContext& ctx, Packet* p, NatCounters& c) {
  Meta& m = p->meta_as<Meta>();
  NatTrace<Key> t{m.key, m.key, NatDecision::refused, 0, {0}};
  typename F::Header ip, quoted;
  Key inner;
  bool nested;
  F::parse(p, &ip);
  if (ip.l4_len < 8 || !quoted.parse(ip.l4 + 8, ip.l4_len - 8) || !flow_key_of(quoted, &inner, &nested) || nested) {
    drop(p, DropReason::icmp_error_no_flow);
    ctx.trace(p, t);
    return;
  }
  const uint32_t ref = ctx.dry_run ? ct.peek(inner.inverse(), ctx.now) : ct.lookup(inner.inverse(), ctx.now);
  if (ref == Table::kNil) {
    drop(p, DropReason::icmp_error_no_flow);
    ctx.trace(p, t);
    return;
  }
  const typename Table::Entry& e = ct.entry(ref >> 1);
  const Key& was = e.key[ref & 1];
  const Key& into = e.key[1 - (ref & 1)];
  // Only a flow's own endpoint inside may send errors about it from a
  // container (a router outside on the path may, with its own address):
  // else a container could forge errors about another's flow and have its
  // own internal address sent out of the uplink.
  if (m.from != Meta::kFromUplink && !(ip.src() == was.src)) {
    drop(p, DropReason::icmp_error_forged);
    ctx.trace(p, t);
    return;
  }
  m.key = into;
  m.out = Key{};
  m.out.src = ip.src() == was.src ? into.dst : ip.src();
  m.out.dst = into.src;
  m.out.proto = F::kIcmp;
  m.flow = ref >> 1;
  c.icmp_errors_mapped++;
  t.in = inner;
  t.out = into;
  t.decision = NatDecision::icmp_error;
  ctx.trace(p, t);
  p->next = next_of(Next::forward);
}

template <typename F>
std::string NatStageOf<F>::format_trace(const uint8_t* record, uint32_t len) const {
  NatTrace<Key> t;
  std::memcpy(&t, record, sizeof t);
  switch (t.decision) {
    case NatDecision::refused: return "refused: " + flow_text<F>(t.in);
    case NatDecision::icmp_error: return "ICMP error about " + flow_text<F>(t.in) + ": sent on as about " + flow_text<F>(t.out);
    default: break;
  }
  static const char* const what[] = {"tracked flow", "new flow, SNAT", "new flow, DNAT (published port)", "new flow, hairpin (DNAT and SNAT)", "new flow, not translated"};
  std::string s = std::string(what[int(t.decision)]) + (t.decision == NatDecision::tracked ? (t.dir ? " (reply)" : " (original)") : "") + ": " + flow_text<F>(t.in);
  if (!(t.in == t.out)) s += " -> " + flow_text<F>(t.out);
  if (t.state[0]) s += std::string(", ") + t.state;
  return s;
}

template class NatStageOf<Ip4Family>;
template class NatStageOf<Ip6Family>;

}  // namespace ferry
