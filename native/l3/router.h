// The gateway router: what happens to a frame a container sends to its
// gateway's MAC for an address that is not the host's, and to a frame that
// arrives on the uplink for the external address.
//
// One stage, in the order a router does it: parse the IPv4 header once; find
// the flow in conntrack (or decide what a new flow becomes: SNAT to the
// external address, DNAT to a published port, both for a hairpin, nothing for
// a network with masquerading off, or a drop with its reason); route the
// translated destination (a container's endpoint, else the uplink towards an
// on-link host or the external gateway; never into another bridge network);
// check TTL and MTU *before* rewriting, so the ICMP errors it generates quote
// the packet as its sender sent it; then rewrite addresses, ports, TTL and
// checksums incrementally (see core/checksum.h for CHECKSUM_PARTIAL) and
// queue the frame. GSO frames stay whole: only headers change, and the
// kernel segments them at the far end with the rewritten headers.
//
// On the uplink the router is a host of its own: it answers ARP and ping for
// the external address with its own MAC, resolves next hops with ARP (holding
// at most a few packets per neighbor meanwhile, as Linux's arp_queue), and
// lets everything else on the interface alone (counted as not_for_us), so
// the host's own traffic there is untouched.
//
// Everything a packet looks up is a hash: endpoints by address, published
// ports by protocol and port, conntrack by flow, networks by prefix (one
// probe per prefix length in use), neighbors by address.
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/fabric.h"
#include "l3/ipv4.h"
#include "l3/prefix_table.h"
#include "nat/conntrack.h"

namespace ferry {

#define FERRY_ROUTER_OUTCOMES(X)                                              \
  X(routed_out, "container to the uplink")                                    \
  X(routed_in, "uplink to a container")                                       \
  X(hairpin, "container to a published port through the external address")   \
  X(snat, "new flows given the external address")                             \
  X(dnat, "new flows to a published port")                                    \
  X(icmp_errors_mapped, "ICMP errors translated back to the flow they quote") \
  X(icmp_errors_sent, "time exceeded or fragmentation needed generated")      \
  X(icmp_rate_limited, "ICMP errors not sent: over the rate limit")           \
  X(echo_replies, "pings to the external address answered")                  \
  X(arp_replies, "ARP requests for the external address answered")           \
  X(arp_requests, "ARP requests sent for next hops")                          \
  X(neighbors_learned, "next hops resolved")                                  \
  X(held, "packets held while their next hop resolved")                      \
  X(pool_empty, "a generated packet skipped: no free buffer")

struct RouterCounters {
#define FERRY_X(name, help) uint64_t name = 0;
  FERRY_ROUTER_OUTCOMES(FERRY_X)
#undef FERRY_X
};

struct UplinkConfig {
  uint32_t port = kNoPort;
  uint32_t ip = 0;           // the external address, owned by Ferry, not the kernel
  uint32_t mask = 0;         // its prefix, for on-link next hops
  uint32_t gateway = 0;      // 0: only on-link destinations are reachable
  uint64_t mac = 0;
  uint32_t mtu = 1500;
};

struct Endpoint {  // a container's address on a network
  uint32_t domain;
  uint64_t mac;
};

struct Published {  // one -p mapping on the external address
  uint32_t bind_ip;  // 0: any; else must equal the destination
  uint32_t target_ip;
  uint16_t target_port;
};

class RouterStage {
 public:
  static constexpr uint32_t kHoldPerNeighbor = 4;
  static constexpr uint32_t kMaxPendingNeighbors = 64;
  static constexpr uint32_t kIcmpErrorsPerSecond = 1000;

  RouterStage(PacketPool& pool, uint32_t conntrack_max) : ct(conntrack_max), pool_(pool) {}

  void process(Batch& batch, Fabric& fabric, uint32_t now);
  // Once a second: conntrack sweep, ARP retries, held packets given up.
  void tick(Fabric& fabric, uint32_t now);
  bool needs_tick() const { return ct.size() > 0 || !pending_.empty(); }
  // Packets generated or released during a run, to free after tx.
  std::vector<Packet*>& finished() { return finished_; }

  // Control (worker thread, between batches).
  void set_uplink(const UplinkConfig& u, Fabric& fabric);
  void clear_uplink(Fabric& fabric);
  const UplinkConfig& uplink() const { return uplink_; }
  void set_endpoint(uint32_t ip, const Endpoint& e) { endpoints_[ip] = e; }
  void remove_endpoint(uint32_t ip) { endpoints_.erase(ip); }
  void add_network(uint32_t subnet, uint32_t prefix_len, uint32_t domain) { networks_.add(subnet, prefix_len, domain); }
  void remove_network(uint32_t subnet, uint32_t prefix_len) { networks_.remove(subnet, prefix_len); }
  bool publish(uint8_t proto, uint16_t port, const Published& p);  // false: taken
  bool unpublish(uint8_t proto, uint16_t port) { return published_.erase(key_of(proto, port)) > 0; }
  size_t neighbor_count() const { return neighbors_.size(); }

  Conntrack ct;
  RouterCounters counters;

 private:
  struct Neighbor {
    uint64_t mac = 0;
    bool resolved = false;
    uint32_t requested_at = 0;
    uint8_t tries = 0;
    uint8_t nheld = 0;
    Packet* held[kHoldPerNeighbor] = {};
  };
  struct Hop {
    bool to_uplink = false;
    Domain* domain = nullptr;  // for a container
    uint64_t mac = 0;          // the container's MAC
    uint32_t next_hop = 0;     // for the uplink
    uint32_t mtu = 1500;
  };
  static constexpr uint32_t kFromUplink = kNoPort;

  static uint32_t key_of(uint8_t proto, uint16_t port) { return uint32_t(proto) << 16 | port; }

  void route(Fabric& f, Packet* p, uint32_t from_domain, uint32_t now);
  bool new_flow(Fabric& f, Packet* p, const FlowKey& key, uint32_t from_domain, uint32_t now, FlowKey* out,
                uint32_t* index);
  bool pick_port(FlowKey* reply, uint16_t preferred, uint32_t now);
  void route_icmp_error(Fabric& f, Packet* p, Ipv4Packet& ip, uint32_t now);
  bool find_route(uint32_t dst, Fabric& f, Hop* hop);
  void transmit(Fabric& f, Packet* p, const Hop& hop, uint32_t now);

  // Uplink host duties (l3/neighbors.cc).
  void on_uplink_arp(Fabric& f, Packet* p);
  void learn_neighbor(Fabric& f, uint32_t ip, uint64_t mac);
  void send_arp_request(Fabric& f, uint32_t target);
  void send_gratuitous_arp(Fabric& f);
  void release_held(Neighbor& n);

  // Generated replies and errors (l3/icmp_out.cc).
  void answer_echo(Fabric& f, Packet* p, Ipv4Packet& ip, uint64_t own_mac);
  void send_icmp_error(Fabric& f, const Packet* p, const Ipv4Packet& ip, uint8_t type, uint8_t code, uint16_t mtu,
                       uint32_t src_ip, uint64_t own_mac);
  Packet* new_packet();

  PacketPool& pool_;
  UplinkConfig uplink_;
  bool has_uplink_ = false;
  std::unordered_map<uint32_t, Endpoint> endpoints_;
  std::unordered_map<uint32_t, Published> published_;
  std::unordered_map<uint32_t, Neighbor> neighbors_;
  std::vector<uint32_t> pending_;  // neighbors being resolved
  PrefixTable networks_;
  std::vector<Packet*> finished_;
  uint32_t icmp_errors_this_second_ = 0;
  uint64_t rng_ = 0x2545F4914F6CDD1Dull;
};

}  // namespace ferry
