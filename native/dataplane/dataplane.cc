#include "dataplane/dataplane.h"

#include "vxlan/vxlan.h"

namespace ferry {

namespace {
bool is_underlay(PortRole r) { return r == PortRole::underlay || r == PortRole::sealed_underlay; }
}  // namespace

Dataplane::~Dataplane() {
  if (engine_) engine_->shutdown();
}

uint32_t Dataplane::attach_bridge_port(std::unique_ptr<Port> port, PortRole role, uint32_t domain) {
  domains_.get_or_throw(domain);
  const uint32_t id = engine_->attach_port(std::move(port), role);
  domains_.join(domain, id);
  return id;
}

uint32_t Dataplane::attach_demux_port(std::unique_ptr<Port> port, PortRole role) {
  return engine_->attach_port(std::move(port), role);
}

uint32_t Dataplane::attach_underlay(std::unique_ptr<UnderlayPort> port) {
  const PortRole role = port->esp() ? PortRole::sealed_underlay : PortRole::underlay;
  return engine_->attach_port(std::move(port), role);
}

uint32_t Dataplane::attach_tunnel(uint32_t underlay, uint32_t vni, uint32_t domain) {
  Port& u = engine_->port_or_throw(underlay);
  if (!is_underlay(u.role))
    throw ControlError(ErrorCode::bad_argument, "port " + std::to_string(underlay) + " is not a VXLAN underlay");
  if (vni == 0 || vni > kMaxVni) throw ControlError(ErrorCode::bad_argument, "VNI " + std::to_string(vni) + " is out of range (1..16777215)");
  if (vxlan_decap_.tunnel_of(vni) != kNoPort)
    throw ControlError(ErrorCode::bad_argument, "VNI " + std::to_string(vni) + " already has a tunnel (port " + std::to_string(vxlan_decap_.tunnel_of(vni)) + ")");
  auto tunnel = std::make_unique<TunnelPort>(static_cast<UnderlayPort*>(&u), vni);
  tunnel->name = "vxlan" + std::to_string(vni);
  const uint32_t id = attach_bridge_port(std::move(tunnel), PortRole::tunnel, domain);
  vxlan_decap_.set_tunnel(vni, id, u.role == PortRole::sealed_underlay);
  return id;
}

void Dataplane::set_neighbor_proxy(uint32_t domain, const IpKey& ip, uint64_t mac) {
  domains_.get_or_throw(domain);
  neighbor_proxy_.set(domain, ip, mac);
  graph_.bypass(neighbor_proxy_node_, !neighbor_proxy_.any());
}

EspPeers& Dataplane::esp_or_throw(uint32_t port) {
  Port& p = engine_->port_or_throw(port);
  if (p.role != PortRole::sealed_underlay) throw ControlError(ErrorCode::bad_argument, "port " + std::to_string(port) + " is not the sealed underlay");
  return *static_cast<UnderlayPort&>(p).esp();
}

TunnelPort& Dataplane::tunnel_or_throw(uint32_t port) {
  Port& p = engine_->port_or_throw(port);
  if (p.role != PortRole::tunnel) throw ControlError(ErrorCode::bad_argument, "port " + std::to_string(port) + " is not a VXLAN tunnel");
  return static_cast<TunnelPort&>(p);
}

uint32_t Dataplane::attach_uplink(std::unique_ptr<Port> port, UplinkConfig config) {
  if (routes_.has_uplink())
    throw ControlError(ErrorCode::uplink_exists, "the engine already has an uplink (port " + std::to_string(routes_.uplink().port) + "); remove it first");
  config.port = engine_->attach_port(std::move(port), PortRole::uplink);
  config.link_local = IpKey::link_local_of(config.mac);
  routes_.set_uplink(config);
  neighbors_.set_source({config.port, config.ip, config.mac});
  if (config.has_ip6) neighbors6_.set_source({config.port, config.link_local, config.mac});
  // Neighbours that cached another MAC for the address learn ours.
  neighbors_.announce(engine_->control_context());
  engine_->flush();
  return config.port;
}

void Dataplane::detach_port(uint32_t id, bool destroy) {
  if (Port* p = engine_->port(id); p && is_underlay(p->role))
    for (const auto& other : engine_->ports())
      if (other && other->role == PortRole::tunnel && static_cast<TunnelPort*>(other.get())->underlay() == p)
        throw ControlError(ErrorCode::bad_argument, "port " + std::to_string(id) + " is the underlay of tunnel " + other->name + "; remove it first");
  if (segments_.is_parent(id))
    throw ControlError(ErrorCode::segment_in_use, "port " + std::to_string(id) + " is the parent of macvlan/ipvlan segments; remove them first");
  if (routes_.has_uplink() && routes_.uplink().port == id) {
    neighbors_.clear(engine_->control_context());
    neighbors_.set_source({});
    neighbors6_.clear(engine_->control_context());
    neighbors6_.set_source({});
    nat_.ct.flush();
    nat6_.ct.flush();
    routes_.clear_uplink();
  }
  engine_->detach_port(id, destroy);
  graph_.bypass(rate_limit_node_, !rate_limit_.any());  // its limit and identity went with it
  graph_.bypass(port_security_node_, !port_security_.any());
}

void Dataplane::configure_network(uint32_t domain, bool routed, const NetworkL3& l3, bool icc) {
  Domain& d = domains_.get_or_throw(domain);
  routes_.remove_network(domain);
  d.gateway_mac = routed ? l3.router_mac : 0;
  d.routes_ipv6 = routed && l3.ipv6;
  d.icc = routed ? icc : true;
  if (routed) {
    NetworkL3 n = l3;
    n.domain = domain;
    routes_.set_network(n);
  }
}

void Dataplane::set_rate_limit(uint32_t port, const RateLimit* limit) {
  if (limit) rate_limit_.set(port, *limit, engine_->now_ns());
  else rate_limit_.clear(port);
  graph_.bypass(rate_limit_node_, !rate_limit_.any());
}

void Dataplane::set_identity(uint32_t port, const PortIdentity* identity) {
  if (identity) port_security_.set(port, *identity);
  else port_security_.clear(port);
  graph_.bypass(port_security_node_, !port_security_.any());
}

void Dataplane::remove_domain(uint32_t id) {
  domains_.remove(id, engine_->control_context());
  routes_.remove_network(id);
  neighbor_proxy_.clear_domain(id);
  graph_.bypass(neighbor_proxy_node_, !neighbor_proxy_.any());
}

}  // namespace ferry
