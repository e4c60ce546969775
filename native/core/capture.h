// Packet capture at the port boundary (`ferry capture`): frames as they
// cross a port, in either direction, GSO frames whole (as tcpdump on a veth
// shows them), and with --drops the frames the graph dropped, with their
// reason. A tap is attached to the ports it watches; the worker copies each
// matching frame into the tap's ring, and the Node thread reads the ring and
// writes pcapng (src/capture/).
//
// Off, it costs the worker one test per received burst and per transmitted
// queue (does the port have a tap?). On, a slow reader never stalls
// forwarding: the ring is bounded, the worker never waits for space, and
// what does not fit is counted as lost and reported when the capture ends.
//
// The ring has one producer (the worker) and one consumer (the reader), so
// two atomic positions are all it needs: the worker publishes a record by
// moving head after writing it; the reader frees space by moving tail after
// copying records out.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

#include "core/packet.h"

struct bpf_insn;

namespace ferry {

enum class CaptureDirection : uint8_t { in = 1, out = 2, dropped = 3 };

// What precedes each frame in the ring; records are 8-byte aligned.
struct CaptureRecord {
  uint64_t t_ns;       // CLOCK_REALTIME
  uint32_t port;
  uint32_t orig_len;   // the frame's length
  uint32_t cap_len;    // bytes kept (snaplen)
  uint16_t drop_reason;
  CaptureDirection direction;
  uint8_t gso_type;
  uint16_t gso_size;
  uint16_t pad = 0;
};
static_assert(sizeof(CaptureRecord) == 32, "the reader in TypeScript reads this layout");

struct CaptureCounters {
  std::atomic<uint64_t> captured{0};  // frames written to the ring
  std::atomic<uint64_t> lost{0};      // matching frames that did not fit
  std::atomic<uint64_t> filtered{0};  // frames the BPF filter refused
};

class CaptureTap {
 public:
  // filter: a compiled BPF program (empty: everything).
  CaptureTap(size_t ring_bytes, uint32_t snaplen, bool drops, std::vector<bpf_insn> filter);
  ~CaptureTap();
  CaptureTap(const CaptureTap&) = delete;
  CaptureTap& operator=(const CaptureTap&) = delete;

  // Worker: one frame crossing `port` (a drop when direction is dropped).
  void record(const Packet& p, uint32_t port, CaptureDirection dir, uint64_t t_ns);
  bool wants_drops() const { return drops_; }

  // Reader: copies whole records (CaptureRecord + cap_len bytes, padded to 8)
  // into out, at most max bytes; returns how many bytes.
  size_t read(uint8_t* out, size_t max);

  CaptureCounters counters;

 private:
  void put(const void* data, size_t len, uint64_t at);
  void get(void* data, size_t len, uint64_t at) const;

  std::vector<uint8_t> ring_;
  std::atomic<uint64_t> head_{0};  // written by the worker
  std::atomic<uint64_t> tail_{0};  // freed by the reader
  uint32_t snaplen_;
  bool drops_;
  std::vector<bpf_insn> filter_;
};

}  // namespace ferry
