#include "vxlan/neighbor_proxy_stage.h"

#include <cstdio>
#include <cstring>

#include "l2/ethernet.h"
#include "l3/ndisc.h"
#include "l3/neighbors.h"

namespace ferry {

namespace {

enum class ProxyDecision : uint8_t { passed, arp, nd };
struct ProxyTrace {
  ProxyDecision decision;
  uint64_t mac;
};

}  // namespace

void NeighborProxyStage::set(uint32_t domain, const IpKey& ip, uint64_t mac) {
  if (tables_.size() <= domain) tables_.resize(domain + 1);
  if (!tables_[domain]) tables_[domain] = std::make_unique<Table>();
  Table& t = *tables_[domain];
  if (mac) {
    if (t.insert_or_assign(ip, mac).second) entries_++;
  } else if (t.erase(ip)) {
    entries_--;
  }
}

void NeighborProxyStage::clear_domain(uint32_t domain) {
  if (domain >= tables_.size() || !tables_[domain]) return;
  entries_ -= tables_[domain]->size();
  tables_[domain].reset();
}

// Turns the request in place into the reply, back where it came from.
bool NeighborProxyStage::answer_arp(StageContext& ctx, Packet* p, const Table& t) {
  EthernetView eth(p->data);
  const uint32_t l3 = eth.header_len();
  if (eth.payload_type() != kEtherTypeARP || p->len < l3 + kArpLen) return false;
  uint8_t* a = p->data + l3;
  if (load16(a + 6) != kArpRequest) return false;
  auto it = t.find(IpKey::v4(load32(a + 24)));
  // The owner asking for its own address (a probe, a gratuitous request) is not answered.
  if (it == t.end() || it->second == eth.src()) return false;
  const uint64_t asker = load_mac(a + 8);
  const uint32_t asker_ip = load32(a + 14), target = load32(a + 24);
  store_mac(p->data + EthOffsets::dst, eth.src());
  store_mac(p->data + EthOffsets::src, it->second);
  store16(a + 6, kArpReply);
  store_mac(a + 8, it->second);
  store32(a + 14, target);
  store_mac(a + 18, asker);
  store32(a + 24, asker_ip);
  if (p->trace) ctx.trace(p, ProxyTrace{ProxyDecision::arp, it->second});
  return true;
}

// A solicitation for a known address gets an advertisement, written anew.
bool NeighborProxyStage::answer_nd(StageContext& ctx, Packet* p, const Table& t) {
  EthernetView eth(p->data);
  const uint32_t l3 = eth.header_len();
  uint8_t type;
  IpKey who, target;
  uint64_t mac;
  if (eth.payload_type() != kEtherTypeIPv6 || !read_neighbor_message(p->data, p->len, l3, &type, &who, &mac, &target) || type != kNdSolicitation)
    return false;
  auto it = t.find(target);
  // The owner's duplicate address detection must not hear its own address is taken.
  if (it == t.end() || it->second == eth.src()) return false;
  const IpKey to = who == IpKey{} ? IpKey{0xff02000000000000ull, 1} : who;  // from :: (DAD): all nodes
  const uint64_t to_mac = who == IpKey{} ? 0x333300000001ull : eth.src();
  p->len = write_neighbor_advertisement(p->data, it->second, target, to_mac, to);
  if (p->trace) ctx.trace(p, ProxyTrace{ProxyDecision::nd, it->second});
  return true;
}

void NeighborProxyStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  NeighborProxyCounters& c = ctx.dry_run ? scratch : counters;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    const Domain* d = domains_.of_port(p->in_port);
    const Table* t = d ? table_of(d->id) : nullptr;
    if (t && !t->empty() && mac_is_group(EthernetView(p->data).dst())) {
      const bool arp = answer_arp(ctx, p, *t);
      if (arp || answer_nd(ctx, p, *t)) {
        p->vnet = VnetHdr{};
        ctx.tx(ctx.port(p->in_port), p);
        sent(p);
        (arp ? c.arp_answered : c.nd_answered)++;
        continue;
      }
    }
    p->next = next_of(Next::forward);
    c.passed++;
    if (p->trace) ctx.trace(p, ProxyTrace{ProxyDecision::passed, 0});
  }
}

std::string NeighborProxyStage::format_trace(const uint8_t* record, uint32_t len) const {
  ProxyTrace t;
  std::memcpy(&t, record, sizeof t);
  if (t.decision == ProxyDecision::passed) return "not a question about a known address: to the bridge";
  return std::string(t.decision == ProxyDecision::arp ? "ARP request" : "neighbour solicitation") + " answered here: " + format_mac(t.mac);
}

}  // namespace ferry
