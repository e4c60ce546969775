// Every way the data plane can refuse a packet has a name and a counter per
// ingress port. The data plane never throws and never logs per packet: it
// counts. Each stage declares its own reasons beside it as an X-macro
// (X(name, help)); native/dataplane/drops.h joins them into the one list
// whose names `stats()` shows and TypeScript reads. The reasons below are the
// core's own (ports and the graph itself), and come first in that list, so
// the core can count them without knowing any stage.
#pragma once
#include <cstdint>

#define FERRY_CORE_DROPS(X)                                                            \
  X(runt, "frame shorter than an Ethernet header (or its 802.1Q tag)")                 \
  X(oversize, "frame larger than a packet buffer")                                     \
  X(rx_queue_full, "the kernel's queue towards Ferry overflowed before Ferry read it")  \
  X(port_down, "egress device is administratively down (the kernel answers EIO)")      \
  X(tx_error, "the kernel refused the frame on egress for another reason")              \
  X(no_stage, "the port's role has no first stage in the graph")                       \
  X(bad_next, "a stage chose a node the graph does not allow after it (a bug, counted)")   \
  X(no_buffer, "no packet buffer was free for a frame split from a received batch")

namespace ferry {

enum class CoreDrop : uint16_t {
#define FERRY_X(name, help) name,
  FERRY_CORE_DROPS(FERRY_X)
#undef FERRY_X
      count
};

// Room for every stage's reasons; native/dataplane/drops.h checks the sum.
constexpr int kMaxDropReasons = 96;

}  // namespace ferry
