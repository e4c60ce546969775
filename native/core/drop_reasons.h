// Every way the data plane can refuse a packet, one counter each. The data plane
// never throws and never logs per packet: it counts. The list is an X-macro so
// the enum, the names shown by `stats()` and the help text cannot drift apart.
#pragma once
#include <cstdint>

#define FERRY_DROP_REASONS(X)                                                          \
  X(runt, "frame shorter than an Ethernet header (or its 802.1Q tag)")                 \
  X(oversize, "frame larger than a packet buffer")                                     \
  X(rx_queue_full, "the kernel's queue towards Ferry overflowed before Ferry read it")  \
  X(bad_vnet_hdr, "virtio-net header inconsistent with the frame (GSO or checksum)")   \
  X(bad_src_mac, "source MAC is multicast, broadcast or zero")                         \
  X(same_port, "destination was learned on the port the frame came from")              \
  X(no_domain, "port is not in a bridge domain")                                       \
  X(no_tx_port, "nowhere to send (flood with no other port in the domain)")            \
  X(port_down, "egress device is administratively down (the kernel answers EIO)")     \
  X(tx_error, "the kernel refused the frame on egress for another reason")              \
  X(not_for_us, "uplink frame for another MAC or address: the host's own traffic")     \
  X(bad_ip, "IPv4 header malformed or truncated")                                      \
  X(ttl_exceeded, "TTL ran out at the gateway (ICMP time exceeded sent)")              \
  X(mtu_exceeded, "larger than the next hop's MTU (ICMP fragmentation needed sent)")   \
  X(ip_fragment, "IPv4 fragment: the NAT does not reassemble")                         \
  X(isolated, "towards another network: bridge networks are isolated")                 \
  X(icc_blocked, "container to container on a network with enable_icc=false")         \
  X(no_route, "no uplink, or no route to the destination")                             \
  X(no_egress, "from an --internal network: no traffic leaves it")                     \
  X(unpublished, "to the external address on a port that is not published")           \
  X(unsolicited, "from the uplink, not a reply to any tracked flow")                   \
  X(conntrack_full, "new flow refused: the conntrack table is full")                   \
  X(nat_ports_exhausted, "no free external port for a new flow")                       \
  X(icmp_error_no_flow, "ICMP error about a flow that is not tracked")                 \
  X(neighbor_unresolved, "next hop did not answer ARP")                                \
  X(hold_full, "waiting for ARP with the hold queue full")

namespace ferry {

enum class DropReason : uint8_t {
#define FERRY_X(name, help) name,
  FERRY_DROP_REASONS(FERRY_X)
#undef FERRY_X
      count
};

constexpr int kDropReasonCount = static_cast<int>(DropReason::count);

inline const char* drop_reason_name(int r) {
  static const char* const names[] = {
#define FERRY_X(name, help) #name,
      FERRY_DROP_REASONS(FERRY_X)
#undef FERRY_X
  };
  return names[r];
}

}  // namespace ferry
