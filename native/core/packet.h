// Packets and the pool they come from.
//
// A packet is a fixed buffer from a pool allocated once at engine start: no
// allocation per packet. The buffer holds headroom (so a later VXLAN stage can
// prepend outer headers in place) followed by the frame. Its virtio-net header
// lives beside the frame, not in the buffer, so ports with different header
// layouts can share one representation.
//
// The headroom is chosen so that the IP header after a 14-byte Ethernet header
// is 4-byte aligned.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/drop_reasons.h"
#include "core/vnet.h"

namespace ferry {

constexpr uint32_t kHeadroom = 128 + 2;           // 130 + 14 = 144: IP aligned
static_assert(kHeadroom >= kVnetHdrLen, "ports write the vnet header just in front of the frame");
constexpr uint32_t kMaxFrame = 65536 + 1024;      // a 64 KB GSO frame plus headers
constexpr uint32_t kBufferSize = kHeadroom + kMaxFrame;
constexpr uint32_t kBatchMax = 256;               // packets per pipeline run
constexpr uint32_t kNoPort = 0xffffffffu;

struct Packet {
  uint8_t* data = nullptr;  // first byte of the Ethernet frame
  uint32_t len = 0;         // frame length, without the vnet header
  uint32_t in_port = kNoPort;
  VnetHdr vnet{};
  bool dropped = false;
  DropReason drop_reason = DropReason::runt;
  bool to_router = false;  // addressed to a gateway MAC, for the router stage
  bool consumed = false;   // answered or absorbed by a stage (ARP): freed, not counted as a drop
  bool held = false;       // kept past this run (waiting for ARP): not returned to the pool
  uint8_t* buffer = nullptr;  // start of the pool buffer

  void reset() {
    data = buffer + kHeadroom;
    len = 0;
    in_port = kNoPort;
    vnet = VnetHdr{};
    dropped = false;
    to_router = false;
    consumed = false;
    held = false;
  }
  void drop(DropReason r) {
    dropped = true;
    drop_reason = r;
  }
};

// A fixed set of packets. The worker takes at most kBatchMax per run and gives
// them all back at the end of the run, so the pool never runs dry in steady
// state; get() returning nullptr is an invariant violation the caller survives
// by reading fewer packets.
class PacketPool {
 public:
  explicit PacketPool(uint32_t count) : packets_(count) {
    storage_.reset(static_cast<uint8_t*>(std::aligned_alloc(64, size_t(count) * kBufferSize)));
    free_.reserve(count);
    for (uint32_t i = 0; i < count; i++) {
      packets_[i].buffer = storage_.get() + size_t(i) * kBufferSize;
      free_.push_back(&packets_[i]);
    }
  }
  Packet* get() {
    if (free_.empty()) return nullptr;
    Packet* p = free_.back();
    free_.pop_back();
    p->reset();
    return p;
  }
  void put(Packet* p) { free_.push_back(p); }

 private:
  struct FreeDeleter {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, FreeDeleter> storage_;
  std::vector<Packet> packets_;
  std::vector<Packet*> free_;
};

struct Batch {
  Packet* pkts[kBatchMax];
  uint32_t n = 0;
};

}  // namespace ferry
