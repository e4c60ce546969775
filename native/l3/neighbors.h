// A neighbour table (Ferry's ARP cache) of one port that Ferry speaks IPv4
// on as an address of its own (the uplink; an ipvlan l3 parent, as the
// host's address there): next hop address -> MAC,
// with the packets waiting for an answer. Linux's neighbour rules, reduced:
// learn a sender's MAC from a request aimed at us or from any ARP of a
// neighbour we already know or are resolving; hold up to kHoldPerNeighbor
// packets while resolving (as arp_queue); give up after three requests a
// second apart (as ucast/mcast_solicit). Shared by the uplink stage, which
// learns, and the neighbour stage, which resolves and sends.
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/stage.h"

namespace ferry {

// Who asks: the port, and the address and MAC the requests carry.
struct NeighborSource {
  uint32_t port = kNoPort;
  uint32_t ip = 0;
  uint64_t mac = 0;
};

class Neighbors {
 public:
  static constexpr uint32_t kHoldPerNeighbor = 4;
  static constexpr uint32_t kMaxPending = 64;
  static constexpr uint32_t kTries = 3;

  struct Neighbor {
    uint64_t mac = 0;
    bool resolved = false;
    uint32_t requested_at = 0;
    uint8_t tries = 0;
    uint8_t nheld = 0;
    Packet* held[kHoldPerNeighbor] = {};
  };

  void set_source(const NeighborSource& s) { source_ = s; }
  const NeighborSource& source() const { return source_; }

  // What send() did with a packet for next hop `hop` on the source's port.
  enum class Sent : uint8_t { known, held, asked, hold_full, no_port };
  // Sends p (its source MAC already set) to hop's MAC if known; else holds it
  // while ARP asks (in a dry run: holds nothing, asks nothing). Sets p->next.
  Sent send(StageContext& ctx, Packet* p, uint32_t hop);

  Neighbor* find(uint32_t ip) {
    auto it = table_.find(ip);
    return it == table_.end() ? nullptr : &it->second;
  }
  const Neighbor* find(uint32_t ip) const {
    auto it = table_.find(ip);
    return it == table_.end() ? nullptr : &it->second;
  }
  // Starts resolving ip (one ARP request sent); nullptr when too many are pending.
  Neighbor* resolve(StageContext& ctx, uint32_t ip);
  // The neighbour answered: its held packets leave now. Returns true if it was new.
  bool learn(StageContext& ctx, uint32_t ip, uint64_t mac);
  // Once a second: retries, and held packets given up after the last try.
  void tick(StageContext& ctx, uint16_t unresolved_reason);
  bool pending() const { return !pending_.empty(); }
  size_t size() const { return table_.size(); }
  // The uplink changed: every neighbour and held packet forgotten.
  void clear(StageContext& ctx);

  void send_request(StageContext& ctx, uint32_t target);
  // Tells the segment the external address is ours (after a MAC change).
  void announce(StageContext& ctx);

  uint64_t requests_sent = 0;

 private:
  NeighborSource source_;
  std::unordered_map<uint32_t, Neighbor> table_;
  std::vector<uint32_t> pending_;  // neighbours being resolved
};

// Writes an Ethernet + ARP frame for IPv4 over Ethernet; returns its length.
uint32_t write_arp(uint8_t* f, uint16_t op, uint64_t eth_dst, uint64_t sha, uint32_t spa, uint64_t tha, uint32_t tpa);
constexpr uint16_t kArpRequest = 1, kArpReply = 2;

}  // namespace ferry
