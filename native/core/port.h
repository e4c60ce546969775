// A port is where frames enter and leave the engine: a TAP today; an AF_PACKET
// uplink, a VXLAN UDP socket or an internal router port later. The worker only
// sees this interface, and it is batched in both directions: rx_burst fills an
// array, tx queues are flushed once per pipeline run.
#pragma once
#include <cstdint>
#include <string>

#include "core/drop_reasons.h"
#include "core/packet.h"

namespace ferry {

struct PortCounters {
  uint64_t rx_packets = 0, rx_bytes = 0;
  uint64_t tx_packets = 0, tx_bytes = 0;
  uint64_t drops[kDropReasonCount] = {};
};

class Port {
 public:
  virtual ~Port() = default;

  // Reads up to max frames into packets taken from the pool. Returns how many.
  virtual uint32_t rx_burst(PacketPool& pool, Packet** out, uint32_t max) = 0;
  // Sends n frames; the packets stay owned by the caller.
  virtual void tx_burst(Packet* const* pkts, uint32_t n) = 0;
  // The fd the worker waits on for rx readiness, or -1.
  virtual int rx_fd() const = 0;
  virtual const char* kind() const = 0;
  // Called before a removal that should delete the device, not just let go of it.
  virtual void destroy_on_close() {}

  uint32_t id = kNoPort;
  uint32_t domain = kNoPort;
  std::string name;
  PortCounters counters;

  // Frames queued for this port during the current pipeline run.
  Packet* txq[kBatchMax];
  uint32_t txq_len = 0;
  bool tx_pending = false;  // already listed among the ports to flush

  void count_drop(DropReason r) { counters.drops[static_cast<int>(r)]++; }
};

}  // namespace ferry
