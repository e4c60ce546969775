// A port is where frames enter and leave the engine: a TAP (a container's
// eth0, or the host's interface of a network) or an AF_PACKET socket on a host
// interface (the uplink). The worker sees only this
// interface, batched in both directions: rx_burst fills an array, and tx
// queues are flushed once per pipeline run.
//
// A port has a role, and the role, not the port's identity, decides where its
// frames enter the graph (native/dataplane/graph.h). What a stage knows about
// a port beyond that (its bridge domain, say) lives in that stage's tables.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/capture.h"
#include "core/drop_reasons.h"
#include "core/packet.h"

#define FERRY_PORT_ROLES(X)                                               \
  X(container, "a container's interface (TAP)")                          \
  X(host, "the host's interface of a network (TAP holding the gateway)") \
  X(uplink, "the host interface towards the world (AF_PACKET)")         \
  X(parent, "a macvlan/ipvlan network's parent interface (AF_PACKET)")  \
  X(demuxed, "a container's interface on a macvlan/ipvlan network (TAP)") \
  X(underlay, "the VXLAN underlay: a UDP socket on the advertise address") \
  X(sealed_underlay, "the encrypted overlays' underlay: ESP in UDP on port 4500 of the advertise address") \
  X(tunnel, "an overlay network's VXLAN tunnel, a port of its bridge domain")

namespace ferry {

enum class PortRole : uint8_t {
#define FERRY_X(name, help) name,
  FERRY_PORT_ROLES(FERRY_X)
#undef FERRY_X
      count
};
constexpr int kPortRoleCount = static_cast<int>(PortRole::count);
const char* port_role_name(PortRole r);

struct PortCounters {
  uint64_t rx_packets = 0, rx_bytes = 0;
  uint64_t tx_packets = 0, tx_bytes = 0;
  uint64_t drops[kMaxDropReasons] = {};
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
  // Frames already read from the device but not yet handed over (they did
  // not fit in the last burst): the worker calls rx_burst again without
  // waiting for the fd.
  virtual bool rx_pending() const { return false; }
  virtual const char* kind() const = 0;
  // Called before a removal that should delete the device, not just let go of it.
  virtual void destroy_on_close() {}

  uint32_t id = kNoPort;
  PortRole role = PortRole::container;
  std::string name;
  // The device's MTU: a frame that is not GSO and carries more IP than this
  // is refused on egress (too_big), as the receiving kernel would drop it.
  // 0: not known, nothing is checked.
  uint32_t mtu = 0;
  PortCounters counters;
  // Captures watching this port (core/capture.h); empty almost always.
  std::vector<CaptureTap*> taps;
  uint64_t capture_clock_ns = 0;  // the realtime of this run, for what a flush captures

  // Frames queued for this port during the current pipeline run.
  Packet* txq[kBatchMax];
  uint32_t txq_len = 0;
  bool tx_pending = false;  // already listed among the ports to flush

  template <typename Reason>
  void count_drop(Reason r) {
    counters.drops[static_cast<int>(r)]++;
  }

  // Queues a frame for the end of the run; a full queue is sent at once
  // (generated packets can outnumber a batch).
  void enqueue(Packet* p, std::vector<Port*>& dirty) {
    if (!tx_pending) {
      tx_pending = true;
      dirty.push_back(this);
    }
    if (txq_len == kBatchMax) flush();
    txq[txq_len++] = p;
  }
  void flush() {
    if (!txq_len) return;
    if (!taps.empty())
      for (CaptureTap* t : taps)
        for (uint32_t i = 0; i < txq_len; i++) t->record(*txq[i], id, CaptureDirection::out, capture_clock_ns);
    tx_burst(txq, txq_len);
    txq_len = 0;
  }
};

}  // namespace ferry
