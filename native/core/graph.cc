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
  for (int i = 0; i < kMaxStages; i++) redirect_[i] = NodeId(i);
}

void Graph::bypass(NodeId stage, bool on) {
  if (stage >= count_ || stages_[stage]->next_node[0] == kNodeUnset || stages_[stage]->next_node[1] != kNodeUnset)
    throw std::logic_error("graph: only a stage with exactly one successor can be bypassed");
  bypassed_[stage] = on;
  resolve_redirects();
}

// Each node to the first node at or after it that is not bypassed.
void Graph::resolve_redirects() {
  for (int n = int(count_) - 1; n >= 0; n--)
    redirect_[n] = bypassed_[n] ? redirect_[stages_[n]->next_node[0]] : NodeId(n);
}

NodeId Graph::add(Stage* stage) {
  if (count_ >= uint32_t(kMaxStages)) throw std::logic_error("too many stages");
  stage->id = NodeId(count_);
  stages_[count_++] = stage;
  return stage->id;
}

void Graph::connect(NodeId from, int slot, NodeId to) {
  if (from >= count_ || to >= count_ || to <= from || slot < 0 || slot >= Stage::kMaxNext)
    throw std::logic_error("graph: an edge must go forward between declared stages");
  stages_[from]->next_node[slot] = to;
  allowed_[from] |= uint64_t(1) << to;
}

const char* Graph::node_name(NodeId id) const {
  if (id < count_) return stages_[id]->name();
  switch (id) {
    case kNodeSent: return "sent";
    case kNodeDrop: return "drop";
    case kNodeHeld: return "held";
    default: return "?";
  }
}

void Graph::run(StageContext& ctx, Batch& batch, Batch& sent, Batch& dropped) {
  for (uint32_t i = 0; i < batch.n; i++) {
    Packet* p = batch.pkts[i];
    Port* in = ctx.port(p->in_port);
    const NodeId node = in ? entry_[int(in->role)] : kNodeUnset;
    if (node == kNodeUnset) {
      drop(p, CoreDrop::no_stage);
      dropped.pkts[dropped.n++] = p;
      continue;
    }
    p->next = kNodeUnset;
    push(node, p);
  }
  batch.n = 0;

  const bool timed = runs_++ % kCostSampleEvery == 0;
  for (NodeId id = 0; id < count_; id++) {
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
      if (next < count_ && !(allowed >> next & 1)) {
        drop(p, CoreDrop::bad_next);
        next = kNodeDrop;
      }
      if (p->trace && ctx.tracer_) {
        TraceDecision d{next < count_ ? redirect_[next] : next, p->drop_reason};  // where it really goes
        ctx.tracer_->record(p->trace, TraceEntry::decision, id, &d, sizeof d, ctx.now_ns);
      }
      if (next < count_) {
        p->next = kNodeUnset;
        push(next, p);
      } else if (next == kNodeSent) {
        sent.pkts[sent.n++] = p;
      } else if (next == kNodeHeld) {
        // the stage keeps it
      } else {
        if (next != kNodeDrop) drop(p, CoreDrop::bad_next);
        dropped.pkts[dropped.n++] = p;
      }
    }
    in.n = 0;
  }
  ctx.current = kNodeUnset;
}

}  // namespace ferry
