// Parse: the first stage after rx. It checks, once, everything later stages
// rely on so they can use unchecked header views: the frame holds an Ethernet
// header (and its tag, if tagged), the source MAC is a unicast address, and the
// virtio-net header the kernel gave us is consistent with the frame (a GSO
// frame must be TCP or UDP of the IP version it claims, with a segment size; a
// partial checksum must lie inside the frame, after the IP header).
//
// It then hands the frame on by the role of the port it came in on: each role
// is one of its Next slots, so what follows parse for containers, the host
// or the uplink is declared in the graph, not decided here.
#pragma once
#include <cstdint>

#include "core/stage.h"

#define FERRY_PARSE_DROPS(X)                                                        \
  X(bad_vnet_hdr, "virtio-net header inconsistent with the frame (GSO or checksum)") \
  X(bad_src_mac, "source MAC is multicast, broadcast or zero")

#define FERRY_PARSE_COUNTERS(X)                       \
  X(accepted, "frames that passed every check")       \
  X(dropped, "frames refused (see the drop reasons)")

namespace ferry {

struct ParseCounters {
  FERRY_PARSE_COUNTERS(FERRY_COUNTER_FIELD)
};

class ParseStage : public Stage {
 public:
  // One Next slot per port role: Next(role) is where that role's frames go.
  static constexpr const char* kName = "parse";
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void for_each_counter(const CounterVisitor& visit) const override {
    const ParseCounters& c = counters;
    FERRY_PARSE_COUNTERS(FERRY_COUNTER_VISIT)
  }
  // The check alone, for tests of single frames: true when the frame is
  // fine, else false with the drop reason (of native/dataplane/drops.h).
  static bool check(const Packet& p, uint16_t* reason);

  ParseCounters counters, scratch;
};

}  // namespace ferry
