// neighbor-proxy: ARP requests and IPv6 neighbour solicitations a container
// sends for an address the control plane knows (an overlay network's
// containers on other hosts, from the cluster state) are answered here, on
// the port they came from, as Docker's overlay driver answers them with
// static neighbour entries: no broadcast crosses hosts to learn what is
// already known. Everything else goes on to the bridge. Bypassed while no
// domain has an entry.
#pragma once
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/stage.h"
#include "l2/domains.h"
#include "l3/ip_key.h"

#define FERRY_NEIGHBOR_PROXY_COUNTERS(X)                                   \
  X(arp_answered, "ARP requests answered from the known addresses")        \
  X(nd_answered, "neighbour solicitations answered from the known addresses") \
  X(passed, "frames that went on to the bridge")

namespace ferry {

struct NeighborProxyCounters {
  FERRY_NEIGHBOR_PROXY_COUNTERS(FERRY_COUNTER_FIELD)
};

class NeighborProxyStage : public Stage {
 public:
  enum class Next { forward };

  explicit NeighborProxyStage(const Domains& domains) : domains_(domains) {}
  static constexpr const char* kName = "neighbor-proxy";
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void for_each_counter(const CounterVisitor& visit) const override {
    const NeighborProxyCounters& c = counters;
    FERRY_NEIGHBOR_PROXY_COUNTERS(FERRY_COUNTER_VISIT)
  }

  // An address of a domain answered with mac; mac 0: no longer.
  void set(uint32_t domain, const IpKey& ip, uint64_t mac);
  void clear_domain(uint32_t domain);
  bool any() const { return entries_ > 0; }

  NeighborProxyCounters counters, scratch;

 private:
  using Table = std::unordered_map<IpKey, uint64_t, IpKeyHash>;
  const Table* table_of(uint32_t domain) const { return domain < tables_.size() ? tables_[domain].get() : nullptr; }
  bool answer_arp(StageContext& ctx, Packet* p, const Table& t);
  bool answer_nd(StageContext& ctx, Packet* p, const Table& t);

  const Domains& domains_;
  std::vector<std::unique_ptr<Table>> tables_;  // by domain id
  size_t entries_ = 0;
};

}  // namespace ferry
