// Parse: the first stage after rx. It checks, once, everything later stages
// rely on so they can use unchecked header views: the frame holds an Ethernet
// header (and its tag, if tagged), the source MAC is a unicast address, and the
// virtio-net header the kernel gave us is consistent with the frame (a GSO
// frame must be TCP or UDP of the IP version it claims, with a segment size; a
// partial checksum must lie inside the frame, after the Ethernet header).
//
// A frame that fails is marked dropped with its reason; nothing here throws.
#pragma once
#include <cstdint>

#include "core/packet.h"

namespace ferry {

struct ParseCounters {
  uint64_t accepted = 0;
  uint64_t dropped = 0;
};

class ParseStage {
 public:
  void process(Batch& batch);
  // Exposed for tests of single frames: the reason, or nullptr-like ok flag.
  static bool check(const Packet& p, DropReason* reason);

  ParseCounters counters;
};

}  // namespace ferry
