#include "l2/bridge_stage.h"

#include "l2/ethernet.h"

namespace ferry {

void BridgeStage::flood(Fabric& fabric, Domain& d, Packet* p) {
  bool sent = false;
  for (uint32_t member : d.ports) {
    if (member == p->in_port) continue;
    fabric.enqueue(fabric.ports[member].get(), p);
    sent = true;
  }
  if (!sent) p->drop(DropReason::no_tx_port);
}

void BridgeStage::process(Batch& batch, Fabric& fabric, uint32_t now) {
  for (uint32_t i = 0; i < batch.n; i++) {
    Packet* p = batch.pkts[i];
    if (p->dropped) continue;
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
    } else {
      c.unicast++;
      fabric.enqueue(fabric.ports[e->port].get(), p);
    }
  }
}

}  // namespace ferry
