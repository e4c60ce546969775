// A neighbour table of one port that Ferry speaks IP on as an address of its
// own (the uplink; an ipvlan l3 parent, as the host's address there): next
// hop address -> MAC, with the packets waiting for an answer. Linux's
// neighbour rules, reduced: learn a sender's MAC from a request aimed at us
// or from any answer of a neighbour we already know or are resolving; hold
// up to kHoldPerNeighbor packets while resolving (as arp_queue); give up
// after three requests a second apart (as ucast/mcast_solicit).
//
// One table per protocol: Arp (IPv4, below) and Ndisc (IPv6 neighbour
// discovery, l3/ndisc.h) say how an address is asked for; the table, its
// hold queues and its retries are the same code.
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/stage.h"
#include "l2/ethernet.h"
#include "l2/vlan.h"

namespace ferry {

// Who asks: the port, the address and MAC the requests carry, and the
// 802.1Q VLAN they are tagged with there (0: none).
template <typename Addr>
struct NeighborSourceOf {
  uint32_t port = kNoPort;
  Addr ip{};
  uint64_t mac = 0;
  uint16_t vlan = 0;
};

// What NeighborTable::send did with a packet for a next hop.
enum class NeighborSent : uint8_t { known, held, asked, hold_full, no_port };

template <typename Protocol>
class NeighborTable {
 public:
  using Addr = typename Protocol::Addr;
  using Source = NeighborSourceOf<Addr>;
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

  void set_source(const Source& s) { source_ = s; }
  const Source& source() const { return source_; }

  Neighbor* find(const Addr& ip) {
    auto it = table_.find(ip);
    return it == table_.end() ? nullptr : &it->second;
  }
  const Neighbor* find(const Addr& ip) const {
    auto it = table_.find(ip);
    return it == table_.end() ? nullptr : &it->second;
  }

  using Sent = NeighborSent;
  // Sends p (its source MAC already set) to hop's MAC if known; else holds it
  // while a request asks (in a dry run: holds nothing, asks nothing). Sets p->next.
  Sent send(StageContext& ctx, Packet* p, const Addr& hop) {
    Port* out = ctx.port(source_.port);
    Neighbor* nb = find(hop);
    if (!out) {
      p->next = kNodeDrop;
      return Sent::no_port;
    }
    if (nb && nb->resolved) {
      store_mac(p->data + EthOffsets::dst, nb->mac);
      ctx.tx(out, p);
      p->next = kNodeSent;
      return Sent::known;
    }
    if (ctx.dry_run) {  // it would be held while the request asks; a dry run holds nothing
      p->next = kNodeSent;
      return nb ? Sent::held : Sent::asked;
    }
    const bool asking = !nb;
    if (!nb) nb = resolve(ctx, hop);
    if (!nb || nb->nheld == kHoldPerNeighbor) {
      p->next = kNodeDrop;
      return Sent::hold_full;
    }
    nb->held[nb->nheld++] = p;
    p->next = kNodeHeld;
    return asking ? Sent::asked : Sent::held;
  }

  // Starts resolving ip (one request sent); nullptr when too many are pending.
  Neighbor* resolve(StageContext& ctx, const Addr& ip) {
    if (pending_.size() >= kMaxPending) return nullptr;
    Neighbor& n = table_[ip];
    pending_.push_back(ip);
    n.requested_at = ctx.now;
    n.tries = 1;
    send_request(ctx, ip);
    return &n;
  }

  // The neighbour answered: its held packets leave now. Returns true if it was new.
  bool learn(StageContext& ctx, const Addr& ip, uint64_t mac) {
    Neighbor& n = table_[ip];
    const bool fresh = !n.resolved;
    n.mac = mac;
    n.resolved = true;
    Port* out = ctx.port(source_.port);
    for (uint32_t i = 0; i < n.nheld; i++) {
      Packet* q = n.held[i];
      store_mac(q->data + EthOffsets::dst, mac);
      if (out) ctx.tx(out, q);
      ctx.release(q);  // freed after this run's transmit
    }
    n.nheld = 0;
    return fresh;
  }

  // Once a second: retries, and held packets given up after the last try.
  void tick(StageContext& ctx, uint16_t unresolved_reason) {
    for (size_t i = 0; i < pending_.size();) {
      auto it = table_.find(pending_[i]);
      if (it == table_.end() || it->second.resolved) {
        pending_[i] = pending_.back();
        pending_.pop_back();
        continue;
      }
      Neighbor& n = it->second;
      if (ctx.now - n.requested_at >= 1) {
        if (n.tries < kTries) {
          n.tries++;
          n.requested_at = ctx.now;
          send_request(ctx, it->first);
        } else {  // no answer to three requests: give up, as Linux's ucast/mcast_solicit
          for (uint32_t k = 0; k < n.nheld; k++) ctx.drop_held(n.held[k], unresolved_reason);
          table_.erase(it);
          pending_[i] = pending_.back();
          pending_.pop_back();
          continue;
        }
      }
      i++;
    }
  }

  bool pending() const { return !pending_.empty(); }
  size_t size() const { return table_.size(); }

  // The port changed or went: every neighbour and held packet forgotten.
  void clear(StageContext& ctx) {
    for (auto& n : table_)
      for (uint32_t i = 0; i < n.second.nheld; i++) ctx.free(n.second.held[i]);
    table_.clear();
    pending_.clear();
  }

  void send_request(StageContext& ctx, const Addr& target) {
    Packet* q = ctx.new_packet();
    Port* out = ctx.port(source_.port);
    if (!q || !out) return;
    q->len = Protocol::write_request(q->data, source_, target);
    if (source_.vlan) push_vlan(q, source_.vlan);  // a fresh packet has the headroom
    ctx.tx(out, q);
    requests_sent++;
  }
  // Tells the segment our address is ours (after a MAC change): a request for it.
  void announce(StageContext& ctx) { send_request(ctx, source_.ip); }

  uint64_t requests_sent = 0;

 private:
  Source source_;
  std::unordered_map<Addr, Neighbor, typename Protocol::Hash> table_;
  std::vector<Addr> pending_;  // neighbours being resolved
};

// Writes an Ethernet + ARP frame for IPv4 over Ethernet; returns its length.
uint32_t write_arp(uint8_t* f, uint16_t op, uint64_t eth_dst, uint64_t sha, uint32_t spa, uint64_t tha, uint32_t tpa);
constexpr uint16_t kArpRequest = 1, kArpReply = 2;

// IPv4: who-has requests, broadcast.
struct Arp {
  using Addr = uint32_t;
  using Hash = std::hash<uint32_t>;
  static uint32_t write_request(uint8_t* f, const NeighborSourceOf<uint32_t>& s, uint32_t target) {
    return write_arp(f, kArpRequest, 0xffffffffffffull, s.mac, s.ip, 0, target);
  }
};

using Neighbors = NeighborTable<Arp>;
using NeighborSource = Neighbors::Source;

}  // namespace ferry
