#include "l3/uplink_stage.h"

#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "l3/ipv4.h"
#include "l3/ipv6.h"

namespace ferry {

namespace {

enum class UplinkDecision : uint8_t { ipv4, arp_answered, arp_learned, arp_absorbed, not_for_us, ipv6, nd_answered, nd_learned, nd_absorbed };

struct UplinkTrace {
  uint32_t spa, tpa;
  uint64_t sha;
  UplinkDecision decision;
  IpKey who, target;  // neighbour discovery
};

}  // namespace

void UplinkStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  UplinkCounters& c = ctx.dry_run ? scratch : counters;
  const bool has_uplink = routes_.has_uplink();
  const uint64_t our_mac = routes_.uplink().mac;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    EthernetView eth(p->data);
    if (!has_uplink) {
      drop(p, DropReason::not_for_us);  // an uplink port whose router configuration is gone
    } else if (eth.outer_type() == kEtherTypeARP) {
      arp(ctx, p, c);
      continue;
    } else if (eth.dst() == our_mac && eth.outer_type() == kEtherTypeIPv4) {
      p->next = next_of(Next::ip4);
      c.ipv4_in++;
      ctx.trace(p, UplinkTrace{0, 0, 0, UplinkDecision::ipv4, {}, {}});
      continue;
    } else if (eth.outer_type() == kEtherTypeIPv6 && routes_.has_uplink6()) {
      if (ndisc(ctx, p, c)) continue;
      if (eth.dst() == our_mac) {
        p->next = next_of(Next::ip6);
        c.ipv6_in++;
        ctx.trace(p, UplinkTrace{0, 0, 0, UplinkDecision::ipv6, {}, {}});
        continue;
      }
      drop(p, DropReason::not_for_us);
    } else {
      drop(p, DropReason::not_for_us);
    }
    ctx.trace(p, UplinkTrace{0, 0, 0, UplinkDecision::not_for_us, {}, {}});
  }
}

bool UplinkStage::ndisc(StageContext& ctx, Packet* p, UplinkCounters& c) {
  uint8_t type;
  IpKey who, target;
  uint64_t mac;
  if (!read_neighbor_message(p->data, p->len, kEthHdrLen, &type, &who, &mac, &target)) return false;
  const UplinkConfig& u = routes_.uplink();
  UplinkTrace t{0, 0, mac, UplinkDecision::nd_absorbed, who, target};
  const bool for_us = type == kNdSolicitation && (target == u.ip6 || target == u.link_local);
  const bool unspecified = who == IpKey{};  // duplicate address detection
  if (!unspecified && !(who == u.ip6) && !(who == u.link_local) && (for_us || neighbors6_.find(who))) {
    t.decision = UplinkDecision::nd_learned;
    if (!ctx.dry_run && neighbors6_.learn(ctx, who, mac)) c.neighbors_learned++;
  }
  if (for_us) {
    // Answered in place: to the asker, or to all nodes when it has no address yet.
    const IpKey all_nodes{0xff02000000000000ull, 1};
    p->len = write_neighbor_advertisement(p->data, u.mac, target, unspecified ? 0x333300000001ull : mac, unspecified ? all_nodes : who);
    p->vnet = VnetHdr{};
    ctx.tx(ctx.port(u.port), p);
    c.nd_replies++;
    t.decision = UplinkDecision::nd_answered;
  } else {
    c.nd_absorbed++;  // read for learning; the host's kernel has its own copy
  }
  sent(p);
  ctx.trace(p, t);
  return true;
}

void UplinkStage::arp(StageContext& ctx, Packet* p, UplinkCounters& c) {
  UplinkTrace t{0, 0, 0, UplinkDecision::not_for_us, {}, {}};
  const uint8_t* a = p->data + kEthHdrLen;
  if (p->len < kEthHdrLen + kArpLen || load16(a) != 1 || load16(a + 2) != kEtherTypeIPv4 || a[4] != 6 || a[5] != 4) {
    drop(p, DropReason::not_for_us);
    ctx.trace(p, t);
    return;
  }
  const UplinkConfig& u = routes_.uplink();
  const uint16_t op = load16(a + 6);
  t.sha = load_mac(a + 8);
  t.spa = load32(a + 14);
  t.tpa = load32(a + 24);
  const bool for_us = t.tpa == u.ip;
  if (t.spa != 0 && t.spa != u.ip && (for_us || neighbors_.find(t.spa))) {
    t.decision = UplinkDecision::arp_learned;
    if (!ctx.dry_run && neighbors_.learn(ctx, t.spa, t.sha)) c.neighbors_learned++;
  }
  if (op == kArpRequest && for_us) {
    p->len = write_arp(p->data, kArpReply, t.sha, u.mac, u.ip, t.sha, t.spa);  // answer in place
    p->vnet = VnetHdr{};
    ctx.tx(ctx.port(u.port), p);
    sent(p);
    c.arp_replies++;
    t.decision = UplinkDecision::arp_answered;
  } else if (op == kArpReply || op == kArpRequest) {
    sent(p);  // read for learning; the host's kernel has its own copy
    c.arp_absorbed++;
    if (t.decision != UplinkDecision::arp_learned) t.decision = UplinkDecision::arp_absorbed;
  } else {
    drop(p, DropReason::not_for_us);
    t.decision = UplinkDecision::not_for_us;
  }
  ctx.trace(p, t);
}

std::string UplinkStage::format_trace(const uint8_t* record, uint32_t len) const {
  UplinkTrace t;
  std::memcpy(&t, record, sizeof t);
  switch (t.decision) {
    case UplinkDecision::ipv4: return "IPv4 for the external address's MAC";
    case UplinkDecision::arp_answered: return "ARP who-has " + ipv4_text(t.tpa) + " from " + ipv4_text(t.spa) + ": answered with our MAC";
    case UplinkDecision::arp_learned: return "ARP from " + ipv4_text(t.spa) + ": next hop is at " + format_mac(t.sha);
    case UplinkDecision::arp_absorbed: return "ARP " + ipv4_text(t.spa) + " > " + ipv4_text(t.tpa) + ": not ours";
    case UplinkDecision::not_for_us: return "not for the external address: the host's own traffic";
    case UplinkDecision::ipv6: return "IPv6 for the external address's MAC";
    case UplinkDecision::nd_answered: return "neighbour solicitation for " + ipv6_text(t.target) + " from " + ipv6_text(t.who) + ": answered with our MAC";
    case UplinkDecision::nd_learned: return "neighbour discovery from " + ipv6_text(t.who) + ": next hop is at " + format_mac(t.sha);
    case UplinkDecision::nd_absorbed: return "neighbour discovery " + ipv6_text(t.who) + " about " + ipv6_text(t.target) + ": not ours";
  }
  return "";
}

}  // namespace ferry
