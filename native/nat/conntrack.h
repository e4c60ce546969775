// Connection tracking: every flow that Ferry routes through its NAT, in both
// directions, in one bounded hash table.
//
// An entry holds two keys: the flow as its first packet was seen (original)
// and as its answers will be seen after translation (reply). Both keys are
// linked into the same bucket array, so a packet from either side finds its
// entry with one hash and a short chain walk, and the direction it was found
// in says which translation applies. A source port picked for SNAT "never
// collides" because a candidate is taken only when its reply key is absent.
//
// One table per family: ConntrackOf<FlowKey> for IPv4, ConntrackOf<FlowKey6>
// for IPv6 (NAT66), the same code over a key of 16 or 40 bytes.
//
// Memory is allocated once, at the bound: entries in one array (56 bytes
// each for IPv4, 104 for IPv6), free ones chained through their link, buckets twice the bound
// rounded to a power of two. 1,000,000 entries take 56 MB + 8 MB.
//
// Timeouts are Linux's defaults (nf_conntrack_tcp_timeout_*, _udp_timeout,
// _udp_timeout_stream, _icmp_timeout). Expired entries are removed lazily by
// a lookup that meets them and by a sweep that visits a slice of the array
// each second, so no pass is ever linear in the table within one batch.
// When the table is full, an entry not yet answered ("unassured", like
// Linux's early_drop), or a TCP connection that is closing, near the new
// flow's bucket is evicted; if none is found the new flow is refused. Above
// 95% the once-a-second sweep evicts such entries too, as Linux's collector
// does. Established flows are never evicted.
//
// TCP is tracked by flags only (SYN, SYN-ACK, ACK, FIN, RST), as a state
// machine shaped like Linux's; sequence-window tracking is not done.
#pragma once
#include <cstdint>
#include <vector>

#include "l3/flow_key.h"

namespace ferry {



#define FERRY_TCP_STATES(X) \
  X(none, "NONE")           \
  X(syn_sent, "SYN_SENT")   \
  X(syn_recv, "SYN_RECV")   \
  X(established, "ESTABLISHED") \
  X(fin_wait, "FIN_WAIT")   \
  X(close_wait, "CLOSE_WAIT") \
  X(last_ack, "LAST_ACK")   \
  X(time_wait, "TIME_WAIT") \
  X(close, "CLOSE")

enum class TcpState : uint8_t {
#define FERRY_X(name, text) name,
  FERRY_TCP_STATES(FERRY_X)
#undef FERRY_X
};
const char* tcp_state_name(TcpState s);

// Linux's default timeouts (nf_conntrack_tcp_timeout_*, _udp_timeout,
// _udp_timeout_stream, _icmp_timeout), in seconds: field, the name users
// give it (`--conntrack-timeout NAME=SECONDS`), the default.
#define FERRY_CT_TIMEOUTS(X)                  \
  X(tcp_syn_sent, "tcpSynSent", 120)          \
  X(tcp_syn_recv, "tcpSynRecv", 60)           \
  X(tcp_established, "tcpEstablished", 432000) \
  X(tcp_fin_wait, "tcpFinWait", 120)          \
  X(tcp_close_wait, "tcpCloseWait", 60)       \
  X(tcp_last_ack, "tcpLastAck", 30)           \
  X(tcp_time_wait, "tcpTimeWait", 120)        \
  X(tcp_close, "tcpClose", 10)                \
  X(udp, "udp", 30)                           \
  X(udp_stream, "udpStream", 120)             \
  X(icmp, "icmp", 30)

struct ConntrackTimeouts {
#define FERRY_X(field, name, seconds) uint32_t field = seconds;
  FERRY_CT_TIMEOUTS(FERRY_X)
#undef FERRY_X
};

enum ConntrackFlags : uint8_t {
  kCtReplied = 1,  // a packet was seen in the reply direction
  kCtAssured = 2,  // never evicted early (TCP established, UDP answered)
  kCtSnat = 4,
  kCtDnat = 8,
  kCtInUse = 16,
};

template <typename Key>
struct ConntrackEntryOf {
  Key key[2];       // [0] original, [1] reply
  uint32_t next[2];     // bucket chain links, one per key
  uint32_t expires = 0; // engine seconds
  TcpState tcp = TcpState::none;
  uint8_t flags = 0;
  uint8_t fin_dir = 0;  // direction of the first FIN
  uint8_t pad = 0;
  uint32_t packets[2] = {0, 0};
};
using ConntrackEntry = ConntrackEntryOf<FlowKey>;
using ConntrackEntry6 = ConntrackEntryOf<FlowKey6>;
static_assert(sizeof(ConntrackEntry) == 56, "the memory figure in the header comment depends on it");
static_assert(sizeof(ConntrackEntry6) == 104, "the memory figure in the header comment depends on it");

#define FERRY_CONNTRACK_COUNTERS(X)                                           \
  X(created, "new flows entered")                                             \
  X(expired, "entries removed at their timeout")                              \
  X(early_drop, "unanswered entries evicted to make room (table full)")       \
  X(insert_refused, "new flows refused: table full of answered flows")        \
  X(removed, "entries removed by the control plane")

struct ConntrackCounters {
#define FERRY_X(name, help) uint64_t name = 0;
  FERRY_CONNTRACK_COUNTERS(FERRY_X)
#undef FERRY_X
};

template <typename Key>
class ConntrackOf {
 public:
  using Entry = ConntrackEntryOf<Key>;
  static constexpr uint32_t kDefaultMax = 262144;
  static constexpr uint32_t kNil = 0xffffffffu;

  explicit ConntrackOf(uint32_t max_entries = kDefaultMax);

  // A reference is index << 1 | direction. kNil when absent. An expired
  // entry met on the way is removed (peek leaves it, for a dry run).
  uint32_t lookup(const Key& k, uint32_t now);
  uint32_t peek(const Key& k, uint32_t now) const;
  // Enters a flow; returns its index, or kNil when the table is full of
  // assured entries. The caller has checked that neither key is present.
  uint32_t create(const Key& original, const Key& reply, uint8_t flags, uint32_t now);
  void remove(uint32_t index);
  bool contains(const Key& k, uint32_t now) { return lookup(k, now) != kNil; }
  const Entry& entry(uint32_t index) const { return entries_[index]; }

  // Updates state and timeout for a packet seen in direction dir.
  void on_packet(uint32_t index, int dir, uint8_t tcp_flags, uint32_t now);
  // Visits a slice of the table and removes what has expired.
  void sweep(uint32_t now);
  void flush();  // every entry, counted as removed

  Entry& entry(uint32_t index) { return entries_[index]; }
  uint32_t size() const { return count_; }
  uint32_t max_entries() const { return uint32_t(entries_.size()); }
  uint64_t memory_bytes() const {
    return entries_.size() * sizeof(Entry) + buckets_.size() * sizeof(uint32_t);
  }
  ConntrackTimeouts timeouts;
  ConntrackCounters counters;

  template <typename F>
  void for_each(uint32_t now, F f) const {
    for (const Entry& e : entries_)
      if ((e.flags & kCtInUse) && e.expires > now) f(e);
  }

 private:
  uint32_t bucket_of(const Key& k) const;
  void link(uint32_t ref);
  void unlink(uint32_t ref);
  bool evict_near(uint32_t bucket, uint32_t now);
  static bool can_early_drop(const Entry& e, uint32_t now);
  uint32_t timeout_for(const Entry& e) const;

  std::vector<Entry> entries_;
  std::vector<uint32_t> buckets_;
  uint32_t mask_ = 0;
  uint32_t free_head_ = kNil;
  uint32_t count_ = 0;
  uint32_t sweep_cursor_ = 0;
  uint64_t seed_ = 0;
};

using Conntrack = ConntrackOf<FlowKey>;
using Conntrack6 = ConntrackOf<FlowKey6>;

}  // namespace ferry
