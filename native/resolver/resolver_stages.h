// The embedded resolver's address, 127.0.0.11:53, without a socket in the
// container and without iptables. A container's resolv.conf says
// `nameserver 127.0.0.11`, as Docker's does, but in its namespace that
// address is not local: a route in the local table sends it out of the
// container's interface to its gateway (route_localnet allows a loopback
// address on the wire there), so the container's own port 53 is free for
// its own servers, wildcard binds included.
//
// Two stages carry the queries to the daemon's resolver, which listens on
// the network's gateway address at a port of its own choosing, and back:
//
//  - resolver-query (after ip4-input): a packet for 127.0.0.11:53 (UDP or
//    TCP) has its destination rewritten to gateway:port and goes to the
//    network's host port, where the daemon's socket receives it from the
//    container's own address — which says who asks;
//  - resolver-reply (host ports, before the bridge): a packet from
//    gateway:port has its source rewritten to 127.0.0.11:53, so the
//    container sees the answer come from where it asked.
//
// Stateless, both ways: the mapping is fixed per network; checksums are
// updated incrementally (nat/rewrite.h), partial ones included.
#pragma once
#include "core/stage.h"
#include "l2/domains.h"
#include "l3/routes.h"

#define FERRY_RESOLVER_DROPS(X)                                                         \
  X(not_resolver, "to a loopback address other than the resolver's (127.0.0.11:53)")   \
  X(no_resolver, "the network's resolver is not running")

#define FERRY_RESOLVER_QUERY_COUNTERS(X) X(queries, "packets to 127.0.0.11:53 sent on to the daemon's resolver")
#define FERRY_RESOLVER_REPLY_COUNTERS(X)                                   \
  X(answers, "packets from the resolver given the source 127.0.0.11:53")  \
  X(passed, "other packets from the host, unchanged")

namespace ferry {

constexpr uint32_t kResolverAddress = 0x7f00000b;  // 127.0.0.11
constexpr uint16_t kResolverPort = 53;

struct ResolverQueryCounters {
  FERRY_RESOLVER_QUERY_COUNTERS(FERRY_COUNTER_FIELD)
};
struct ResolverReplyCounters {
  FERRY_RESOLVER_REPLY_COUNTERS(FERRY_COUNTER_FIELD)
};

class ResolverQueryStage : public Stage {
 public:
  static constexpr const char* kName = "resolver-query";
  explicit ResolverQueryStage(const Routes& routes) : routes_(routes) {}
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void for_each_counter(const CounterVisitor& visit) const override {
    const ResolverQueryCounters& c = counters;
    FERRY_RESOLVER_QUERY_COUNTERS(FERRY_COUNTER_VISIT)
  }
  ResolverQueryCounters counters, scratch;

 private:
  const Routes& routes_;
};

class ResolverReplyStage : public Stage {
 public:
  enum class Next { forward };
  static constexpr const char* kName = "resolver-reply";
  ResolverReplyStage(const Domains& domains, const Routes& routes) : domains_(domains), routes_(routes) {}
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void for_each_counter(const CounterVisitor& visit) const override {
    const ResolverReplyCounters& c = counters;
    FERRY_RESOLVER_REPLY_COUNTERS(FERRY_COUNTER_VISIT)
  }
  ResolverReplyCounters counters, scratch;

 private:
  const Domains& domains_;
  const Routes& routes_;
};

}  // namespace ferry
