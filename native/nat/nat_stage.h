// The NAT: connection tracking and address translation, as a stage between
// IPv4 input and forwarding. For each packet it finds the flow in conntrack
// (one hash probe; the direction it is found in says which translation
// applies) or decides what a new flow becomes: SNAT to the external address,
// DNAT to a published port, both for a hairpin, nothing for a network with
// masquerading off, or a refusal with its reason (isolated networks, an
// unpublished port, an unsolicited packet from outside). An ICMP error is
// mapped back to the flow it quotes. It decides; it does not rewrite:
// forwarding checks TTL and MTU first, so an ICMP error it sends quotes the
// packet as its sender sent it, then rewrites (nat/rewrite.h).
//
// Like Linux's conntrack in PREROUTING, a packet updates its flow's state
// and timeout here, before routing.
//
// One template serves both families (nat/family.h): `nat` for IPv4, `nat6`
// for IPv6, each with its own table. NAT66 masquerades as Docker's ip6tables
// rules do; a network with gateway_mode_ipv6=routed is not translated, and
// takes new flows from the world to its published ports and ICMPv6 echo, as
// Docker 28's routed mode does.
#pragma once
#include <cstring>
#include <unordered_map>

#include "core/stage.h"
#include "l2/domains.h"
#include "l3/routes.h"
#include "nat/conntrack.h"
#include "nat/family.h"

#define FERRY_NAT_DROPS(X)                                                  \
  X(isolated, "towards another network: bridge networks are isolated")      \
  X(no_route, "no uplink, or no route to the destination")                  \
  X(unpublished, "to the external address, or a routed network's container, on a port that is not published") \
  X(unsolicited, "from the uplink, not a reply to any tracked flow")        \
  X(conntrack_full, "new flow refused: the conntrack table is full")        \
  X(nat_ports_exhausted, "no free external port for a new flow")            \
  X(icmp_error_no_flow, "ICMP error about a flow that is not tracked")                     \
  X(icmp_error_forged, "ICMP error from a container about a flow that is not its own")

#define FERRY_NAT_COUNTERS(X)                                                 \
  X(tracked, "packets of a flow already tracked")                            \
  X(snat, "new flows given the external address")                            \
  X(dnat, "new flows to a published port")                                   \
  X(hairpin, "new flows from a container to a published port (both NATs)")  \
  X(unchanged, "new flows routed without translation (masquerade off)")      \
  X(icmp_errors_mapped, "ICMP errors translated back to the flow they quote")

namespace ferry {

struct NatCounters {
  FERRY_NAT_COUNTERS(FERRY_COUNTER_FIELD)
};

template <typename Addr>
struct PublishedOf {  // one -p mapping on the external address
  Addr bind_ip;  // zero: any; else must equal the destination
  Addr target_ip;
  uint16_t target_port;
};
using Published = PublishedOf<uint32_t>;
using Published6 = PublishedOf<IpKey>;

template <typename F>
class NatStageOf : public Stage {
 public:
  using Addr = typename F::Addr;
  using Key = typename F::Key;
  using Table = ConntrackOf<Key>;
  using Meta = typename F::Meta;
  enum class Next { forward };

  NatStageOf(const Routes& routes, uint32_t conntrack_max) : ct(conntrack_max), routes_(routes) {}
  static constexpr const char* kName = F::kNatName;
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void tick(StageContext& ctx) override { ct.sweep(ctx.now); }
  bool needs_tick() const override { return ct.size() > 0; }
  void for_each_counter(const CounterVisitor& visit) const override {
    const NatCounters& c = counters;
    FERRY_NAT_COUNTERS(FERRY_COUNTER_VISIT)
  }

  bool publish(uint8_t proto, uint16_t port, const PublishedOf<Addr>& p);
  bool unpublish(uint8_t proto, uint16_t port);

  Table ct;
  NatCounters counters, scratch;

 private:
  static uint32_t key_of(uint8_t proto, uint16_t port) { return uint32_t(proto) << 16 | port; }
  void map_icmp_error(StageContext& ctx, Packet* p, NatCounters& c);
  // What a new flow becomes (its translation and kCt* flags); false (and p
  // dropped) if it is refused. In a dry run nothing is entered: *index is
  // Conntrack::kNil.
  bool new_flow(StageContext& ctx, Packet* p, const Key& key, uint32_t from, Key* out, uint32_t* index, uint8_t* flags,
                NatCounters& c);
  bool from_world_allowed(Packet* p, const Key& key) const;
  bool pick_port(StageContext& ctx, Key* reply, uint16_t preferred);
  bool flow_exists(StageContext& ctx, const Key& k) { return ctx.dry_run ? ct.peek(k, ctx.now) != Table::kNil : ct.contains(k, ctx.now); }
  // A published target (container address, protocol, port) as a key: what
  // routed networks let in from the world.
  static Key target_of(const Addr& ip, uint8_t proto, uint16_t port) {
    Key k{};
    k.dst = ip;
    k.proto = proto;
    k.dport = port;
    return k;
  }
  struct KeyHash {
    size_t operator()(const Key& k) const {
      uint64_t w[sizeof(Key) / 8];
      std::memcpy(w, &k, sizeof w);
      uint64_t h = 0;
      for (uint64_t x : w) h = (h ^ x) * 0x9E3779B97F4A7C15ull;
      return size_t(h ^ (h >> 32));
    }
  };

  const Routes& routes_;
  std::unordered_map<uint32_t, PublishedOf<Addr>> published_;
  std::unordered_map<Key, uint32_t, KeyHash> targets_;  // published targets, counted
  uint64_t rng_ = 0x2545F4914F6CDD1Dull;
};

using NatStage = NatStageOf<Ip4Family>;
using Nat6Stage = NatStageOf<Ip6Family>;

}  // namespace ferry
