#include "l3/ip6_forward_stage.h"

#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "nat/rewrite.h"

namespace ferry {

namespace {

enum class Forward6Decision : uint8_t { to_container, to_uplink, no_route, hop_limit, too_big, no_port };

struct Forward6Trace {
  IpKey dst;
  IpKey via;        // uplink: the next hop
  uint32_t domain;  // container: its domain
  uint32_t mtu;
  uint64_t mac;
  Forward6Decision decision;
  uint8_t icmp;     // an ICMPv6 error was sent (1), rate limited (2)
};

}  // namespace

bool Ip6ForwardStage::find_route(const IpKey& dst, Hop* hop) const {
  if (container_hop(routes_, domains_, dst, &hop->container)) {
    hop->mtu = hop->container.network->mtu;
    return true;
  }  // else: the world's, if any (a container's address whose network is gone is inside a subnet: no route)
  if (!routes_.has_uplink6() || routes_.in_networks(dst) || routes_.is_host(dst)) return false;
  const UplinkConfig& up = routes_.uplink();
  hop->to_uplink = true;
  hop->next_hop = dst.same_prefix(up.ip6, up.prefix6_len) ? dst : up.gateway6;
  hop->mtu = up.mtu;
  return !(hop->next_hop == IpKey{});
}

uint8_t Ip6ForwardStage::icmp_error(StageContext& ctx, Packet* p, uint8_t type, uint8_t code, uint32_t param, Ip6ForwardCounters& c) {
  const L3Meta6& m = p->meta_as<L3Meta6>();
  if (m.icmp_error) return 0;  // never an error about an error
  const bool from_uplink = m.from == L3Meta6::kFromUplink;
  const NetworkL3* net = from_uplink ? nullptr : routes_.network(m.from);
  if (!from_uplink && !net) return 0;
  const IpKey own = from_uplink ? routes_.uplink().ip6 : net->gateway6;
  const uint64_t own_mac = from_uplink ? routes_.uplink().mac : net->router_mac;
  switch (icmp_.send6(ctx, p, kEthHdrLen, type, code, param, own, own_mac)) {
    case IcmpErrors::Result::sent: c.icmp_errors_sent++; return 1;
    case IcmpErrors::Result::rate_limited: c.icmp_rate_limited++; return 2;
    case IcmpErrors::Result::not_sent: return 0;
  }
  return 0;
}

void Ip6ForwardStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  Ip6ForwardCounters& c = ctx.dry_run ? scratch : counters;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    L3Meta6& m = p->meta_as<L3Meta6>();
    Forward6Trace t{m.out.dst, {}, 0, 0, 0, Forward6Decision::no_route, 0};
    Ipv6Packet ip;
    ip.parse(p->data + kEthHdrLen, p->len - kEthHdrLen);
    Hop hop;
    if (!find_route(m.out.dst, &hop)) {
      drop(p, DropReason::no_route);
      ctx.trace(p, t);
      continue;
    }
    t.mtu = hop.mtu;
    if (ip.hop_limit() <= 1) {
      t.icmp = icmp_error(ctx, p, kIcmp6TimeExceeded, 0, 0, c);
      drop(p, DropReason::hop_limit_exceeded);
      t.decision = Forward6Decision::hop_limit;
      ctx.trace(p, t);
      continue;
    }
    // Per segment for a GSO frame: what will be on the wire after segmentation.
    const uint32_t l3_len = vnet_is_gso(p->vnet) ? p->vnet.hdr_len - kEthHdrLen + p->vnet.gso_size : kIpv6HdrLen + ip.payload_len();
    if (l3_len > hop.mtu) {
      t.icmp = icmp_error(ctx, p, kIcmp6TooBig, 0, hop.mtu, c);
      drop(p, DropReason::too_big6);
      t.decision = Forward6Decision::too_big;
      ctx.trace(p, t);
      continue;
    }
    if (m.icmp_error) {
      Ipv6Packet quoted;
      quoted.parse(ip.l4 + 8, ip.l4_len - 8);
      rewrite_icmp_error(ip, quoted, m.key, m.out.src, m.out.dst);
    } else {
      rewrite_flow(p, ip, m.key, m.out);
    }
    decrement_hop_limit(ip);
    if (hop.to_uplink) {
      store_mac(p->data + EthOffsets::src, routes_.uplink().mac);
      m.next_hop = hop.next_hop;
      p->next = next_of(Next::neighbor);
      c.to_uplink++;
      t.decision = Forward6Decision::to_uplink;
      t.via = hop.next_hop;
    } else {
      address_from_gateway(p, hop.container);
      t.domain = hop.container.domain->id;
      t.mac = hop.container.mac;
      bool too_big = false;
      if (output_to_container(ctx, hop.container, p, &too_big)) {
        sent(p);
        c.to_container++;
        t.decision = Forward6Decision::to_container;
      } else {
        drop(p, too_big ? DropReason::too_big : DropReason::no_tx_port);
        t.decision = Forward6Decision::no_port;
      }
    }
    ctx.trace(p, t);
  }
}

std::string Ip6ForwardStage::format_trace(const uint8_t* record, uint32_t len) const {
  Forward6Trace t;
  std::memcpy(&t, record, sizeof t);
  const std::string icmp = t.icmp == 1 ? " (ICMPv6 error sent)" : t.icmp == 2 ? " (ICMPv6 error rate limited)" : "";
  switch (t.decision) {
    case Forward6Decision::to_container:
      return "route " + ipv6_text(t.dst) + ": container " + format_mac(t.mac) + " in domain " + std::to_string(t.domain) + ", mtu " + std::to_string(t.mtu);
    case Forward6Decision::to_uplink: return "route " + ipv6_text(t.dst) + ": uplink via " + ipv6_text(t.via) + ", mtu " + std::to_string(t.mtu);
    case Forward6Decision::no_route: return "no route to " + ipv6_text(t.dst);
    case Forward6Decision::hop_limit: return "hop limit exceeded" + icmp;
    case Forward6Decision::too_big: return "larger than the next hop's MTU " + std::to_string(t.mtu) + icmp;
    case Forward6Decision::no_port: return "container's domain has no port to send to";
  }
  return "";
}

}  // namespace ferry
