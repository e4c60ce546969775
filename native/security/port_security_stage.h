// Port security: a container may only speak as itself. Ferry knows every
// endpoint's MAC and addresses, so, as OVS port security and pasta do, it
// checks what each container port sends before the bridge sees it:
//
//  - the source MAC must be the endpoint's (no MAC theft, and no flood of
//    random sources to exhaust the MAC table);
//  - an IPv4 packet's source must be the endpoint's address, an IPv6
//    packet's its address, a link-local address, or :: (duplicate address
//    detection) — so a container cannot reach across networks through the
//    NAT with another network's address, nor make Ferry reflect replies;
//  - ARP must claim only the endpoint's own address (sender MAC and IP),
//    and IPv6 neighbour advertisements only its own addresses, with its own
//    MAC in the link-layer options: no cache poisoning of the gateway, the
//    host or the neighbours;
//  - a VLAN-tagged frame is refused: containers are on untagged segments.
//
// Each refusal has its drop reason. A port without an identity (the host's
// interface, or a network created with -o ferry.port_security=false, for
// containers that route or bridge for others) passes unchecked.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "core/port_table.h"
#include "core/stage.h"

#define FERRY_PORT_SECURITY_DROPS(X)                                                     \
  X(spoofed_mac, "source MAC is not the sending container's own")                       \
  X(spoofed_ip, "source address is not the sending container's own")                   \
  X(spoofed_arp, "ARP claiming an address or MAC that is not the container's own")      \
  X(spoofed_nd, "IPv6 neighbour discovery claiming another's address or MAC")           \
  X(vlan_tagged, "a VLAN-tagged frame from a container: its segment is untagged")

#define FERRY_PORT_SECURITY_COUNTERS(X)                            \
  X(checked, "frames of protected ports that were their own")     \
  X(refused, "frames refused (see the drop reasons)")             \
  X(unprotected, "frames of ports without port security")

namespace ferry {

struct PortSecurityCounters {
  FERRY_PORT_SECURITY_COUNTERS(FERRY_COUNTER_FIELD)
};

// What a port may send as: its MAC, its IPv4 address, its IPv6 addresses.
struct PortIdentity {
  uint64_t mac = 0;
  uint32_t ipv4 = 0;  // 0: none
  std::vector<std::array<uint8_t, 16>> ipv6;
};

class PortSecurityStage : public Stage {
 public:
  enum class Next { forward };
  static constexpr const char* kName = "port-security";

  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void port_removed(uint32_t port) override { clear(port); }
  void for_each_counter(const CounterVisitor& visit) const override {
    const PortSecurityCounters& c = counters;
    FERRY_PORT_SECURITY_COUNTERS(FERRY_COUNTER_VISIT)
  }

  void set(uint32_t port, PortIdentity identity) { ports_.set(port) = std::move(identity); }
  void clear(uint32_t port) { ports_.clear(port); }
  bool any() const { return ports_.any(); }

  PortSecurityCounters counters, scratch;

 private:
  // True when the frame is its sender's own; else false and the drop reason.
  static bool check(const Packet& p, const PortIdentity& id, uint16_t* reason);

  PortTable<PortIdentity> ports_;
};

}  // namespace ferry
