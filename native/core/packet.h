// Packets and the pool they come from.
//
// A packet is a fixed buffer from a pool allocated once at engine start: no
// allocation per packet. The buffer holds headroom (so a VXLAN stage can
// prepend outer headers in place) followed by the frame. Its virtio-net header
// lives beside the frame, not in the buffer, so ports with different header
// layouts can share one representation.
//
// A packet carries what the graph needs to move it on: `next`, the node a
// stage chose for it (another stage, or one of the terminal nodes of
// core/graph.h: sent, dropped with a reason, held), and `meta`, a small
// scratch area one stage fills for the next (each stage family declares its
// own struct over it, see Packet::meta_as). No booleans: a stage says where a
// packet goes, not what it is.
//
// The headroom is chosen so that the IP header after a 14-byte Ethernet header
// is 4-byte aligned.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/vnet.h"

namespace ferry {

constexpr uint32_t kHeadroom = 128 + 2;           // 130 + 14 = 144: IP aligned
static_assert(kHeadroom >= kVnetHdrLen, "ports write the vnet header just in front of the frame");
constexpr uint32_t kMaxFrame = 65536 + 1024;      // a 64 KB GSO frame plus headers
constexpr uint32_t kBufferSize = kHeadroom + kMaxFrame;
constexpr uint32_t kBatchMax = 256;               // packets per pipeline run
constexpr uint32_t kNoPort = 0xffffffffu;

// A node of the graph: a stage's index, or a terminal node (core/graph.h).
using NodeId = uint8_t;

struct Packet {
  uint8_t* data = nullptr;  // first byte of the Ethernet frame
  uint32_t len = 0;         // frame length, without the vnet header
  uint32_t in_port = kNoPort;
  VnetHdr vnet{};
  NodeId next = 0;
  uint16_t drop_reason = 0;  // meaningful when next is the drop node
  uint32_t trace = 0;        // 0: not traced; else the id its trace records carry
  alignas(8) uint8_t meta[112];  // the largest user: the IPv6 stages (L3Meta6, two 40-byte flow keys)
  uint8_t* buffer = nullptr;  // start of the pool buffer

  void reset() {
    data = buffer + kHeadroom;
    len = 0;
    in_port = kNoPort;
    vnet = VnetHdr{};
    next = 0;
    drop_reason = 0;
    trace = 0;
  }
  // What one stage hands the next, as that stage family's own struct.
  template <typename T>
  T& meta_as() {
    static_assert(sizeof(T) <= sizeof(meta), "stage metadata must fit Packet::meta");
    return *reinterpret_cast<T*>(meta);
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
  uint32_t available() const { return uint32_t(free_.size()); }

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
