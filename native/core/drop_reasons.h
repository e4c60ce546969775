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
  X(tx_error, "the kernel refused the frame on egress for another reason")

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
