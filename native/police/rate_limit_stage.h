// Rate limit: a policer on what a container sends, set per port with
// `ferry run --rate-limit 100mbit` (or 20kpps). Each limited port has a
// token bucket; a frame that finds enough tokens goes on, one that does not
// is dropped (rate_limited), as `tc police` does on ingress. Frames of ports
// without a limit pass with one table probe.
//
// A GSO frame is charged for what it will be on the wire: its segments, each
// with its own headers, so a 64 KB TCP frame costs what its ~45 packets do,
// in bytes and in packets. The bucket holds at least one whole GSO frame, or
// no such frame could ever pass.
//
// This is the worked example of docs/stages.md: a stage with a typed
// configuration, a table it owns, its counters and drop reason declared
// here, a trace record, and one line in the graph.
#pragma once
#include <vector>

#include "core/port_table.h"
#include "core/stage.h"

#define FERRY_RATE_LIMIT_DROPS(X) X(rate_limited, "over the port's --rate-limit: no tokens left")

#define FERRY_RATE_LIMIT_COUNTERS(X)                      \
  X(passed, "frames of limited ports that had tokens")   \
  X(limited, "frames dropped for want of tokens")         \
  X(unlimited, "frames of ports without a limit")

namespace ferry {

struct RateLimitCounters {
  FERRY_RATE_LIMIT_COUNTERS(FERRY_COUNTER_FIELD)
};

// A port's limit: bytes or packets per second, and the bucket's depth.
struct RateLimit {
  enum class Unit : uint8_t { bytes, packets };
  Unit unit = Unit::bytes;
  uint64_t per_second = 0;
  uint64_t burst = 0;  // 0: 10 ms of the rate, at least one whole GSO frame
};

class RateLimitStage : public Stage {
 public:
  enum class Next { forward };
  static constexpr const char* kName = "rate-limit";

  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void port_removed(uint32_t port) override { clear(port); }
  void for_each_counter(const CounterVisitor& visit) const override {
    const RateLimitCounters& c = counters;
    FERRY_RATE_LIMIT_COUNTERS(FERRY_COUNTER_VISIT)
  }

  // Control, on the worker.
  void set(uint32_t port, const RateLimit& limit, uint64_t now_ns);
  void clear(uint32_t port);
  const RateLimit* limit_of(uint32_t port) const;
  bool any() const { return buckets_.any(); }

  RateLimitCounters counters, scratch;

 private:
  struct Bucket {
    RateLimit limit;
    uint64_t tokens = 0;   // in units * 1e9 (nano-units), so refills of a few ns add up
    uint64_t depth = 0;    // likewise
    uint64_t fill_ns = 0;  // time an empty bucket takes to fill
    uint64_t last_ns = 0;
  };
  PortTable<Bucket> buckets_;
};

}  // namespace ferry
