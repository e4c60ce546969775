// What the L3 stages know about where addresses live: the routed bridge
// networks (by prefix and by domain), the containers' endpoints (address ->
// domain and MAC), the host's own addresses (never routed: they go to the
// host), and the uplink, Ferry's own host on the world's side. Shared by the
// IPv4 stages and the NAT, changed only by control commands.
//
// Everything a packet looks up here is a hash probe (networks: one probe per
// prefix length in use), so nothing grows with the number of containers.
#pragma once
#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/packet.h"
#include "l3/flow_key.h"
#include "l3/prefix_table.h"

namespace ferry {

// A bridge domain that is a network with a gateway.
struct NetworkL3 {
  uint32_t domain = kNoPort;
  uint64_t router_mac = 0;    // the host port's MAC: containers send off-net frames to it
  uint32_t gateway = 0;       // the gateway address (on the host port)
  uint32_t subnet = 0, prefix_len = 0;
  uint32_t host_port = kNoPort;
  uint32_t mtu = 1500;
  bool masquerade = true;     // com.docker.network.bridge.enable_ip_masquerade
  bool internal = false;      // --internal: nothing leaves the network
  uint16_t resolver_port = 0; // where the daemon's resolver listens on the gateway address (0: none)
  // IPv6 (--ipv6): the subnet and gateway; NATed to the external IPv6
  // address (NAT66), or routed as it is (gateway_mode_ipv6=routed).
  bool ipv6 = false;
  IpKey subnet6{}, gateway6{};
  uint32_t prefix6_len = 0;
  bool routed6 = false;
};

struct UplinkConfig {
  uint32_t port = kNoPort;
  uint32_t ip = 0;       // the external address, owned by Ferry, not the kernel
  uint32_t mask = 0;     // its prefix, for on-link next hops
  uint32_t gateway = 0;  // 0: only on-link destinations are reachable
  uint64_t mac = 0;
  uint32_t mtu = 1500;
  // The external IPv6 address (--external-ip6), owned by Ferry as ip is.
  bool has_ip6 = false;
  IpKey ip6{}, gateway6{};  // gateway6 zero: only on-link destinations
  uint32_t prefix6_len = 64;
  IpKey link_local{};       // set by Dataplane::attach_uplink from mac (EUI-64): neighbour discovery speaks from it
};

struct Endpoint {  // a container's address on a network
  uint32_t domain;
  uint64_t mac;
};

class Routes {
 public:
  void set_network(const NetworkL3& n) {
    remove_network(n.domain);
    if (by_domain_.size() <= n.domain) by_domain_.resize(n.domain + 1);
    by_domain_[n.domain] = n;
    prefixes_.add(n.subnet, n.prefix_len, n.domain);
    if (n.ipv6) prefixes6_.add(n.subnet6, n.prefix6_len, n.domain);
  }
  void remove_network(uint32_t domain) {
    const NetworkL3* n = network(domain);
    if (!n) return;
    prefixes_.remove(n->subnet, n->prefix_len);
    if (n->ipv6) prefixes6_.remove(n->subnet6, n->prefix6_len);
    by_domain_[domain] = NetworkL3{};
  }
  // The routed network of a domain, or nullptr.
  const NetworkL3* network(uint32_t domain) const {
    return domain < by_domain_.size() && by_domain_[domain].domain != kNoPort ? &by_domain_[domain] : nullptr;
  }
  // Is the address inside one of the networks' subnets?
  bool in_networks(uint32_t addr) const { return prefixes_.match(addr) != PrefixTable::kNone; }
  // The domain whose IPv6 subnet holds the address, or kNoPort.
  uint32_t network_of(const IpKey& addr) const { return prefixes6_.match(addr); }
  bool in_networks(const IpKey& addr) const { return network_of(addr) != PrefixTable6::kNone; }

  void set_endpoint(uint32_t ip, const Endpoint& e) { endpoints_[ip] = e; }
  void remove_endpoint(uint32_t ip) { endpoints_.erase(ip); }
  const Endpoint* endpoint(uint32_t ip) const {
    auto it = endpoints_.find(ip);
    return it == endpoints_.end() ? nullptr : &it->second;
  }
  void set_endpoint(const IpKey& ip, const Endpoint& e) { endpoints6_[ip] = e; }
  void remove_endpoint(const IpKey& ip) { endpoints6_.erase(ip); }
  const Endpoint* endpoint(const IpKey& ip) const {
    auto it = endpoints6_.find(ip);
    return it == endpoints6_.end() ? nullptr : &it->second;
  }

  void set_host_addresses(std::unordered_set<uint32_t> addrs, std::unordered_set<IpKey, IpKeyHash> addrs6) {
    host_addrs_.swap(addrs);
    host_addrs6_.swap(addrs6);
  }
  bool is_host(uint32_t ip) const { return host_addrs_.count(ip) > 0; }
  bool is_host(const IpKey& ip) const { return host_addrs6_.count(ip) > 0; }

  void set_uplink(const UplinkConfig& u) {
    uplink_ = u;
    has_uplink_ = true;
  }
  void clear_uplink() {
    uplink_ = UplinkConfig{};
    has_uplink_ = false;
  }
  bool has_uplink() const { return has_uplink_; }
  bool has_uplink6() const { return has_uplink_ && uplink_.has_ip6; }
  const UplinkConfig& uplink() const { return uplink_; }

 private:
  std::vector<NetworkL3> by_domain_;
  PrefixTable prefixes_;
  PrefixTable6 prefixes6_;
  std::unordered_map<uint32_t, Endpoint> endpoints_;
  std::unordered_map<IpKey, Endpoint, IpKeyHash> endpoints6_;
  std::unordered_set<uint32_t> host_addrs_;
  std::unordered_set<IpKey, IpKeyHash> host_addrs6_;
  UplinkConfig uplink_;
  bool has_uplink_ = false;
};

// What the IPv4 stages hand each other in Packet::meta.
struct L3Meta {
  static constexpr uint32_t kFromUplink = kNoPort;
  uint32_t from;        // the domain the packet came from, or kFromUplink
  uint32_t flow;        // its conntrack entry (nat), for the trace
  uint32_t next_hop;    // ip4_forward -> neighbor: the uplink next hop
  FlowKey key;          // as it arrived (an ICMP error: the quoted flow as its sender knows it)
  FlowKey out;          // as it leaves (an ICMP error: out.src/out.dst are the outer addresses)
  uint8_t dir;          // which side of the flow sent it
  bool icmp_error;
  uint16_t fragment_at; // ip4_forward -> neighbor: cut into fragments of this MTU (0: send whole)
};

// The same for the IPv6 stages (ip6-input, nat6, ip6-forward, neighbor6).
struct L3Meta6 {
  static constexpr uint32_t kFromUplink = kNoPort;
  uint32_t from;
  uint32_t flow;
  uint8_t dir;
  bool icmp_error;
  IpKey next_hop;
  FlowKey6 key;
  FlowKey6 out;
};

}  // namespace ferry
