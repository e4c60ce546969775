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

// IPv4 options: a source route (LSRR 131, SSRR 137) is refused, as Linux
// does with accept_source_route=0; an option list that runs past the header
// is malformed.
uint16_t options_verdict(const Ipv4Packet& ip) {
  for (uint32_t i = kIpv4MinHdr; i < ip.hdr_len;) {
    const uint8_t type = ip.ip[i];
    if (type == 0) break;  // end of options
    if (type == 1) {       // no-op
      i++;
      continue;
    }
    if (i + 1 >= ip.hdr_len || ip.ip[i + 1] < 2 || i + ip.ip[i + 1] > ip.hdr_len) return uint16_t(DropReason::bad_ip);
    if (type == 131 || type == 137) return uint16_t(DropReason::source_routed);
    i += ip.ip[i + 1];
  }
  return 0;
}

// What a router refuses before routing; 0 when the packet may go on (runt,
// reason 0, is never one of these).
uint16_t sanity(const Packet& p, const Ipv4Packet& ip) {
  const bool gso = vnet_is_gso(p.vnet);
  if (ip.total_len() < ip.hdr_len) return uint16_t(DropReason::bad_ip);
  // GSO frames too: the kernel that made one computed its header's checksum
  // over the whole frame, and ip_rcv() checks it before it would segment it.
  if (csum_fold(csum_partial(ip.ip, ip.hdr_len)) != 0xffff) return uint16_t(DropReason::bad_ip_checksum);
  if (ip.hdr_len > kIpv4MinHdr)
    if (uint16_t r = options_verdict(ip)) return r;
  if (ip.proto() == kProtoTcp && !(ip.frag() & kIpFragOffsetMask)) {
    const uint32_t segment = gso ? ip.l4_len : ip.total_len() - ip.hdr_len;
    switch (tcp_header_verdict(ip.l4, segment)) {
      case 1: return uint16_t(DropReason::bad_tcp);
      case 2: return uint16_t(DropReason::bad_tcp_flags);
    }
  }
  return 0;
}

bool martian(const Routes& routes, uint32_t src) { return routes.in_networks(src) || routes.endpoint(src) || routes.is_host(src); }

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
    m.fragment_at = 0;
    Ip4InputTrace t{0, 0, 0, 0, 0, m.from, Ip4Decision::refused};
    Ipv4Packet ip;
    const NetworkL3* net = from_uplink ? nullptr : routes_.network(m.from);
    if (!from_uplink && !net) {
      drop(p, DropReason::not_routed);
    } else if (!ip.parse(p->data + kEthHdrLen, p->len - kEthHdrLen) ||
               (!vnet_is_gso(p->vnet) && ip.total_len() > p->len - kEthHdrLen)) {
      drop(p, DropReason::bad_ip);
    } else if (uint16_t why = sanity(*p, ip)) {
      t = {ip.src(), ip.dst(), ip.proto(), ip.ttl(), ip.total_len(), m.from, Ip4Decision::refused};
      drop(p, why);
    } else if (from_uplink && martian(routes_, ip.src())) {
      t = {ip.src(), ip.dst(), ip.proto(), ip.ttl(), ip.total_len(), m.from, Ip4Decision::refused};
      drop(p, DropReason::martian_source);
    } else {
      t = {ip.src(), ip.dst(), ip.proto(), ip.ttl(), ip.total_len(), m.from, Ip4Decision::refused};
      if (!from_uplink && (ip.dst() >> 24) == 127) {
        p->next = next_of(Next::resolver);  // the embedded resolver's address, or another loopback one (refused there)
        c.routed++;
        t.decision = Ip4Decision::route;
      } else if (!from_uplink && routes_.is_host(ip.dst())) {
        // The host's own address: its kernel answers, as behind any bridge.
        ctx.tx(ctx.port(net->host_port), p);
        sent(p);
        c.to_host++;
        t.decision = Ip4Decision::to_host;
      } else if (!from_uplink && net->internal) {
        drop(p, DropReason::no_egress);
      } else if (ip.is_fragment()) {
        p->next = next_of(Next::reassemble);
        c.routed++;
        t.decision = Ip4Decision::route;
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
