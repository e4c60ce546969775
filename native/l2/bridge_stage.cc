#include "l2/bridge_stage.h"

#include "l2/ethernet.h"

namespace ferry {

namespace {

// An IPv4 frame for the gateway's MAC whose destination is not one of the
// host's own addresses belongs to the router; everything else for that MAC
// (ARP, IPv6, traffic to the host) goes to the host port as on any bridge.
bool for_router(const Fabric& fabric, const Domain& d, const Packet& p, uint64_t dst) {
  if (!d.l3.routed || dst != d.l3.router_mac || p.in_port == d.l3.host_port) return false;
  if (EthernetView(p.data).outer_type() != kEtherTypeIPv4 || p.len < kEthHdrLen + 20) return false;
  return !fabric.host_addrs.count(load32(p.data + kEthHdrLen + 16));
}

// With enable_icc=false, containers talk to the host (the gateway) only.
bool icc_allows(const Domain& d, uint32_t from, uint32_t to) {
  return d.l3.icc || from == d.l3.host_port || to == d.l3.host_port;
}

}  // namespace

void BridgeStage::flood(Fabric& fabric, Domain& d, Packet* p) {
  bool sent = false;
  for (uint32_t member : d.ports) {
    if (member == p->in_port || !icc_allows(d, p->in_port, member)) continue;
    fabric.enqueue(fabric.ports[member].get(), p);
    sent = true;
  }
  if (!sent) p->drop(DropReason::no_tx_port);
}

void BridgeStage::process(Batch& batch, Fabric& fabric, uint32_t now) {
  for (uint32_t i = 0; i < batch.n; i++) {
    Packet* p = batch.pkts[i];
    if (p->dropped || p->in_port == fabric.uplink_port) continue;  // the uplink is the router's
    Domain* d = fabric.domain(fabric.ports[p->in_port]->domain);
    if (!d) {
      p->drop(DropReason::no_domain);
      continue;
    }
    BridgeCounters& c = d->counters;
    EthernetView eth(p->data);

    switch (d->macs.learn(eth.src(), p->in_port, now)) {
      case MacTable::LearnResult::refreshed: break;
      case MacTable::LearnResult::learned: c.learned++; break;
      case MacTable::LearnResult::moved: c.moved++; break;
      case MacTable::LearnResult::refused_full: c.learn_refused_full++; break;
      case MacTable::LearnResult::static_conflict: c.static_conflict++; break;
    }

    const uint64_t dst = eth.dst();
    if (for_router(fabric, *d, *p, dst)) {
      p->to_router = true;
      continue;
    }
    if (mac_is_group(dst)) {
      c.flood_multicast++;
      flood(fabric, *d, p);
      continue;
    }
    const MacEntry* e = d->macs.find(dst);
    if (!e) {
      c.flood_unknown++;
      flood(fabric, *d, p);
    } else if (e->port == p->in_port) {
      c.filtered_same_port++;
      p->drop(DropReason::same_port);
    } else if (!icc_allows(*d, p->in_port, e->port)) {
      c.icc_blocked++;
      p->drop(DropReason::icc_blocked);
    } else {
      c.unicast++;
      fabric.enqueue(fabric.ports[e->port].get(), p);
    }
  }
}

}  // namespace ferry
