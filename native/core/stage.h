// A stage is the unit of the packet path, shaped as a VPP graph node: it
// takes a batch, decides for each packet the node it goes to next (one of
// its declared successors, or a terminal node: sent, dropped with a reason,
// held), counts what it decided, and writes a trace record for a traced
// packet. It never throws and never allocates per packet.
//
// A stage names its successors by its own small enum (`Next` slots), and the
// graph declaration (native/dataplane/graph.cc) binds each slot to a node:
// a stage never includes another stage's header to hand a packet on.
//
// StageContext is what a stage may do besides deciding: queue a frame on a
// port, take a buffer for a packet it generates, read the clock, write a
// trace record. In a dry run (`ferry trace --inject`), the context transmits
// nothing and generates nothing, and every stage leaves its tables as they
// were: it checks ctx.dry_run before it learns, creates or expires anything,
// and counts into scratch counters instead of its own.
#pragma once
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/packet.h"
#include "core/port.h"

namespace ferry {

// Terminal nodes, after every stage's own (a graph has at most kMaxStages).
constexpr int kMaxStages = 64;
constexpr NodeId kNodeSent = 250;  // queued on a port, or answered/absorbed: freed after this run's transmit
constexpr NodeId kNodeDrop = 251;  // dropped: counted on the ingress port with drop_reason, then freed
constexpr NodeId kNodeHeld = 252;  // kept by the stage (waiting for a neighbour): not freed
constexpr NodeId kNodeUnset = 253; // what a stage must overwrite

template <typename Reason>
inline void drop(Packet* p, Reason r) {
  p->next = kNodeDrop;
  p->drop_reason = uint16_t(r);
}
inline void sent(Packet* p) { p->next = kNodeSent; }

class Tracer;

// A trace record as a stage writes it: a small struct of its own, kept as
// bytes until someone asks for the trace, then formatted by the stage.
constexpr uint32_t kTraceRecordMax = 96;  // the largest: nat6 (two IPv6 flow keys)

class StageContext {
 public:
  uint32_t now = 0;     // engine clock, seconds
  uint64_t now_ns = 0;  // monotonic
  bool dry_run = false;
  NodeId current = kNodeUnset;  // the stage running now (for trace records)

  Port* port(uint32_t id) const { return id < ports_->size() ? (*ports_)[id].get() : nullptr; }
  const std::vector<std::unique_ptr<Port>>& ports() const { return *ports_; }

  // Queues p for transmit on out at the end of this run. The same packet may
  // be queued on several ports (a flood). In a dry run: traced, not queued.
  void tx(Port* out, Packet* p) {
    if (__builtin_expect(p->trace != 0 || dry_run, 0)) return tx_traced(out, p);
    out->enqueue(p, *tx_dirty_);
  }
  // A buffer for a packet the stage generates (an ARP request, an ICMP
  // error); it is freed after this run's transmit. nullptr when the pool is
  // empty, and always in a dry run.
  Packet* new_packet();
  // A buffer a stage keeps past this run (a datagram being reassembled, a
  // fragment waiting for ARP): freed only by the stage (release, free,
  // drop_held). nullptr when the pool is empty, and always in a dry run.
  Packet* new_held_packet();
  // A packet the stage held and now sends (after ARP resolved): freed after this run's transmit.
  void release(Packet* p) { finished_->push_back(p); }
  // A held packet given up: counted as a drop on its ingress port, freed now.
  void drop_held(Packet* p, uint16_t reason);
  // A held packet let go without counting (its table was cleared).
  void free(Packet* p) { pool_->put(p); }

  // Records what the stage did with a traced packet (one struct of its own).
  template <typename R>
  void trace(const Packet* p, const R& record) {
    static_assert(sizeof(R) <= kTraceRecordMax, "trace records are small");
    if (p->trace) trace_bytes(p, &record, sizeof record);
  }
  void trace_bytes(const Packet* p, const void* rec, uint32_t len);
  void tx_traced(Port* out, Packet* p);

  // Wired by the engine.
  std::vector<std::unique_ptr<Port>>* ports_ = nullptr;
  std::vector<Port*>* tx_dirty_ = nullptr;
  std::vector<Packet*>* finished_ = nullptr;
  PacketPool* pool_ = nullptr;
  Tracer* tracer_ = nullptr;
  uint64_t* pool_empty_ = nullptr;
};

// Visits a stage's counters: name, help, value.
using CounterVisitor = std::function<void(const char* name, const char* help, uint64_t value)>;

class Stage {
 public:
  virtual ~Stage() = default;
  virtual const char* name() const = 0;
  // Sets p->next for each of the n packets.
  virtual void process(StageContext& ctx, Packet** pkts, uint32_t n) = 0;
  // One of this stage's trace records, as a line of text.
  virtual std::string format_trace(const uint8_t* record, uint32_t len) const { return ""; }
  // Once a second, and only while needs_tick() (an idle engine sleeps).
  virtual void tick(StageContext& ctx) {}
  virtual bool needs_tick() const { return false; }
  // A port is going away: forget what the stage knows about it.
  virtual void port_removed(uint32_t port) {}
  virtual void for_each_counter(const CounterVisitor& visit) const {}

  // The node each of the stage's Next slots leads to (set by the graph).
  static constexpr int kMaxNext = 8;
  NodeId next_node[kMaxNext] = {kNodeUnset, kNodeUnset, kNodeUnset, kNodeUnset,
                                kNodeUnset, kNodeUnset, kNodeUnset, kNodeUnset};
  NodeId id = kNodeUnset;

 protected:
  template <typename Slot>
  NodeId next_of(Slot s) const {
    return next_node[static_cast<int>(s)];
  }
};

// Counters declared as an X-macro, X(name, help), as a struct with a visitor.
#define FERRY_COUNTER_FIELD(name, help) uint64_t name = 0;
#define FERRY_COUNTER_VISIT(name, help) visit(#name, help, c.name);

}  // namespace ferry
