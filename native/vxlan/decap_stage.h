// vxlan-decap: the first stage for what the underlay socket received. A
// datagram whose VXLAN header has the I flag and a VNI of one of the engine's
// overlay networks loses its header and continues as an inner frame that
// arrived on that network's tunnel port (native/vxlan/tunnel_port.h): the
// parse stage checks it as any frame, the bridge switches it in the
// network's domain. Anything else is counted and dropped. An encrypted
// network's VNI is taken only from the sealed underlay (opened ESP,
// sealed.h), a plain network's only from the plain one: a forged plain
// datagram never reaches an encrypted network.
#pragma once
#include <unordered_map>

#include "core/stage.h"

#define FERRY_VXLAN_DROPS(X)                                                \
  X(vxlan_malformed, "shorter than a VXLAN header and an Ethernet header, or no VNI flag") \
  X(vxlan_unknown_vni, "a VNI of no overlay network on this host")                      \
  X(vxlan_wrong_sealing, "a VNI of an encrypted network that came without ESP, or of a plain one that came in ESP")

#define FERRY_VXLAN_COUNTERS(X)                                     \
  X(decapsulated, "datagrams whose inner frame went on")           \
  X(refused, "datagrams dropped (see the drop reasons)")

namespace ferry {

struct VxlanCounters {
  FERRY_VXLAN_COUNTERS(FERRY_COUNTER_FIELD)
};

class VxlanDecapStage : public Stage {
 public:
  enum class Next { inner };

  static constexpr const char* kName = "vxlan-decap";
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void port_removed(uint32_t port) override;
  void for_each_counter(const CounterVisitor& visit) const override {
    const VxlanCounters& c = counters;
    FERRY_VXLAN_COUNTERS(FERRY_COUNTER_VISIT)
  }

  // The tunnel port of the overlay network with this VNI, and whether it is encrypted.
  void set_tunnel(uint32_t vni, uint32_t port, bool sealed) { tunnels_[vni] = {port, sealed}; }
  uint32_t tunnel_of(uint32_t vni) const {
    auto it = tunnels_.find(vni);
    return it == tunnels_.end() ? kNoPort : it->second.port;
  }

  VxlanCounters counters, scratch;

 private:
  struct Tunnel {
    uint32_t port;
    bool sealed;
  };
  std::unordered_map<uint32_t, Tunnel> tunnels_;  // by VNI
};

}  // namespace ferry
