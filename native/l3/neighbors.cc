// The router's host duties on the uplink: answering ARP for the external
// address, resolving next hops, and announcing itself. Linux's neighbour
// rules, reduced: learn a sender's MAC from a request aimed at us or from any
// ARP of a neighbor we already know or are resolving; hold up to
// kHoldPerNeighbor packets while resolving; give up after three requests.
#include "core/checksum.h"
#include "l2/ethernet.h"
#include "l3/router.h"

namespace ferry {

namespace {

constexpr uint32_t kArpLen = 28;
constexpr uint16_t kArpRequest = 1, kArpReply = 2;
constexpr uint64_t kBroadcast = 0xffffffffffffull;

// Writes an Ethernet + ARP frame for IPv4 over Ethernet.
void write_arp(uint8_t* f, uint16_t op, uint64_t eth_dst, uint64_t sha, uint32_t spa, uint64_t tha, uint32_t tpa) {
  store_mac(f, eth_dst);
  store_mac(f + 6, sha);
  store16(f + 12, kEtherTypeARP);
  uint8_t* a = f + kEthHdrLen;
  store16(a, 1);       // Ethernet
  store16(a + 2, kEtherTypeIPv4);
  a[4] = 6;
  a[5] = 4;
  store16(a + 6, op);
  store_mac(a + 8, sha);
  store32(a + 14, spa);
  store_mac(a + 18, tha);
  store32(a + 24, tpa);
}

}  // namespace

void RouterStage::on_uplink_arp(Fabric& f, Packet* p) {
  if (p->len < kEthHdrLen + kArpLen) {
    p->drop(DropReason::not_for_us);
    return;
  }
  const uint8_t* a = p->data + kEthHdrLen;
  if (load16(a) != 1 || load16(a + 2) != kEtherTypeIPv4 || a[4] != 6 || a[5] != 4) {
    p->drop(DropReason::not_for_us);
    return;
  }
  const uint16_t op = load16(a + 6);
  const uint64_t sha = load_mac(a + 8);
  const uint32_t spa = load32(a + 14), tpa = load32(a + 24);
  const bool for_us = tpa == uplink_.ip;
  if (spa != 0 && spa != uplink_.ip && (for_us || neighbors_.count(spa))) learn_neighbor(f, spa, sha);
  if (op == kArpRequest && for_us) {
    write_arp(p->data, kArpReply, sha, uplink_.mac, uplink_.ip, sha, spa);  // answer in place
    p->len = kEthHdrLen + kArpLen;
    p->vnet = VnetHdr{};
    f.enqueue(f.ports[uplink_.port].get(), p);
    counters.arp_replies++;
    return;
  }
  if (op == kArpReply || op == kArpRequest) {
    p->consumed = true;
  } else {
    p->drop(DropReason::not_for_us);
  }
}

void RouterStage::learn_neighbor(Fabric& f, uint32_t ip, uint64_t mac) {
  Neighbor& n = neighbors_[ip];
  if (!n.resolved) counters.neighbors_learned++;
  n.mac = mac;
  n.resolved = true;
  Port* up = f.port(uplink_.port);
  for (uint32_t i = 0; i < n.nheld; i++) {
    Packet* q = n.held[i];
    store_mac(q->data + EthOffsets::dst, mac);
    q->held = false;
    if (up) f.enqueue(up, q);
    finished_.push_back(q);  // freed after this run's transmit
  }
  n.nheld = 0;
}

void RouterStage::send_arp_request(Fabric& f, uint32_t target) {
  Packet* q = new_packet();
  if (!q) return;
  write_arp(q->data, kArpRequest, kBroadcast, uplink_.mac, uplink_.ip, 0, target);
  q->len = kEthHdrLen + kArpLen;
  f.enqueue(f.ports[uplink_.port].get(), q);
  counters.arp_requests++;
}

void RouterStage::send_gratuitous_arp(Fabric& f) {
  Packet* q = new_packet();
  if (!q) return;
  write_arp(q->data, kArpRequest, kBroadcast, uplink_.mac, uplink_.ip, 0, uplink_.ip);
  q->len = kEthHdrLen + kArpLen;
  f.enqueue(f.ports[uplink_.port].get(), q);
}

void RouterStage::set_uplink(const UplinkConfig& u, Fabric& f) {
  clear_uplink(f);
  uplink_ = u;
  has_uplink_ = true;
  f.uplink_port = u.port;
  send_gratuitous_arp(f);  // neighbors that cached another MAC for the address learn ours
}

void RouterStage::clear_uplink(Fabric& f) {
  for (auto& n : neighbors_)
    for (uint32_t i = 0; i < n.second.nheld; i++) pool_.put(n.second.held[i]);
  neighbors_.clear();
  pending_.clear();
  ct.flush();
  has_uplink_ = false;
  f.uplink_port = kNoPort;
}

}  // namespace ferry
