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
};

struct UplinkConfig {
  uint32_t port = kNoPort;
  uint32_t ip = 0;       // the external address, owned by Ferry, not the kernel
  uint32_t mask = 0;     // its prefix, for on-link next hops
  uint32_t gateway = 0;  // 0: only on-link destinations are reachable
  uint64_t mac = 0;
  uint32_t mtu = 1500;
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
  }
  void remove_network(uint32_t domain) {
    const NetworkL3* n = network(domain);
    if (!n) return;
    prefixes_.remove(n->subnet, n->prefix_len);
    by_domain_[domain] = NetworkL3{};
  }
  // The routed network of a domain, or nullptr.
  const NetworkL3* network(uint32_t domain) const {
    return domain < by_domain_.size() && by_domain_[domain].domain != kNoPort ? &by_domain_[domain] : nullptr;
  }
  // Is the address inside one of the networks' subnets?
  bool in_networks(uint32_t addr) const { return prefixes_.match(addr) != PrefixTable::kNone; }

  void set_endpoint(uint32_t ip, const Endpoint& e) { endpoints_[ip] = e; }
  void remove_endpoint(uint32_t ip) { endpoints_.erase(ip); }
  const Endpoint* endpoint(uint32_t ip) const {
    auto it = endpoints_.find(ip);
    return it == endpoints_.end() ? nullptr : &it->second;
  }

  void set_host_addresses(std::unordered_set<uint32_t> addrs) { host_addrs_.swap(addrs); }
  bool is_host(uint32_t ip) const { return host_addrs_.count(ip) > 0; }

  void set_uplink(const UplinkConfig& u) {
    uplink_ = u;
    has_uplink_ = true;
  }
  void clear_uplink() {
    uplink_ = UplinkConfig{};
    has_uplink_ = false;
  }
  bool has_uplink() const { return has_uplink_; }
  const UplinkConfig& uplink() const { return uplink_; }

 private:
  std::vector<NetworkL3> by_domain_;
  PrefixTable prefixes_;
  std::unordered_map<uint32_t, Endpoint> endpoints_;
  std::unordered_set<uint32_t> host_addrs_;
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
};

}  // namespace ferry
