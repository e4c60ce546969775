#include "l3/router.h"

#include "l2/bridge_stage.h"
#include "l2/ethernet.h"
#include "nat/rewrite.h"

namespace ferry {

namespace {

constexpr uint16_t kFirstNatPort = 1024;
constexpr uint32_t kNatPortSpan = 65536 - kFirstNatPort;
constexpr uint32_t kNatPortTries = 4096;

}  // namespace

bool RouterStage::publish(uint8_t proto, uint16_t port, const Published& p) {
  return published_.emplace(key_of(proto, port), p).second;
}

void RouterStage::process(Batch& batch, Fabric& f, uint32_t now) {
  for (uint32_t i = 0; i < batch.n; i++) {
    Packet* p = batch.pkts[i];
    if (p->dropped || p->consumed) continue;
    if (has_uplink_ && p->in_port == uplink_.port) {
      EthernetView eth(p->data);
      if (eth.outer_type() == kEtherTypeARP) {
        on_uplink_arp(f, p);
      } else if (eth.dst() != uplink_.mac || eth.outer_type() != kEtherTypeIPv4) {
        p->drop(DropReason::not_for_us);
      } else {
        route(f, p, kFromUplink, now);
      }
    } else if (p->to_router) {
      route(f, p, f.ports[p->in_port]->domain, now);
    } else if (p->in_port == f.uplink_port) {
      p->drop(DropReason::not_for_us);  // an uplink port whose router config is gone
    }
  }
}

void RouterStage::route(Fabric& f, Packet* p, uint32_t from, uint32_t now) {
  Ipv4Packet ip;
  if (!ip.parse(p->data + kEthHdrLen, p->len - kEthHdrLen) ||
      (!vnet_is_gso(p->vnet) && ip.total_len() > p->len - kEthHdrLen)) {
    p->drop(DropReason::bad_ip);
    return;
  }
  const bool from_uplink = from == kFromUplink;
  Domain* src_domain = from_uplink ? nullptr : f.domain(from);
  if (!from_uplink && !src_domain) {
    p->drop(DropReason::no_domain);
    return;
  }
  const uint32_t own_ip = from_uplink ? uplink_.ip : src_domain->l3.gateway;
  const uint64_t own_mac = from_uplink ? uplink_.mac : src_domain->l3.router_mac;
  if (!from_uplink && src_domain->l3.internal) {
    p->drop(DropReason::no_egress);
    return;
  }
  if (ip.is_fragment()) {
    p->drop(DropReason::ip_fragment);
    return;
  }
  FlowKey key;
  bool icmp_error;
  if (!flow_key_of(ip, &key, &icmp_error)) {
    p->drop(DropReason::bad_ip);
    return;
  }
  if (icmp_error) {
    route_icmp_error(f, p, ip, now);
    return;
  }
  if (has_uplink_ && key.dst == uplink_.ip && key.proto == kProtoIcmp && ip.l4[0] == kIcmpEchoRequest) {
    answer_echo(f, p, ip, own_mac);
    return;
  }

  uint32_t index, dir;
  FlowKey out;
  const uint32_t ref = ct.lookup(key, now);
  if (ref != Conntrack::kNil) {
    index = ref >> 1;
    dir = ref & 1;
    out = ct.entry(index).key[1 - dir].inverse();
  } else {
    if (!new_flow(f, p, key, from, now, &out, &index)) return;
    dir = 0;
  }

  Hop hop;
  if (!find_route(out.dst, f, &hop)) {
    p->drop(DropReason::no_route);
    return;
  }
  if (ip.ttl() <= 1) {
    send_icmp_error(f, p, ip, kIcmpTimeExceeded, 0, 0, own_ip, own_mac);
    p->drop(DropReason::ttl_exceeded);
    return;
  }
  // Per segment for a GSO frame: what will be on the wire after segmentation.
  const uint32_t l3_len = vnet_is_gso(p->vnet) ? p->vnet.hdr_len - kEthHdrLen + p->vnet.gso_size : ip.total_len();
  if (l3_len > hop.mtu) {
    if (ip.dont_fragment() || vnet_is_gso(p->vnet))
      send_icmp_error(f, p, ip, kIcmpUnreachable, kIcmpFragNeeded, uint16_t(hop.mtu), own_ip, own_mac);
    p->drop(DropReason::mtu_exceeded);  // the NAT does not fragment (nor reassemble)
    return;
  }
  ct.on_packet(index, int(dir), key.proto == kProtoTcp ? ip.l4[kTcpFlagsAt] : 0, now);
  rewrite_flow(p, ip, key, out);
  decrement_ttl(ip);
  if (hop.to_uplink) {
    counters.routed_out++;
  } else if (from_uplink) {
    counters.routed_in++;
  }
  transmit(f, p, hop, now);
}

bool RouterStage::new_flow(Fabric& f, Packet* p, const FlowKey& key, uint32_t from, uint32_t now, FlowKey* out,
                           uint32_t* index) {
  const bool from_uplink = from == kFromUplink;
  FlowKey target = key;
  uint8_t flags = 0;
  if (has_uplink_ && key.dst == uplink_.ip) {
    auto it = (key.proto == kProtoTcp || key.proto == kProtoUdp) ? published_.find(key_of(key.proto, key.dport))
                                                                 : published_.end();
    if (it == published_.end() || (it->second.bind_ip && it->second.bind_ip != key.dst)) {
      p->drop(DropReason::unpublished);
      return false;
    }
    target.dst = it->second.target_ip;
    target.dport = it->second.target_port;
    flags |= kCtDnat;
    counters.dnat++;
    if (!from_uplink) {  // hairpin: the answer must come back through Ferry to be un-NATed
      target.src = uplink_.ip;
      flags |= kCtSnat;
      counters.hairpin++;
    }
  } else if (from_uplink) {
    p->drop(DropReason::unsolicited);
    return false;
  } else {
    if (endpoints_.count(key.dst) || networks_.match(key.dst) != PrefixTable::kNone) {
      p->drop(DropReason::isolated);
      return false;
    }
    if (!has_uplink_) {
      p->drop(DropReason::no_route);
      return false;
    }
    if (f.domain(from)->l3.masquerade) {
      target.src = uplink_.ip;
      flags |= kCtSnat;
    }
  }
  FlowKey reply = target.inverse();
  if (flags & kCtSnat) {
    if (!pick_port(&reply, key.sport, now)) {
      p->drop(DropReason::nat_ports_exhausted);
      return false;
    }
    counters.snat++;
  } else if (ct.contains(reply, now)) {
    p->drop(DropReason::nat_ports_exhausted);  // its answers would be taken for another flow's
    return false;
  }
  *index = ct.create(key, reply, flags, now);
  if (*index == Conntrack::kNil) {
    p->drop(DropReason::conntrack_full);
    return false;
  }
  *out = reply.inverse();
  return true;
}

// Chooses the external port (or ICMP identifier) of a flow given the external
// address: its reply key must be new, and a published port is never used.
// The sender's own port is kept when it is free, as Linux does.
bool RouterStage::pick_port(FlowKey* reply, uint16_t preferred, uint32_t now) {
  const bool icmp = reply->proto == kProtoIcmp;
  uint16_t* slot = icmp ? &reply->sport : &reply->dport;
  auto usable = [&](uint16_t port) {
    *slot = port;
    if (!icmp && published_.count(key_of(reply->proto, port))) return false;
    return !ct.contains(*reply, now);
  };
  if ((icmp || preferred >= kFirstNatPort) && usable(preferred)) return true;
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  const uint32_t start = uint32_t(rng_ % kNatPortSpan);
  for (uint32_t i = 0; i < kNatPortTries; i++)
    if (usable(uint16_t(kFirstNatPort + (start + i) % kNatPortSpan))) return true;
  return false;
}

bool RouterStage::find_route(uint32_t dst, Fabric& f, Hop* hop) {
  auto ep = endpoints_.find(dst);
  if (ep != endpoints_.end()) {
    Domain* d = f.domain(ep->second.domain);
    if (!d) return false;
    hop->to_uplink = false;
    hop->domain = d;
    hop->mac = ep->second.mac;
    hop->mtu = d->l3.mtu;
    return true;
  }
  if (!has_uplink_ || networks_.match(dst) != PrefixTable::kNone || f.host_addrs.count(dst)) return false;
  const bool on_link = (dst & uplink_.mask) == (uplink_.ip & uplink_.mask);
  hop->to_uplink = true;
  hop->next_hop = on_link ? dst : uplink_.gateway;
  hop->mtu = uplink_.mtu;
  return hop->next_hop != 0;
}

void RouterStage::transmit(Fabric& f, Packet* p, const Hop& hop, uint32_t now) {
  if (!hop.to_uplink) {
    Domain& d = *hop.domain;
    store_mac(p->data + EthOffsets::dst, hop.mac);
    store_mac(p->data + EthOffsets::src, d.l3.router_mac);
    const MacEntry* e = d.macs.find(hop.mac);
    if (e) {
      f.enqueue(f.ports[e->port].get(), p);
    } else {
      p->in_port = d.l3.host_port;  // routed frames come from the gateway's side
      BridgeStage::flood(f, d, p);
    }
    return;
  }
  auto it = neighbors_.find(hop.next_hop);
  if (it != neighbors_.end() && it->second.resolved) {
    store_mac(p->data + EthOffsets::dst, it->second.mac);
    store_mac(p->data + EthOffsets::src, uplink_.mac);
    f.enqueue(f.ports[uplink_.port].get(), p);
    return;
  }
  if (it == neighbors_.end()) {
    if (pending_.size() >= kMaxPendingNeighbors) {
      p->drop(DropReason::hold_full);
      return;
    }
    it = neighbors_.emplace(hop.next_hop, Neighbor{}).first;
    pending_.push_back(hop.next_hop);
    it->second.requested_at = now;
    it->second.tries = 1;
    send_arp_request(f, hop.next_hop);
  }
  Neighbor& n = it->second;
  if (n.nheld == kHoldPerNeighbor) {
    p->drop(DropReason::hold_full);
    return;
  }
  store_mac(p->data + EthOffsets::src, uplink_.mac);
  p->held = true;
  n.held[n.nheld++] = p;
  counters.held++;
}

void RouterStage::route_icmp_error(Fabric& f, Packet* p, Ipv4Packet& ip, uint32_t now) {
  Ipv4Packet quoted;
  FlowKey inner;
  bool nested;
  if (ip.l4_len < 8 || !quoted.parse(ip.l4 + 8, ip.l4_len - 8) || !flow_key_of(quoted, &inner, &nested) || nested) {
    p->drop(DropReason::icmp_error_no_flow);
    return;
  }
  const uint32_t ref = ct.lookup(inner.inverse(), now);
  if (ref == Conntrack::kNil) {
    p->drop(DropReason::icmp_error_no_flow);
    return;
  }
  const ConntrackEntry& e = ct.entry(ref >> 1);
  const FlowKey& was = e.key[ref & 1];
  const FlowKey& into = e.key[1 - (ref & 1)];
  // The error goes to whoever sent the quoted packet, in that sender's terms;
  // a router on the path keeps its own address as the source.
  const uint32_t src = ip.src() == was.src ? into.dst : ip.src();
  Hop hop;
  if (!find_route(into.src, f, &hop)) {
    p->drop(DropReason::no_route);
    return;
  }
  if (ip.ttl() <= 1) {
    p->drop(DropReason::ttl_exceeded);  // never an error about an error
    return;
  }
  rewrite_icmp_error(ip, quoted, into, src, into.src);
  decrement_ttl(ip);
  counters.icmp_errors_mapped++;
  transmit(f, p, hop, now);
}

Packet* RouterStage::new_packet() {
  Packet* q = pool_.get();
  if (!q) {
    counters.pool_empty++;
    return nullptr;
  }
  finished_.push_back(q);
  return q;
}

void RouterStage::tick(Fabric& f, uint32_t now) {
  ct.sweep(now);
  icmp_errors_this_second_ = 0;
  for (size_t i = 0; i < pending_.size();) {
    auto it = neighbors_.find(pending_[i]);
    if (it == neighbors_.end() || it->second.resolved) {
      pending_[i] = pending_.back();
      pending_.pop_back();
      continue;
    }
    Neighbor& n = it->second;
    if (now - n.requested_at >= 1) {
      if (n.tries < 3) {
        n.tries++;
        n.requested_at = now;
        send_arp_request(f, it->first);
      } else {  // no answer to three requests: give up, as Linux's ucast/mcast_solicit
        if (Port* up = f.port(uplink_.port)) up->counters.drops[int(DropReason::neighbor_unresolved)] += n.nheld;
        for (uint32_t k = 0; k < n.nheld; k++) pool_.put(n.held[k]);
        neighbors_.erase(it);
        pending_[i] = pending_.back();
        pending_.pop_back();
        continue;
      }
    }
    i++;
  }
}

}  // namespace ferry
