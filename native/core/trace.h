// Packet trace, as VPP's `trace add` / `show trace`: the next N packets that
// arrive (on any port, or on one) are marked at rx, and every stage they pass
// writes a record of what it decided into a bounded buffer. Records are kept
// as bytes and turned into text only when someone reads them, each by the
// stage that wrote it, so tracing costs the worker a copy of a small struct.
//
// Off, it costs one test per received batch (is any trace armed?).
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/packet.h"
#include "core/stage.h"

namespace ferry {

struct TraceEntry {
  enum Kind : uint8_t { rx, stage, decision, tx };
  uint32_t packet = 0;  // trace id of the packet
  Kind kind = rx;
  NodeId node = kNodeUnset;  // the stage, for stage and decision entries
  uint16_t len = 0;
  uint64_t t_ns = 0;
  uint8_t data[kTraceRecordMax] = {};
};

// What the rx, decision and tx entries hold.
struct TraceRx {
  uint32_t port;
  uint32_t len;
  uint8_t gso_type;
  uint16_t gso_size;
  bool injected;
};
struct TraceDecision {
  NodeId next;
  uint16_t drop_reason;
};
struct TraceTx {
  uint32_t port;
  bool suppressed;  // a dry run: it would have been sent
};

class Tracer {
 public:
  static constexpr uint32_t kMaxEntries = 1 << 15;

  // Marks the next `count` packets arriving on `port` (kNoPort: any port).
  void arm(uint32_t count, uint32_t port) {
    budget_ = count;
    port_ = port;
  }
  void disarm() { budget_ = 0; }
  bool armed() const { return budget_ > 0; }
  // At rx: gives p a trace id if it is one of those asked for.
  void mark(Packet* p, uint64_t now_ns) {
    if (!budget_ || (port_ != kNoPort && p->in_port != port_)) return;
    budget_--;
    start(p, now_ns, false);
  }
  // Gives p a trace id unconditionally (an injected packet).
  void start(Packet* p, uint64_t now_ns, bool injected) {
    p->trace = ++last_id_;
    TraceRx r{p->in_port, p->len, p->vnet.gso_type, p->vnet.gso_size, injected};
    record(p->trace, TraceEntry::rx, kNodeUnset, &r, sizeof r, now_ns);
  }
  void record(uint32_t packet, TraceEntry::Kind kind, NodeId node, const void* data, uint32_t len, uint64_t now_ns) {
    if (entries_.size() >= kMaxEntries) {
      lost_++;
      return;
    }
    entries_.emplace_back();
    TraceEntry& e = entries_.back();
    e.packet = packet;
    e.kind = kind;
    e.node = node;
    e.len = uint16_t(len > kTraceRecordMax ? kTraceRecordMax : len);
    e.t_ns = now_ns;
    std::memcpy(e.data, data, e.len);
  }
  // Hands over what was recorded and forgets it.
  std::vector<TraceEntry> take() {
    std::vector<TraceEntry> out;
    out.swap(entries_);
    return out;
  }
  // Hands over one packet's records, keeping the others'.
  std::vector<TraceEntry> take(uint32_t packet) {
    std::vector<TraceEntry> out, keep;
    for (TraceEntry& e : entries_) (e.packet == packet ? out : keep).push_back(e);
    entries_.swap(keep);
    return out;
  }
  uint32_t pending() const { return budget_; }
  uint64_t lost() const { return lost_; }
  uint32_t last_id() const { return last_id_; }

 private:
  uint32_t budget_ = 0;
  uint32_t port_ = kNoPort;
  uint32_t last_id_ = 0;
  uint64_t lost_ = 0;
  std::vector<TraceEntry> entries_;
};

}  // namespace ferry
