// The graph of stages: which stage may follow which, and where each port
// role's frames enter. A new stage is its own folder, one member in
// Dataplane, and its lines here.
//
//   container ───────▶ parse ─▶ port-security ─▶ rate-limit ─▶ neighbor-proxy ──┐
//   host ────────────▶ parse ─▶ resolver-reply ────────────────┴▶ bridge ─▶ sent (to a port)
//                                                                  └─(gateway MAC)─┐
//   uplink ──────────▶ parse ─▶ uplink ─(ARP, ND)─▶ sent│
//                                  └─(IPv4)──▶ ip4-input ─(fragments: ip4-reassembly)─▶ nat ─▶ ip4-forward ─▶ sent (into a domain)
//                                  │              │                  └─▶ neighbor ─▶ sent (uplink) / held
//                                  │              └─(127.0.0.11)─▶ resolver-query ─▶ sent (host port)
//                                  └─(IPv6)──▶ ip6-input ─▶ nat6 ─▶ ip6-forward ─▶ sent (into a domain)
//                                                 ▲                  └─▶ neighbor6 ─▶ sent (uplink) / held
//                          bridge ─(IPv6 to the gateway's MAC)─┘
//   parent, demuxed ─▶ parse ─▶ demux ─▶ sent (to members, or out on the parent)
//   underlay, sealed underlay (ESP opened) ─▶ vxlan-decap ─▶ parse (as from the network's tunnel port) ─▶ bridge
//
// Every stage may also end a packet: sent, dropped (with a reason), held.
#include "dataplane/dataplane.h"

namespace ferry {

Dataplane::Dataplane(const DataplaneConfig& config) : nat_(routes_, config.conntrack_max), nat6_(routes_, config.conntrack_max) {
  const NodeId vxlan_decap = graph_.add(&vxlan_decap_);
  const NodeId parse = graph_.add(&parse_);
  const NodeId port_security = port_security_node_ = graph_.add(&port_security_);
  const NodeId rate_limit = rate_limit_node_ = graph_.add(&rate_limit_);
  const NodeId neighbor_proxy = neighbor_proxy_node_ = graph_.add(&neighbor_proxy_);
  const NodeId resolver_reply = graph_.add(&resolver_reply_);
  const NodeId bridge = graph_.add(&bridge_);
  const NodeId uplink = graph_.add(&uplink_);
  const NodeId ip4_input = graph_.add(&ip4_input_);
  const NodeId resolver_query = graph_.add(&resolver_query_);
  const NodeId reassembly = graph_.add(&reassembly_);
  const NodeId nat = graph_.add(&nat_);
  const NodeId ip4_forward = graph_.add(&ip4_forward_);
  const NodeId neighbor = graph_.add(&neighbor_);
  const NodeId ip6_input = graph_.add(&ip6_input_);
  const NodeId nat6 = graph_.add(&nat6_);
  const NodeId ip6_forward = graph_.add(&ip6_forward_);
  const NodeId neighbor6 = graph_.add(&neighbor6_);
  const NodeId demux = graph_.add(&demux_);

  for (PortRole role : {PortRole::container, PortRole::host, PortRole::uplink, PortRole::parent, PortRole::demuxed}) graph_.set_entry(role, parse);
  graph_.connect(parse, int(PortRole::container), port_security);
  graph_.connect(port_security, int(PortSecurityStage::Next::forward), rate_limit);
  graph_.connect(rate_limit, int(RateLimitStage::Next::forward), neighbor_proxy);
  graph_.connect(neighbor_proxy, int(NeighborProxyStage::Next::forward), bridge);
  graph_.connect(parse, int(PortRole::host), resolver_reply);
  graph_.connect(resolver_reply, int(ResolverReplyStage::Next::forward), bridge);
  graph_.connect(parse, int(PortRole::uplink), uplink);
  graph_.connect(parse, int(PortRole::parent), demux);
  graph_.connect(parse, int(PortRole::demuxed), demux);
  graph_.set_entry(PortRole::underlay, vxlan_decap);
  graph_.set_entry(PortRole::sealed_underlay, vxlan_decap);
  graph_.connect(vxlan_decap, int(VxlanDecapStage::Next::inner), parse);
  graph_.connect(parse, int(PortRole::tunnel), bridge);
  graph_.connect(bridge, int(BridgeStage::Next::router), ip4_input);
  graph_.connect(uplink, int(UplinkStage::Next::ip4), ip4_input);
  graph_.connect(ip4_input, int(Ip4InputStage::Next::nat), nat);
  graph_.connect(ip4_input, int(Ip4InputStage::Next::resolver), resolver_query);
  graph_.connect(ip4_input, int(Ip4InputStage::Next::reassemble), reassembly);
  graph_.connect(reassembly, int(Ip4ReassemblyStage::Next::nat), nat);
  graph_.connect(nat, int(NatStage::Next::forward), ip4_forward);
  graph_.connect(ip4_forward, int(Ip4ForwardStage::Next::neighbor), neighbor);
  graph_.connect(bridge, int(BridgeStage::Next::router6), ip6_input);
  graph_.connect(uplink, int(UplinkStage::Next::ip6), ip6_input);
  graph_.connect(ip6_input, int(Ip6InputStage::Next::nat), nat6);
  graph_.connect(nat6, int(Nat6Stage::Next::forward), ip6_forward);
  graph_.connect(ip6_forward, int(Ip6ForwardStage::Next::neighbor), neighbor6);
  graph_.bypass(rate_limit, true);     // until a port has a limit
  graph_.bypass(port_security, true);  // until a port has an identity
  graph_.bypass(neighbor_proxy, true); // until a domain has a known address

  EngineConfig engine = config.engine;
  engine.held_packets = Neighbors::kMaxPending * Neighbors::kHoldPerNeighbor + Neighbors6::kMaxPending * Neighbors6::kHoldPerNeighbor +
                        Ip4ReassemblyStage::kMaxDatagrams;
  engine_ = std::make_unique<Engine>(engine, graph_);
}

}  // namespace ferry
