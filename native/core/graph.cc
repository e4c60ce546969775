#include "core/graph.h"

#include <ctime>
#include <stdexcept>
#include <string>

#include "core/trace.h"

namespace ferry {

namespace {
uint64_t clock_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}
}  // namespace

Graph::Graph() {
  for (NodeId& e : entry_) e = kNodeUnset;
}

NodeId Graph::add(Stage* stage) {
  if (stages_.size() >= size_t(kMaxStages)) throw std::logic_error("too many stages");
  stage->id = NodeId(stages_.size());
  stages_.push_back(stage);
  allowed_.push_back(0);
  stats_.emplace_back();
  inputs_.emplace_back();
  return stage->id;
}

void Graph::connect(NodeId from, int slot, NodeId to) {
  if (from >= stages_.size() || to >= stages_.size() || to <= from || slot < 0 || slot >= Stage::kMaxNext)
    throw std::logic_error("graph: an edge must go forward between declared stages");
  stages_[from]->next_node[slot] = to;
  allowed_[from] |= uint64_t(1) << to;
}

const char* Graph::node_name(NodeId id) const {
  if (id < stages_.size()) return stages_[id]->name();
  switch (id) {
    case kNodeSent: return "sent";
    case kNodeDrop: return "drop";
    case kNodeHeld: return "held";
    default: return "?";
  }
}

void Graph::run(StageContext& ctx, Batch& batch, std::vector<Packet*>& sent, std::vector<Packet*>& dropped) {
  for (uint32_t i = 0; i < batch.n; i++) {
    Packet* p = batch.pkts[i];
    Port* in = ctx.port(p->in_port);
    const NodeId node = in ? entry_[int(in->role)] : kNodeUnset;
    if (node == kNodeUnset) {
      drop(p, CoreDrop::no_stage);
      dropped.push_back(p);
      continue;
    }
    p->next = kNodeUnset;
    push(node, p);
  }
  batch.n = 0;

  const bool timed = runs_++ % kCostSampleEvery == 0;
  for (NodeId id = 0; id < stages_.size(); id++) {
    Batch& in = inputs_[id];
    if (!in.n) continue;
    StageStats& st = stats_[id];
    st.packets += in.n;
    st.batches++;
    ctx.current = id;
    const uint64_t t0 = timed ? clock_ns() : 0;
    stages_[id]->process(ctx, in.pkts, in.n);
    if (timed) {
      st.sampled_ns += clock_ns() - t0;
      st.sampled_packets += in.n;
    }
    const uint64_t allowed = allowed_[id];
    for (uint32_t i = 0; i < in.n; i++) {
      Packet* p = in.pkts[i];
      NodeId next = p->next;
      if (next < stages_.size() && !(allowed >> next & 1)) {
        drop(p, CoreDrop::bad_next);
        next = kNodeDrop;
      }
      if (p->trace && ctx.tracer_) {
        TraceDecision d{next, p->drop_reason};
        ctx.tracer_->record(p->trace, TraceEntry::decision, id, &d, sizeof d, ctx.now_ns);
      }
      if (next < stages_.size()) {
        p->next = kNodeUnset;
        push(next, p);
      } else if (next == kNodeSent) {
        sent.push_back(p);
      } else if (next == kNodeHeld) {
        // the stage keeps it
      } else {
        if (next != kNodeDrop) drop(p, CoreDrop::bad_next);
        dropped.push_back(p);
      }
    }
    in.n = 0;
  }
  ctx.current = kNodeUnset;
}

}  // namespace ferry
