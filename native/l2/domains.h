// Bridge domains: the L2 segments of the engine, each a learning switch whose
// member ports see each other and nothing else. The table is shared by the
// bridge stage (which switches within a domain) and by the stages that
// deliver routed frames into one (ip4_forward), through output().
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/control_error.h"
#include "core/stage.h"
#include "l2/mac_table.h"

// Outcomes of the learning bridge, per domain.
#define FERRY_BRIDGE_OUTCOMES(X)                                              \
  X(unicast, "known destination, sent to one port")                           \
  X(flood_multicast, "broadcast or multicast, flooded in the domain")         \
  X(flood_unknown, "unknown unicast destination, flooded in the domain")      \
  X(learned, "new source MAC learned")                                        \
  X(moved, "source MAC seen on another port, entry moved")                    \
  X(learn_refused_full, "table full: source not learned, frames to it flood") \
  X(learn_refused_port, "the port's share of the table is full: source not learned") \
  X(static_conflict, "source MAC is static on another port, not moved")       \
  X(filtered_same_port, "destination is on the ingress port, dropped")        \
  X(aged, "dynamic entries removed by aging")                                  \
  X(icc_blocked, "container to container refused (enable_icc=false)")        \
  X(to_router, "IPv4 to the gateway's MAC, handed to the router")

namespace ferry {

struct BridgeCounters {
  FERRY_BRIDGE_OUTCOMES(FERRY_COUNTER_FIELD)
};

struct Domain {
  static constexpr uint32_t kDefaultAgingSeconds = 300;  // as Linux's bridge
  static constexpr uint32_t kDefaultMaxPerPort = 256;    // learned MACs per port

  Domain(uint32_t id_, uint32_t max_entries) : id(id_), macs(max_entries) {}
  uint32_t id;
  MacTable macs;
  uint32_t aging_seconds = kDefaultAgingSeconds;
  std::vector<uint32_t> ports;  // members, for flooding
  BridgeCounters counters;
  // The gateway's MAC when the domain is a routed network (0: plain L2):
  // IPv4 frames containers send to it belong to the router.
  uint64_t gateway_mac = 0;
  // IPv6 frames to it too, when the network routes IPv6 (--ipv6).
  bool routes_ipv6 = false;
  // enable_icc=false: containers reach the host port only, not each other.
  bool icc = true;
};

class Domains {
 public:
  Domain* get(uint32_t id) const { return id < domains_.size() ? domains_[id].get() : nullptr; }
  Domain& get_or_throw(uint32_t id) const {
    Domain* d = get(id);
    if (!d) throw ControlError(ErrorCode::no_such_domain, "bridge domain " + std::to_string(id) + " does not exist");
    return *d;
  }
  uint32_t create(uint32_t max_entries, uint32_t aging_seconds);
  // Refused while the domain has ports (their names are given).
  void remove(uint32_t id, const StageContext& ctx);
  void join(uint32_t domain, uint32_t port);
  void leave(uint32_t port);
  // The domain a port is a member of, or nullptr.
  Domain* of_port(uint32_t port) const {
    return port < port_domain_.size() && port_domain_[port] != kNoPort ? get(port_domain_[port]) : nullptr;
  }
  uint32_t domain_id_of_port(uint32_t port) const { return port < port_domain_.size() ? port_domain_[port] : kNoPort; }
  const std::vector<std::unique_ptr<Domain>>& all() const { return domains_; }

  // Sends p (addressed to dst) into d as a switch would from `from`: to the
  // port dst was learned on, else to every member but `from`; with icc off,
  // only between the host port and the others. Returns how many ports it was
  // queued on (0: nowhere to send).
  // A frame larger than a port's MTU (and not GSO) is not sent to it:
  // *too_big tells the caller why nothing was sent.
  static uint32_t output(StageContext& ctx, const Domain& d, Packet* p, uint64_t dst, uint32_t from, bool* too_big);
  static uint32_t flood(StageContext& ctx, const Domain& d, Packet* p, uint32_t from, bool* too_big);
  // Does the frame fit the port's MTU (GSO frames always do: they are cut later)?
  static bool fits(const Port* out, const Packet* p);
  static bool icc_allows(const StageContext& ctx, const Domain& d, uint32_t from, uint32_t to);

 private:
  std::vector<std::unique_ptr<Domain>> domains_;  // index = domain id; null = free slot
  std::vector<uint32_t> port_domain_;             // index = port id
};

}  // namespace ferry
