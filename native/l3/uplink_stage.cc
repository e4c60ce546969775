#include "l3/uplink_stage.h"

#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "l3/ipv4.h"

namespace ferry {

namespace {

enum class UplinkDecision : uint8_t { ipv4, arp_answered, arp_learned, arp_absorbed, not_for_us };

struct UplinkTrace {
  uint32_t spa, tpa;
  uint64_t sha;
  UplinkDecision decision;
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
      ctx.trace(p, UplinkTrace{0, 0, 0, UplinkDecision::ipv4});
      continue;
    } else {
      drop(p, DropReason::not_for_us);
    }
    ctx.trace(p, UplinkTrace{0, 0, 0, UplinkDecision::not_for_us});
  }
}

void UplinkStage::arp(StageContext& ctx, Packet* p, UplinkCounters& c) {
  UplinkTrace t{0, 0, 0, UplinkDecision::not_for_us};
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
  }
  return "";
}

}  // namespace ferry
