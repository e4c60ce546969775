#include "l3/neighbors.h"

#include "core/bytes.h"
#include "l2/ethernet.h"

namespace ferry {

namespace {
constexpr uint64_t kBroadcast = 0xffffffffffffull;
}

uint32_t write_arp(uint8_t* f, uint16_t op, uint64_t eth_dst, uint64_t sha, uint32_t spa, uint64_t tha, uint32_t tpa) {
  store_mac(f, eth_dst);
  store_mac(f + 6, sha);
  store16(f + 12, kEtherTypeARP);
  uint8_t* a = f + kEthHdrLen;
  store16(a, 1);  // Ethernet
  store16(a + 2, kEtherTypeIPv4);
  a[4] = 6;
  a[5] = 4;
  store16(a + 6, op);
  store_mac(a + 8, sha);
  store32(a + 14, spa);
  store_mac(a + 18, tha);
  store32(a + 24, tpa);
  return kEthHdrLen + kArpLen;
}

void Neighbors::send_request(StageContext& ctx, uint32_t target) {
  Packet* q = ctx.new_packet();
  Port* up = ctx.port(source_.port);
  if (!q || !up) return;
  q->len = write_arp(q->data, kArpRequest, kBroadcast, source_.mac, source_.ip, 0, target);
  ctx.tx(up, q);
  requests_sent++;
}

void Neighbors::announce(StageContext& ctx) { send_request(ctx, source_.ip); }

Neighbors::Sent Neighbors::send(StageContext& ctx, Packet* p, uint32_t hop) {
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
  if (ctx.dry_run) {  // it would be held while ARP asks; a dry run holds nothing
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

Neighbors::Neighbor* Neighbors::resolve(StageContext& ctx, uint32_t ip) {
  if (pending_.size() >= kMaxPending) return nullptr;
  Neighbor& n = table_[ip];
  pending_.push_back(ip);
  n.requested_at = ctx.now;
  n.tries = 1;
  send_request(ctx, ip);
  return &n;
}

bool Neighbors::learn(StageContext& ctx, uint32_t ip, uint64_t mac) {
  Neighbor& n = table_[ip];
  const bool fresh = !n.resolved;
  n.mac = mac;
  n.resolved = true;
  Port* up = ctx.port(source_.port);
  for (uint32_t i = 0; i < n.nheld; i++) {
    Packet* q = n.held[i];
    store_mac(q->data + EthOffsets::dst, mac);
    if (up) ctx.tx(up, q);
    ctx.release(q);  // freed after this run's transmit
  }
  n.nheld = 0;
  return fresh;
}

void Neighbors::tick(StageContext& ctx, uint16_t unresolved_reason) {
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

void Neighbors::clear(StageContext& ctx) {
  for (auto& n : table_)
    for (uint32_t i = 0; i < n.second.nheld; i++) ctx.free(n.second.held[i]);
  table_.clear();
  pending_.clear();
}

}  // namespace ferry
