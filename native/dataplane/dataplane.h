// The dataplane: the stages, the tables they share, the graph that connects
// them, and the engine that runs it. What the graph looks like is declared in
// graph.cc; this class only owns the parts, in the order that lets the
// engine's worker stop before any stage it runs is destroyed.
#pragma once
#include <memory>

#include "core/engine.h"
#include "demux/demux_stage.h"
#include "demux/segments.h"
#include "vxlan/decap_stage.h"
#include "vxlan/neighbor_proxy_stage.h"
#include "vxlan/tunnel_port.h"
#include "vxlan/underlay_port.h"
#include "l2/bridge_stage.h"
#include "l2/domains.h"
#include "l3/ip4_forward_stage.h"
#include "l3/ip4_input_stage.h"
#include "l3/ip6_forward_stage.h"
#include "l3/ip6_input_stage.h"
#include "l3/neighbor_stage.h"
#include "l3/reassembly_stage.h"
#include "l3/neighbors.h"
#include "l3/routes.h"
#include "l3/uplink_stage.h"
#include "nat/conntrack.h"
#include "nat/nat_stage.h"
#include "parse/parse_stage.h"
#include "police/rate_limit_stage.h"
#include "resolver/resolver_stages.h"
#include "security/port_security_stage.h"

namespace ferry {

struct DataplaneConfig {
  EngineConfig engine;
  uint32_t conntrack_max = Conntrack::kDefaultMax;
};

class Dataplane {
 public:
  explicit Dataplane(const DataplaneConfig& config);
  ~Dataplane();

  Engine& engine() { return *engine_; }
  Domains& domains() { return domains_; }
  Routes& routes() { return routes_; }
  Neighbors& neighbors() { return neighbors_; }
  Neighbors6& neighbors6() { return neighbors6_; }
  NatStage& nat() { return nat_; }
  Ip4ReassemblyStage& reassembly() { return reassembly_; }
  Nat6Stage& nat6() { return nat6_; }
  RateLimitStage& rate_limit() { return rate_limit_; }
  Segments& segments() { return segments_; }

  // Control, on the worker (inside engine().run()).
  // A port joins a bridge domain (container and host ports) or becomes the uplink.
  uint32_t attach_bridge_port(std::unique_ptr<Port> port, PortRole role, uint32_t domain);
  uint32_t attach_uplink(std::unique_ptr<Port> port, UplinkConfig config);
  // A macvlan/ipvlan parent, or a member's TAP (joined to a segment by segments().add_member).
  uint32_t attach_demux_port(std::unique_ptr<Port> port, PortRole role);
  // A VXLAN underlay socket (plain, or sealed: ESP in UDP), and an overlay
  // network's tunnel port in its domain (encrypted when its underlay is sealed).
  uint32_t attach_underlay(std::unique_ptr<UnderlayPort> port);
  uint32_t attach_tunnel(uint32_t underlay, uint32_t vni, uint32_t domain);
  TunnelPort& tunnel_or_throw(uint32_t port);
  EspPeers& esp_or_throw(uint32_t sealed_underlay);
  // An address of a domain whose ARP and neighbour solicitations are answered with mac (0: no longer).
  void set_neighbor_proxy(uint32_t domain, const IpKey& ip, uint64_t mac);
  void detach_port(uint32_t id, bool destroy);
  // Makes a domain a routed network, or (routed=false) a plain L2 domain again.
  void configure_network(uint32_t domain, bool routed, const NetworkL3& l3, bool icc);
  void remove_domain(uint32_t id);
  // A port's --rate-limit, or none; the stage is bypassed while no port has one.
  void set_rate_limit(uint32_t port, const RateLimit* limit);
  // Who a container port may send as, or none (the stage is bypassed while no port has one).
  void set_identity(uint32_t port, const PortIdentity* identity);

 private:
  // Tables first: stages refer to them.
  Domains domains_;
  Routes routes_;
  Neighbors neighbors_;  // the uplink's
  Neighbors6 neighbors6_;
  Segments segments_;
  // Stages, in graph order.
  VxlanDecapStage vxlan_decap_;
  ParseStage parse_;
  PortSecurityStage port_security_;
  RateLimitStage rate_limit_;
  NeighborProxyStage neighbor_proxy_{domains_};
  ResolverReplyStage resolver_reply_{domains_, routes_};
  BridgeStage bridge_{domains_};
  UplinkStage uplink_{neighbors_, neighbors6_, routes_};
  Ip4InputStage ip4_input_{domains_, routes_};
  ResolverQueryStage resolver_query_{routes_};
  Ip4ReassemblyStage reassembly_;
  NatStage nat_;
  Ip4ForwardStage ip4_forward_{domains_, routes_};
  NeighborStage neighbor_{neighbors_};
  Ip6InputStage ip6_input_{domains_, routes_};
  Nat6Stage nat6_;
  Ip6ForwardStage ip6_forward_{domains_, routes_};
  Neighbor6Stage neighbor6_{neighbors6_};
  DemuxStage demux_{segments_};
  Graph graph_;
  NodeId rate_limit_node_ = kNodeUnset;
  NodeId port_security_node_ = kNodeUnset;
  NodeId neighbor_proxy_node_ = kNodeUnset;
  // Last: destroyed first, so its worker stops before the stages go.
  std::unique_ptr<Engine> engine_;
};

}  // namespace ferry
