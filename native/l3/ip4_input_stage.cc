#include "l3/ip4_input_stage.h"

#include <cstdio>
#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "l3/icmp_out.h"
#include "l3/ipv4.h"
#include "nat/rewrite.h"

namespace ferry {

namespace {

enum class Ip4Decision : uint8_t { route, to_host, echo, refused };

struct Ip4InputTrace {
  uint32_t src, dst;
  uint8_t proto, ttl;
  uint16_t total_len;
  uint32_t from;  // domain, or L3Meta::kFromUplink
  Ip4Decision decision;
};

}  // namespace

void Ip4InputStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  Ip4InputCounters& c = ctx.dry_run ? scratch : counters;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    L3Meta& m = p->meta_as<L3Meta>();
    const bool from_uplink = ctx.port(p->in_port)->role == PortRole::uplink;
    m.from = from_uplink ? L3Meta::kFromUplink : domains_.domain_id_of_port(p->in_port);
    m.icmp_error = false;
    m.flow = ~0u;
    Ip4InputTrace t{0, 0, 0, 0, 0, m.from, Ip4Decision::refused};
    Ipv4Packet ip;
    const NetworkL3* net = from_uplink ? nullptr : routes_.network(m.from);
    if (!from_uplink && !net) {
      drop(p, DropReason::not_routed);
    } else if (!ip.parse(p->data + kEthHdrLen, p->len - kEthHdrLen) ||
               (!vnet_is_gso(p->vnet) && ip.total_len() > p->len - kEthHdrLen)) {
      drop(p, DropReason::bad_ip);
    } else {
      t = {ip.src(), ip.dst(), ip.proto(), ip.ttl(), ip.total_len(), m.from, Ip4Decision::refused};
      if (!from_uplink && routes_.is_host(ip.dst())) {
        // The host's own address: its kernel answers, as behind any bridge.
        ctx.tx(ctx.port(net->host_port), p);
        sent(p);
        c.to_host++;
        t.decision = Ip4Decision::to_host;
      } else if (!from_uplink && net->internal) {
        drop(p, DropReason::no_egress);
      } else if (ip.is_fragment()) {
        drop(p, DropReason::ip_fragment);
      } else if (!flow_key_of(ip, &m.key, &m.icmp_error)) {
        drop(p, DropReason::bad_ip);
      } else if (routes_.has_uplink() && m.key.dst == routes_.uplink().ip && m.key.proto == kProtoIcmp &&
                 ip.l4[0] == kIcmpEchoRequest) {
        answer_echo(ctx, p, ip, from_uplink ? routes_.uplink().mac : net->router_mac);
        sent(p);
        c.echo_replies++;
        t.decision = Ip4Decision::echo;
      } else {
        p->next = next_of(Next::nat);
        c.routed++;
        t.decision = Ip4Decision::route;
      }
    }
    ctx.trace(p, t);
  }
}

std::string Ip4InputStage::format_trace(const uint8_t* record, uint32_t len) const {
  Ip4InputTrace t;
  std::memcpy(&t, record, sizeof t);
  if (!t.src && !t.dst) return "not a whole IPv4 header";
  char s[200];
  static const char* const what[] = {"to the NAT", "for the host's own address: to the host", "echo request to the external address: answered", "refused"};
  std::snprintf(s, sizeof s, "%s > %s proto %u ttl %u len %u from %s%s: %s", ipv4_text(t.src).c_str(), ipv4_text(t.dst).c_str(),
                t.proto, t.ttl, t.total_len, t.from == L3Meta::kFromUplink ? "the uplink" : "domain ",
                t.from == L3Meta::kFromUplink ? "" : std::to_string(t.from).c_str(), what[int(t.decision)]);
  return s;
}

}  // namespace ferry
