// IPv4 reassembly, between IPv4 input and the NAT: a NAT must see a
// datagram's ports to translate it, and only the first fragment carries
// them, so fragments of routed traffic are put back together first, as
// Linux's conntrack does (nf_defrag_ipv4). The whole datagram goes on to
// the NAT; forwarding cuts it again at the egress MTU (l3/fragment.h).
//
// Each datagram in progress holds one pool buffer, the first of its
// fragments to arrive, into which the others are copied at their offsets;
// a fragment that completes it takes the datagram's place in the batch.
// Bounds, so a flood of fragments cannot take the pool: at most
// kMaxDatagrams in progress (4.3 MB of buffers), kMaxPerSource from one
// source address, kMaxPieces fragments each; a datagram incomplete after
// timeout_seconds (30, as Linux's ipfrag_time) is dropped. As Linux since RFC 5722's reasoning came to
// IPv4 (FragmentSmack), fragments that overlap drop the whole datagram; an
// exact duplicate is dropped alone. The table is searched linearly: it is
// a fixed 64 entries, not something that grows with containers or flows.
#pragma once
#include <cstdint>

#include "core/stage.h"
#include "l3/routes.h"

#define FERRY_REASSEMBLY_DROPS(X)                                                              \
  X(frag_overlap, "IPv4 fragments overlapping: the whole datagram dropped, as Linux does")     \
  X(frag_duplicate, "IPv4 fragment received twice")                                            \
  X(frag_limit, "IPv4 fragment past the bound on datagrams in reassembly (64, 16 per source)")  \
  X(frag_timeout, "IPv4 datagram incomplete after 30 s: its fragments dropped")                \
  X(frag_malformed, "IPv4 fragment too long (past 65,535), not a multiple of 8, or one too many")

#define FERRY_REASSEMBLY_COUNTERS(X)                                    \
  X(fragments, "fragments taken into a datagram")                      \
  X(reassembled, "datagrams made whole and sent on to the NAT")         \
  X(in_progress, "datagrams being reassembled now")

namespace ferry {

struct ReassemblyCounters {
  FERRY_REASSEMBLY_COUNTERS(FERRY_COUNTER_FIELD)
};

class Ip4ReassemblyStage : public Stage {
 public:
  enum class Next { nat };
  static constexpr uint32_t kMaxDatagrams = 64;
  static constexpr uint32_t kMaxPerSource = 16;
  static constexpr uint32_t kMaxPieces = 64;
  static constexpr uint32_t kDefaultTimeoutSeconds = 30;  // Linux's net.ipv4.ipfrag_time

  static constexpr const char* kName = "ip4-reassembly";
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void tick(StageContext& ctx) override;
  bool needs_tick() const override { return busy_ > 0; }
  void for_each_counter(const CounterVisitor& visit) const override {
    ReassemblyCounters c = counters;
    c.in_progress = busy_;
    FERRY_REASSEMBLY_COUNTERS(FERRY_COUNTER_VISIT)
  }

  // Every datagram in progress let go, uncounted (a reset between fuzz inputs).
  void clear(StageContext& ctx);

  ReassemblyCounters counters, scratch;
  uint32_t timeout_seconds = kDefaultTimeoutSeconds;  // --ipfrag-time

 private:
  // Where a datagram's payload starts in its buffer: room for the largest
  // header in front, so the header of the offset-0 fragment fits whichever
  // fragment arrived first.
  static constexpr uint32_t kPayloadAt = 14 + 60;

  struct Datagram {
    bool used = false;
    uint32_t src = 0, dst = 0;
    uint16_t id = 0;
    uint8_t proto = 0;
    uint8_t pieces = 0;
    Packet* buf = nullptr;
    uint32_t expires = 0;
    uint32_t total = 0;     // payload length, known once the last fragment came (0: not yet)
    uint32_t received = 0;  // payload bytes in hand
    uint32_t header_len = 0;  // Ethernet + IPv4 of the offset-0 fragment, 0 until it came
    uint8_t header[kPayloadAt];
    struct Range {
      uint16_t begin, end;
    } ranges[kMaxPieces];
  };
  enum class Added { kept, complete, duplicate, overlap, malformed };

  Datagram* find(uint32_t src, uint32_t dst, uint16_t id, uint8_t proto);
  Datagram* open(StageContext& ctx, Packet* p, uint32_t src, uint32_t dst, uint16_t id, uint8_t proto, uint16_t* why);
  Added add(Datagram& d, const Packet& p);
  Packet* finish(Datagram& d, Packet* last);
  void close(StageContext& ctx, Datagram& d, uint16_t reason);

  Datagram table_[kMaxDatagrams];
  uint32_t busy_ = 0;
};

}  // namespace ferry
