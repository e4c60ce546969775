// The forwarding state the worker owns: ports, bridge domains, and the tx
// queues filled during one pipeline run. Only the worker thread touches it;
// the control plane changes it by posting commands that the worker runs
// between batches (see engine.h), so a stage never needs a lock.
#pragma once
#include <memory>
#include <unordered_set>
#include <vector>

#include "core/port.h"
#include "l2/mac_table.h"

namespace ferry {

// Outcomes of the learning bridge, per domain.
#define FERRY_BRIDGE_OUTCOMES(X)                                              \
  X(unicast, "known destination, sent to one port")                           \
  X(flood_multicast, "broadcast or multicast, flooded in the domain")         \
  X(flood_unknown, "unknown unicast destination, flooded in the domain")      \
  X(learned, "new source MAC learned")                                        \
  X(moved, "source MAC seen on another port, entry moved")                    \
  X(learn_refused_full, "table full: source not learned, frames to it flood") \
  X(static_conflict, "source MAC is static on another port, not moved")       \
  X(filtered_same_port, "destination is on the ingress port, dropped")        \
  X(aged, "dynamic entries removed by aging")                                  \
  X(icc_blocked, "container to container refused (enable_icc=false)")

struct BridgeCounters {
#define FERRY_X(name, help) uint64_t name = 0;
  FERRY_BRIDGE_OUTCOMES(FERRY_X)
#undef FERRY_X
};

// What the gateway router needs to know about a bridge domain that is a
// network with a gateway (unset: a plain L2 domain, nothing is routed).
struct NetworkL3 {
  bool routed = false;
  uint64_t router_mac = 0;    // the host port's MAC: containers send off-net frames to it
  uint32_t gateway = 0;       // the gateway address (on the host port)
  uint32_t subnet = 0, prefix_len = 0;
  uint32_t host_port = kNoPort;
  uint32_t mtu = 1500;
  bool masquerade = true;     // com.docker.network.bridge.enable_ip_masquerade
  bool internal = false;      // --internal: nothing leaves the network
  bool icc = true;            // com.docker.network.bridge.enable_icc
};

struct Domain {
  static constexpr uint32_t kDefaultAgingSeconds = 300;  // as Linux's bridge

  explicit Domain(uint32_t id_, uint32_t max_entries) : id(id_), macs(max_entries) {}
  uint32_t id;
  MacTable macs;
  uint32_t aging_seconds = kDefaultAgingSeconds;
  std::vector<uint32_t> ports;  // members, for flooding
  BridgeCounters counters;
  NetworkL3 l3;
};

struct Fabric {
  std::vector<std::unique_ptr<Port>> ports;      // index = port id; null = free slot
  std::vector<std::unique_ptr<Domain>> domains;  // index = domain id; null = free slot
  std::vector<Port*> tx_dirty;                   // ports with frames queued this run
  uint32_t uplink_port = kNoPort;                // the router's port to the world, if any
  std::unordered_set<uint32_t> host_addrs;       // the host's own IPv4 addresses: never routed

  Port* port(uint32_t id) const { return id < ports.size() ? ports[id].get() : nullptr; }
  Domain* domain(uint32_t id) const { return id < domains.size() ? domains[id].get() : nullptr; }

  void enqueue(Port* out, Packet* p) {
    if (!out->tx_pending) {
      out->tx_pending = true;
      tx_dirty.push_back(out);
    }
    if (out->txq_len == kBatchMax) {  // generated packets can outnumber a batch
      out->tx_burst(out->txq, out->txq_len);
      out->txq_len = 0;
    }
    out->txq[out->txq_len++] = p;
  }
};

}  // namespace ferry
