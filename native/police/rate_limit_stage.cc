#include "police/rate_limit_stage.h"

#include <cstring>
#include <string>

#include "dataplane/drops.h"

namespace ferry {

namespace {

constexpr uint64_t kNano = 1000000000ull;
constexpr uint64_t kBurstNs = 10000000ull;  // 10 ms of the rate, by default

// What the frame will be on the wire: segments, and bytes with every
// segment's headers (the vnet header's hdr_len) counted.
void wire_cost(const Packet& p, uint64_t* packets, uint64_t* bytes) {
  if (!vnet_is_gso(p.vnet) || p.vnet.gso_size == 0 || p.len <= p.vnet.hdr_len) {
    *packets = 1;
    *bytes = p.len;
    return;
  }
  const uint64_t payload = p.len - p.vnet.hdr_len;
  *packets = (payload + p.vnet.gso_size - 1) / p.vnet.gso_size;
  *bytes = p.len + (*packets - 1) * p.vnet.hdr_len;
}

struct RateLimitTrace {
  uint64_t tokens;  // units before the frame
  uint64_t cost;    // units the frame costs
  uint64_t rate;
  RateLimit::Unit unit;
  bool limited_port;
  bool passed;
};

}  // namespace

void RateLimitStage::set(uint32_t port, const RateLimit& limit, uint64_t now_ns) {
  Bucket& b = buckets_.set(port);
  b.limit = limit;
  uint64_t burst = limit.burst ? limit.burst : limit.per_second * kBurstNs / kNano;
  const uint64_t whole_frame = limit.unit == RateLimit::Unit::bytes ? kMaxFrame + 64 * 64 : 64;
  if (burst < whole_frame) burst = whole_frame;
  b.depth = burst * kNano;
  b.fill_ns = b.depth / limit.per_second;
  b.tokens = b.depth;
  b.last_ns = now_ns;
}

void RateLimitStage::clear(uint32_t port) { buckets_.clear(port); }

const RateLimit* RateLimitStage::limit_of(uint32_t port) const {
  const Bucket* b = buckets_.find(port);
  return b ? &b->limit : nullptr;
}

void RateLimitStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  RateLimitCounters& c = ctx.dry_run ? scratch : counters;
  const NodeId next = next_of(Next::forward);
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    Bucket* found = buckets_.find(p->in_port);
    if (!found) {
      p->next = next;
      c.unlimited++;
      if (p->trace) ctx.trace(p, RateLimitTrace{0, 0, 0, RateLimit::Unit::bytes, false, true});
      continue;
    }
    Bucket& b = *found;
    // Refill for the time since the last frame, up to the bucket's depth
    // (an idle gap longer than a whole refill would overflow the product).
    const uint64_t idle = ctx.now_ns - b.last_ns;
    uint64_t tokens = idle >= b.fill_ns ? b.depth : b.tokens + idle * b.limit.per_second;
    if (tokens > b.depth) tokens = b.depth;
    uint64_t packets, bytes;
    wire_cost(*p, &packets, &bytes);
    const uint64_t cost = (b.limit.unit == RateLimit::Unit::bytes ? bytes : packets) * kNano;
    const bool pass = tokens >= cost;
    if (!ctx.dry_run) {
      b.tokens = pass ? tokens - cost : tokens;
      b.last_ns = ctx.now_ns;
    }
    if (pass) {
      p->next = next;
      c.passed++;
    } else {
      drop(p, DropReason::rate_limited);
      c.limited++;
    }
    if (p->trace) ctx.trace(p, RateLimitTrace{tokens / kNano, cost / kNano, b.limit.per_second, b.limit.unit, true, pass});
  }
}

std::string RateLimitStage::format_trace(const uint8_t* record, uint32_t len) const {
  RateLimitTrace t;
  std::memcpy(&t, record, sizeof t);
  if (!t.limited_port) return "no limit on this port";
  const char* unit = t.unit == RateLimit::Unit::bytes ? "bytes" : "packets";
  return std::string(t.passed ? "within" : "over") + " the limit of " + std::to_string(t.rate) + " " + unit + "/s: costs " +
         std::to_string(t.cost) + ", " + std::to_string(t.tokens) + " in the bucket";
}

}  // namespace ferry
