#include "resolver/resolver_stages.h"

#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "l3/ipv4.h"
#include "nat/rewrite.h"

namespace ferry {

namespace {

struct ResolverTrace {
  FlowKey before, after;
  bool rewritten;
};

std::string endpoint(uint32_t ip, uint16_t port) { return ipv4_text(ip) + ":" + std::to_string(port); }

std::string format(const uint8_t* record, const char* what) {
  ResolverTrace t;
  std::memcpy(&t, record, sizeof t);
  if (!t.rewritten) return "not the resolver's";
  return std::string(what) + ": " + endpoint(t.before.src, t.before.sport) + " > " + endpoint(t.before.dst, t.before.dport) + " -> " +
         endpoint(t.after.src, t.after.sport) + " > " + endpoint(t.after.dst, t.after.dport);
}

// The flow key of a UDP or TCP packet whose IPv4 header is whole (ip4-input
// or parse checked the frame); false for anything else.
bool udp_or_tcp(Packet* p, Ipv4Packet* ip, FlowKey* key) {
  bool icmp_error;
  if (!ip->parse(p->data + kEthHdrLen, p->len - kEthHdrLen) || ip->is_fragment()) return false;
  if (ip->proto() != kProtoUdp && ip->proto() != kProtoTcp) return false;
  return flow_key_of(*ip, key, &icmp_error);
}

}  // namespace

void ResolverQueryStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  ResolverQueryCounters& c = ctx.dry_run ? scratch : counters;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    ResolverTrace t{};
    Ipv4Packet ip;
    const L3Meta& m = p->meta_as<L3Meta>();
    const NetworkL3* net = m.from == L3Meta::kFromUplink ? nullptr : routes_.network(m.from);
    if (!udp_or_tcp(p, &ip, &t.before) || t.before.dport != kResolverPort || !net) {
      drop(p, DropReason::not_resolver);
    } else if (!net->resolver_port) {
      drop(p, DropReason::no_resolver);
    } else {
      t.after = t.before;
      t.after.dst = net->gateway;
      t.after.dport = net->resolver_port;
      rewrite_flow(p, ip, t.before, t.after);
      t.rewritten = true;
      ctx.tx(ctx.port(net->host_port), p);
      sent(p);
      c.queries++;
    }
    if (p->trace) ctx.trace(p, t);
  }
}

void ResolverReplyStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  ResolverReplyCounters& c = ctx.dry_run ? scratch : counters;
  const NodeId next = next_of(Next::forward);
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    p->next = next;
    ResolverTrace t{};
    const NetworkL3* net = routes_.network(domains_.domain_id_of_port(p->in_port));
    Ipv4Packet ip;
    if (net && net->resolver_port && EthernetView(p->data).outer_type() == kEtherTypeIPv4 && udp_or_tcp(p, &ip, &t.before) &&
        t.before.src == net->gateway && t.before.sport == net->resolver_port) {
      t.after = t.before;
      t.after.src = kResolverAddress;
      t.after.sport = kResolverPort;
      rewrite_flow(p, ip, t.before, t.after);
      t.rewritten = true;
      c.answers++;
    } else {
      c.passed++;
    }
    if (p->trace) ctx.trace(p, t);
  }
}

std::string ResolverQueryStage::format_trace(const uint8_t* record, uint32_t len) const { return format(record, "to the daemon's resolver"); }
std::string ResolverReplyStage::format_trace(const uint8_t* record, uint32_t len) const { return format(record, "the resolver's answer"); }

}  // namespace ferry
