// The learning bridge: Ferry's first forwarding stage, modelled on the 802.1D
// behaviour of Linux's bridge, and kept small on purpose (Snabb's learning
// bridge is the model).
//
// Per bridge domain: learn the source MAC on the ingress port; send known
// unicast to its one port; flood broadcast, multicast and unknown unicast to
// every other port of the same domain, never beyond it. A frame whose
// destination was learned on its own ingress port is dropped (a bridge never
// sends a frame back where it came from). Static entries never age and are not
// moved by learning. When a domain's table is full, new sources are not
// learned, so frames towards them keep flooding; each refusal is counted.
//
// Lookups are hash-table probes, so the cost per frame does not depend on the
// number of ports or MACs; only flooding is, inherently, per member port.
// Tagged frames are bridged as they are: the table is not VLAN-aware yet.
//
// Two things here serve the gateway router: IPv4 frames sent to a routed
// domain's gateway MAC for an address that is not the host's own are marked
// for the router stage (after learning their source), and with enable_icc
// off a container's frames reach only the host port.
#pragma once
#include "core/fabric.h"

namespace ferry {

class BridgeStage {
 public:
  void process(Batch& batch, Fabric& fabric, uint32_t now);
  // Sends p to every member of d but its ingress port (and, with icc off,
  // only between containers and the host port). The router uses it too.
  static void flood(Fabric& fabric, Domain& d, Packet* p);
};

}  // namespace ferry
