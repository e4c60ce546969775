#include "l3/ip4_forward_stage.h"

#include <cstdio>
#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "l3/fragment.h"
#include "nat/rewrite.h"

namespace ferry {

namespace {

enum class ForwardDecision : uint8_t { to_container, to_uplink, no_route, ttl, mtu, no_port };

struct ForwardTrace {
  uint32_t dst;
  uint32_t via;     // uplink: the next hop; container: its domain
  uint32_t mtu;
  uint64_t mac;     // container: its MAC
  ForwardDecision decision;
  uint8_t icmp;     // an ICMP error was sent (1), rate limited (2)
};

}  // namespace

bool Ip4ForwardStage::find_route(uint32_t dst, Hop* hop) const {
  if (container_hop(routes_, domains_, dst, &hop->container)) {
    hop->mtu = hop->container.network->mtu;
    return true;
  }  // else: the world's, if any (a container's address whose network is gone is inside a subnet: no route)
  if (!routes_.has_uplink() || routes_.in_networks(dst) || routes_.is_host(dst)) return false;
  const UplinkConfig& up = routes_.uplink();
  const bool on_link = (dst & up.mask) == (up.ip & up.mask);
  hop->to_uplink = true;
  hop->next_hop = on_link ? dst : up.gateway;
  hop->mtu = up.mtu;
  return hop->next_hop != 0;
}

void Ip4ForwardStage::icmp_error(StageContext& ctx, Packet* p, const Ipv4Packet& ip, uint8_t type, uint8_t code,
                                 uint16_t mtu, Ip4ForwardCounters& c) {
  const L3Meta& m = p->meta_as<L3Meta>();
  const bool from_uplink = m.from == L3Meta::kFromUplink;
  const NetworkL3* net = from_uplink ? nullptr : routes_.network(m.from);
  const uint32_t own_ip = from_uplink ? routes_.uplink().ip : net ? net->gateway : 0;
  const uint64_t own_mac = from_uplink ? routes_.uplink().mac : net ? net->router_mac : 0;
  switch (icmp_.send(ctx, p, ip, type, code, mtu, own_ip, own_mac)) {
    case IcmpErrors::Result::sent: c.icmp_errors_sent++; break;
    case IcmpErrors::Result::rate_limited: c.icmp_rate_limited++; break;
    case IcmpErrors::Result::not_sent: break;
  }
}

// A datagram cut at the network's MTU, each fragment delivered as a frame of
// its own; the datagram itself is let go (sent, not transmitted).
bool Ip4ForwardStage::output_fragments(StageContext& ctx, Packet* p, const Hop& hop, bool* too_big) {
  if (ctx.dry_run) return output_to_container(ctx, hop.container, p, too_big);  // traced whole
  bool any = false;
  for (uint32_t k = 0;; k++) {
    Packet* q = ctx.new_packet();
    if (!q) return any;  // the pool is empty: what was cut is sent, the rest lost
    if (!write_ipv4_fragment(*p, hop.mtu, k, q)) break;
    any |= output_to_container(ctx, hop.container, q, too_big);
  }
  return any;
}

void Ip4ForwardStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  Ip4ForwardCounters& c = ctx.dry_run ? scratch : counters;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    L3Meta& m = p->meta_as<L3Meta>();
    ForwardTrace t{m.out.dst, 0, 0, 0, ForwardDecision::no_route, 0};
    Ipv4Packet ip;
    ip.parse(p->data + kEthHdrLen, p->len - kEthHdrLen);
    Hop hop;
    if (!find_route(m.out.dst, &hop)) {
      drop(p, DropReason::no_route);
      ctx.trace(p, t);
      continue;
    }
    t.mtu = hop.mtu;
    if (ip.ttl() <= 1) {
      if (!m.icmp_error) {  // never an error about an error
        const uint64_t before = c.icmp_errors_sent;
        icmp_error(ctx, p, ip, kIcmpTimeExceeded, 0, 0, c);
        t.icmp = c.icmp_errors_sent > before ? 1 : 2;
      }
      drop(p, DropReason::ttl_exceeded);
      t.decision = ForwardDecision::ttl;
      ctx.trace(p, t);
      continue;
    }
    if (m.icmp_error) {
      Ipv4Packet quoted;
      quoted.parse(ip.l4 + 8, ip.l4_len - 8);
      rewrite_icmp_error(ip, quoted, m.key, m.out.src, m.out.dst);
    } else {
      // Per segment for a GSO frame: what will be on the wire after segmentation.
      const uint32_t l3_len = vnet_is_gso(p->vnet) ? p->vnet.hdr_len - kEthHdrLen + p->vnet.gso_size : ip.total_len();
      if (l3_len > hop.mtu && (ip.dont_fragment() || vnet_is_gso(p->vnet))) {
        const uint64_t before = c.icmp_errors_sent;
        icmp_error(ctx, p, ip, kIcmpUnreachable, kIcmpFragNeeded, uint16_t(hop.mtu), c);
        t.icmp = c.icmp_errors_sent > before ? 1 : 2;
        drop(p, DropReason::mtu_exceeded);
        t.decision = ForwardDecision::mtu;
        ctx.trace(p, t);
        continue;
      }
      rewrite_flow(p, ip, m.key, m.out);
    }
    decrement_ttl(ip);
    const bool cut = ip.total_len() > hop.mtu && !vnet_is_gso(p->vnet);  // without DF: checked above
    if (cut) c.fragmented++;
    if (hop.to_uplink) {
      store_mac(p->data + EthOffsets::src, routes_.uplink().mac);
      m.fragment_at = cut ? uint16_t(hop.mtu) : 0;
      m.next_hop = hop.next_hop;
      p->next = next_of(Next::neighbor);
      c.to_uplink++;
      t.decision = ForwardDecision::to_uplink;
      t.via = hop.next_hop;
    } else {
      address_from_gateway(p, hop.container);
      t.via = hop.container.domain->id;
      t.mac = hop.container.mac;
      bool too_big = false;
      if (cut ? output_fragments(ctx, p, hop, &too_big) : output_to_container(ctx, hop.container, p, &too_big)) {
        sent(p);
        c.to_container++;
        t.decision = ForwardDecision::to_container;
      } else {
        drop(p, too_big ? DropReason::too_big : DropReason::no_tx_port);
        t.decision = ForwardDecision::no_port;
      }
    }
    ctx.trace(p, t);
  }
}

std::string Ip4ForwardStage::format_trace(const uint8_t* record, uint32_t len) const {
  ForwardTrace t;
  std::memcpy(&t, record, sizeof t);
  const std::string icmp = t.icmp == 1 ? " (ICMP error sent)" : t.icmp == 2 ? " (ICMP error rate limited)" : "";
  switch (t.decision) {
    case ForwardDecision::to_container:
      return "route " + ipv4_text(t.dst) + ": container " + format_mac(t.mac) + " in domain " + std::to_string(t.via) + ", mtu " + std::to_string(t.mtu);
    case ForwardDecision::to_uplink: return "route " + ipv4_text(t.dst) + ": uplink via " + ipv4_text(t.via) + ", mtu " + std::to_string(t.mtu);
    case ForwardDecision::no_route: return "no route to " + ipv4_text(t.dst);
    case ForwardDecision::ttl: return "TTL exceeded" + icmp;
    case ForwardDecision::mtu: return "larger than the next hop's MTU " + std::to_string(t.mtu) + icmp;
    case ForwardDecision::no_port: return "container's domain has no port to send to";
  }
  return "";
}

}  // namespace ferry
