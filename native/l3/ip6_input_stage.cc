#include "l3/ip6_input_stage.h"

#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "l3/icmp_out.h"
#include "l3/ipv6.h"
#include "nat/rewrite.h"

namespace ferry {

namespace {

enum class Ip6Decision : uint8_t { route, to_host, echo, refused };

struct Ip6InputTrace {
  IpKey src, dst;
  uint8_t proto, hop_limit;
  uint16_t payload_len;
  uint32_t from;  // domain, or L3Meta6::kFromUplink
  Ip6Decision decision;
};

bool link_local(const IpKey& a) { return (a.hi >> 54) == (0xfe80ull >> 6); }  // fe80::/10
bool link_scoped(const IpKey& a) { return a.is_multicast_v6() || link_local(a); }

// What a router refuses before routing, beyond the header walk; 0 if none.
uint16_t sanity(const Packet& p, const Ipv6Packet& ip) {
  if (ip.fragment) return uint16_t(DropReason::ip6_fragment);
  if (ip.proto == kProtoTcp) {
    const uint32_t segment = vnet_is_gso(p.vnet) ? ip.l4_len : kIpv6HdrLen + ip.payload_len() - ip.hdr_len;
    switch (tcp_header_verdict(ip.l4, segment)) {
      case 1: return uint16_t(DropReason::bad_tcp);
      case 2: return uint16_t(DropReason::bad_tcp_flags);
    }
  }
  return 0;
}

}  // namespace

void Ip6InputStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  Ip6InputCounters& c = ctx.dry_run ? scratch : counters;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    L3Meta6& m = p->meta_as<L3Meta6>();
    const bool from_uplink = ctx.port(p->in_port)->role == PortRole::uplink;
    m.from = from_uplink ? L3Meta6::kFromUplink : domains_.domain_id_of_port(p->in_port);
    m.icmp_error = false;
    m.flow = ~0u;
    Ip6InputTrace t{{}, {}, 0, 0, 0, m.from, Ip6Decision::refused};
    Ipv6Packet ip;
    const NetworkL3* net = from_uplink ? nullptr : routes_.network(m.from);
    const uint32_t avail = p->len - kEthHdrLen;
    if (from_uplink ? !routes_.has_uplink6() : !net || !net->ipv6) {
      drop(p, DropReason::not_routed);
    } else if (!ip.parse(p->data + kEthHdrLen, avail) || (!vnet_is_gso(p->vnet) && kIpv6HdrLen + ip.payload_len() > avail) ||
               (!vnet_is_gso(p->vnet) && ip.hdr_len > kIpv6HdrLen + ip.payload_len())) {
      drop(p, DropReason::bad_ip6);
    } else {
      t = {ip.src(), ip.dst(), ip.proto, ip.hop_limit(), ip.payload_len(), m.from, Ip6Decision::refused};
      const IpKey src = ip.src(), dst = ip.dst();
      if (!from_uplink && (link_scoped(dst) || dst == net->gateway6 || routes_.is_host(dst))) {
        // The link's business and the host's own addresses: its kernel answers.
        ctx.tx(ctx.port(net->host_port), p);
        sent(p);
        c.to_host++;
        t.decision = Ip6Decision::to_host;
      } else if (link_scoped(src)) {
        drop(p, DropReason::link_local_source);
      } else if (from_uplink && (routes_.in_networks(src) || routes_.endpoint(src) || routes_.is_host(src))) {
        drop(p, DropReason::martian_source);
      } else if (!from_uplink && net->internal) {
        drop(p, DropReason::no_egress);
      } else if (uint16_t why = sanity(*p, ip)) {
        drop(p, why);
      } else if (!flow_key_of(ip, &m.key, &m.icmp_error)) {
        drop(p, DropReason::bad_ip6);
      } else if (dst == routes_.uplink().ip6 && ip.proto == kIpProtoIcmpv6 && ip.l4[0] == kIcmp6EchoRequest) {
        answer_echo(ctx, p, ip, from_uplink ? routes_.uplink().mac : net->router_mac);
        sent(p);
        c.echo_replies++;
        t.decision = Ip6Decision::echo;
      } else {
        p->next = next_of(Next::nat);
        c.routed++;
        t.decision = Ip6Decision::route;
      }
    }
    ctx.trace(p, t);
  }
}

std::string Ip6InputStage::format_trace(const uint8_t* record, uint32_t len) const {
  Ip6InputTrace t;
  std::memcpy(&t, record, sizeof t);
  if (t.src == IpKey{} && t.dst == IpKey{}) return "not a whole IPv6 header";
  static const char* const what[] = {"to NAT66", "for the link or the host: to the host", "echo request to the external address: answered",
                                     "refused"};
  return ipv6_text(t.src) + " > " + ipv6_text(t.dst) + " next " + std::to_string(t.proto) + " hlim " + std::to_string(t.hop_limit) +
         " plen " + std::to_string(t.payload_len) + " from " + (t.from == L3Meta6::kFromUplink ? "the uplink" : "domain " + std::to_string(t.from)) +
         ": " + what[int(t.decision)];
}

}  // namespace ferry
