// The graph runner: moves a batch through the stages, VPP-style. Each stage
// gets all the packets sent to it as one vector, sets each packet's next
// node, and the runner scatters them into the successors' vectors. Stages
// are added in topological order and may only send forward, so one pass over
// the stages in order finishes every packet; a choice the graph does not
// declare is counted as the drop reason bad_next, never followed.
//
// Which stages exist and how they connect is declared in one place
// (native/dataplane/graph.cc); this file knows nothing of any stage.
//
// Per-stage cost: every kCostSampleEvery-th run is timed stage by stage
// (two clock reads per stage), so `ferry stats --stages` can say where the
// time goes at a cost well under 1%.
#pragma once
#include <cstdint>
#include <vector>

#include "core/stage.h"

namespace ferry {

struct StageStats {
  uint64_t packets = 0;          // packets the stage processed
  uint64_t batches = 0;          // times it ran
  uint64_t sampled_packets = 0;  // in timed runs
  uint64_t sampled_ns = 0;
};

class Graph {
 public:
  static constexpr uint32_t kCostSampleEvery = 16;

  Graph();

  // Adds a stage; stages run in the order they are added.
  NodeId add(Stage* stage);
  // Lets `from` send to `to` through its Next slot `slot`; `to` must come later.
  void connect(NodeId from, int slot, NodeId to);
  // A stage with one successor and nothing to do (the rate limiter with no
  // limit set) can be bypassed: packets sent to it go to its successor, and
  // the pass over the batch is saved. Control calls it, between batches.
  void bypass(NodeId stage, bool on);
  // Where the frames of a port with this role enter.
  void set_entry(PortRole role, NodeId node) { entry_[int(role)] = node; }
  NodeId entry(PortRole role) const { return entry_[int(role)]; }

  // Runs the batch: packets enter by their ingress port's role. Afterwards
  // each packet is in sent (freed after transmit), dropped (caller counts
  // and frees), or held by a stage.
  // `sent` and `dropped` hold at most the batch's packets, each once.
  void run(StageContext& ctx, Batch& batch, Batch& sent, Batch& dropped);

  size_t size() const { return count_; }
  Stage& stage(NodeId id) const { return *stages_[id]; }
  const StageStats& stats(NodeId id) const { return stats_[id]; }
  const char* node_name(NodeId id) const;

 private:
  void push(NodeId node, Packet* p) {
    Batch& in = inputs_[redirect_[node]];
    in.pkts[in.n++] = p;
  }
  void resolve_redirects();

  // Fixed arrays, not vectors: the loops over them run once per batch and stage.
  Stage* stages_[kMaxStages] = {};
  uint64_t allowed_[kMaxStages] = {};  // bit n: the stage may send to node n
  StageStats stats_[kMaxStages];
  Batch inputs_[kMaxStages];
  uint32_t count_ = 0;
  NodeId redirect_[kMaxStages];  // a node, or where its packets go while it is bypassed
  bool bypassed_[kMaxStages] = {};
  NodeId entry_[kPortRoleCount];
  uint64_t runs_ = 0;
};

}  // namespace ferry
