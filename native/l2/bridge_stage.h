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
// A frame too big for an overlay's VXLAN tunnel is answered as the kernel's
// vxlan device answers bridged traffic (skb_tunnel_check_pmtu): IPv4 with DF
// gets ICMP fragmentation needed with the tunnel's MTU, IPv6 ICMPv6 packet
// too big, from the address and MAC it was sent to, so the sender's path MTU
// drops and TCP does not stall.
//
// Two things here serve the gateway router: IPv4 frames a container sends to
// a routed domain's gateway MAC go to the router (Next::router, after their
// source is learned), IPv6 ones too when the network routes IPv6
// (Next::router6), and with enable_icc off a container's frames reach
// only the host port.
#pragma once
#include "core/stage.h"
#include "l2/domains.h"
#include "l3/icmp_out.h"

#define FERRY_BRIDGE_DROPS(X)                                               \
  X(same_port, "destination was learned on the port the frame came from")   \
  X(no_domain, "port is not in a bridge domain")                            \
  X(no_tx_port, "nowhere to send (flood with no other port in the domain)") \
  X(icc_blocked, "container to container on a network with enable_icc=false")          \
  X(too_big, "not a GSO frame, and longer than the egress port's MTU")                 \
  X(too_big_for_tunnel, "longer than the overlay's MTU (IPv4 with DF, or IPv6): its sender was told (ICMP)")

namespace ferry {

class BridgeStage : public Stage {
 public:
  enum class Next { router, router6 };

  explicit BridgeStage(Domains& domains) : domains_(domains) {}
  static constexpr const char* kName = "bridge";
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void tick(StageContext& ctx) override;
  bool needs_tick() const override;
  void port_removed(uint32_t port) override { domains_.leave(port); }
  // The sum over domains (each domain's own are in stats().domains).
  void for_each_counter(const CounterVisitor& visit) const override;

 private:
  // ICMP fragmentation needed (ICMPv6 packet too big) for a packet too big for the tunnel `out`; false if not sent.
  bool tell_too_big(StageContext& ctx, Packet* p, const Port& out, uint64_t dst);

  Domains& domains_;
  BridgeCounters scratch_;  // a dry run counts here
  IcmpErrors icmp_;
};

}  // namespace ferry
