#include "nat/conntrack.h"

#include <cstring>
#include <random>

namespace ferry {

namespace {
constexpr uint32_t kEvictScanBuckets = 8;  // how far early_drop looks around the new flow's bucket

uint32_t round_up_pow2(uint64_t n) {
  uint32_t p = 1;
  while (p < n && p < (1u << 31)) p <<= 1;
  return p;
}
}  // namespace

const char* tcp_state_name(TcpState s) {
  static const char* const names[] = {
#define FERRY_X(name, text) text,
      FERRY_TCP_STATES(FERRY_X)
#undef FERRY_X
  };
  return names[static_cast<int>(s)];
}

template <typename Key>
ConntrackOf<Key>::ConntrackOf(uint32_t max_entries) : entries_(max_entries ? max_entries : 1) {
  buckets_.assign(round_up_pow2(uint64_t(entries_.size()) * 2), kNil);
  mask_ = uint32_t(buckets_.size() - 1);
  flush();
  std::random_device rd;  // a secret seed: outside senders cannot aim flows at one chain
  seed_ = uint64_t(rd()) << 32 | rd();
}

template <typename Key>
void ConntrackOf<Key>::flush() {
  counters.removed += count_;
  std::fill(buckets_.begin(), buckets_.end(), kNil);
  for (uint32_t i = 0; i < entries_.size(); i++) {
    entries_[i].flags = 0;
    entries_[i].next[0] = i + 1 < entries_.size() ? i + 1 : kNil;
  }
  free_head_ = 0;
  count_ = 0;
}

template <typename Key>
uint32_t ConntrackOf<Key>::bucket_of(const Key& k) const {
  static_assert(sizeof(Key) % 8 == 0, "a key is hashed as 64-bit words");
  uint64_t w[sizeof(Key) / 8];
  std::memcpy(w, &k, sizeof w);
  uint64_t h = (w[0] ^ seed_) * 0x9E3779B97F4A7C15ull;
  for (size_t i = 1; i < sizeof(Key) / 8; i++) h ^= (w[i] + (h >> 29)) * 0xC2B2AE3D27D4EB4Full;
  h ^= h >> 32;
  return uint32_t(h) & mask_;
}

template <typename Key>
void ConntrackOf<Key>::link(uint32_t ref) {
  Entry& e = entries_[ref >> 1];
  uint32_t& head = buckets_[bucket_of(e.key[ref & 1])];
  e.next[ref & 1] = head;
  head = ref;
}

template <typename Key>
void ConntrackOf<Key>::unlink(uint32_t ref) {
  Entry& e = entries_[ref >> 1];
  uint32_t* at = &buckets_[bucket_of(e.key[ref & 1])];
  while (*at != kNil) {
    if (*at == ref) {
      *at = e.next[ref & 1];
      return;
    }
    at = &entries_[*at >> 1].next[*at & 1];
  }
}

template <typename Key>
uint32_t ConntrackOf<Key>::lookup(const Key& k, uint32_t now) {
  for (uint32_t ref = buckets_[bucket_of(k)]; ref != kNil;) {
    Entry& e = entries_[ref >> 1];
    if (e.key[ref & 1] == k) {
      if (e.expires > now) return ref;
      remove(ref >> 1);
      counters.expired++;
      return kNil;
    }
    ref = e.next[ref & 1];
  }
  return kNil;
}

template <typename Key>
uint32_t ConntrackOf<Key>::peek(const Key& k, uint32_t now) const {
  for (uint32_t ref = buckets_[bucket_of(k)]; ref != kNil;) {
    const Entry& e = entries_[ref >> 1];
    if (e.key[ref & 1] == k) return e.expires > now ? ref : kNil;
    ref = e.next[ref & 1];
  }
  return kNil;
}

template <typename Key>
void ConntrackOf<Key>::remove(uint32_t index) {
  Entry& e = entries_[index];
  if (!(e.flags & kCtInUse)) return;
  unlink(index << 1);
  unlink(index << 1 | 1);
  e.flags = 0;
  e.next[0] = free_head_;
  free_head_ = index;
  count_--;
}

// What Linux's early_drop and its collector may evict when the table is
// (nearly) full: a flow never answered, one already expired, or a TCP
// connection that is closing (tcp_can_early_drop: FIN_WAIT, CLOSE_WAIT,
// LAST_ACK, TIME_WAIT, CLOSE), even when it was assured.
template <typename Key>
bool ConntrackOf<Key>::can_early_drop(const Entry& e, uint32_t now) {
  if (!(e.flags & kCtAssured) || e.expires <= now) return true;
  if (e.key[0].proto != 6) return false;
  switch (e.tcp) {
    case TcpState::fin_wait:
    case TcpState::close_wait:
    case TcpState::last_ack:
    case TcpState::time_wait:
    case TcpState::close:
      return true;
    default:
      return false;
  }
}

template <typename Key>
bool ConntrackOf<Key>::evict_near(uint32_t bucket, uint32_t now) {
  for (uint32_t b = 0; b < kEvictScanBuckets; b++) {
    for (uint32_t ref = buckets_[(bucket + b) & mask_]; ref != kNil;) {
      Entry& e = entries_[ref >> 1];
      if (can_early_drop(e, now)) {
        remove(ref >> 1);
        counters.early_drop++;
        return true;
      }
      ref = e.next[ref & 1];
    }
  }
  return false;
}

template <typename Key>
uint32_t ConntrackOf<Key>::create(const Key& original, const Key& reply, uint8_t flags, uint32_t now) {
  if (free_head_ == kNil && !evict_near(bucket_of(original), now)) {
    counters.insert_refused++;
    return kNil;
  }
  uint32_t index = free_head_;
  Entry& e = entries_[index];
  free_head_ = e.next[0];
  e = Entry{};
  e.key[0] = original;
  e.key[1] = reply;
  e.flags = uint8_t(flags | kCtInUse);
  link(index << 1);
  link(index << 1 | 1);
  count_++;
  counters.created++;
  e.expires = now + timeout_for(e);
  return index;
}

template <typename Key>
uint32_t ConntrackOf<Key>::timeout_for(const Entry& e) const {
  const ConntrackTimeouts& t = timeouts;
  switch (e.key[0].proto) {
    case 6:
      switch (e.tcp) {
        case TcpState::none:
        case TcpState::syn_sent: return t.tcp_syn_sent;
        case TcpState::syn_recv: return t.tcp_syn_recv;
        case TcpState::established: return t.tcp_established;
        case TcpState::fin_wait: return t.tcp_fin_wait;
        case TcpState::close_wait: return t.tcp_close_wait;
        case TcpState::last_ack: return t.tcp_last_ack;
        case TcpState::time_wait: return t.tcp_time_wait;
        case TcpState::close: return t.tcp_close;
      }
      return t.tcp_close;
    case 17: return (e.flags & kCtReplied) ? t.udp_stream : t.udp;
    default: return t.icmp;
  }
}

// Flags to state, the shape of Linux's tcp_conntracks table without the
// window checks. dir 0 is the side that opened the flow.
template <typename Entry>
static TcpState next_tcp_state(Entry& e, int dir, uint8_t f) {
  constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;
  const TcpState s = e.tcp;
  if (f & kRst) return TcpState::close;
  if ((f & kSyn) && !(f & kAck)) {
    if (s == TcpState::none) return TcpState::syn_sent;
    if (dir == 0 && (s == TcpState::time_wait || s == TcpState::close)) return TcpState::syn_sent;  // reopened
    return s;
  }
  if (f & kSyn) return (dir == 1 && s == TcpState::syn_sent) ? TcpState::syn_recv : s;
  if (s == TcpState::none) return TcpState::established;  // picked up mid-stream, as nf_conntrack_tcp_loose
  if (f & kFin) {
    if (s == TcpState::syn_sent || s == TcpState::syn_recv || s == TcpState::established) {
      e.fin_dir = uint8_t(dir);
      return TcpState::fin_wait;
    }
    if ((s == TcpState::fin_wait || s == TcpState::close_wait) && dir != e.fin_dir) return TcpState::last_ack;
    return s;
  }
  if (f & kAck) {
    if (s == TcpState::syn_recv && dir == 0) return TcpState::established;
    if (s == TcpState::fin_wait && dir != e.fin_dir) return TcpState::close_wait;
    if (s == TcpState::last_ack && dir == e.fin_dir) return TcpState::time_wait;
  }
  return s;
}

template <typename Key>
void ConntrackOf<Key>::on_packet(uint32_t index, int dir, uint8_t tcp_flags, uint32_t now) {
  Entry& e = entries_[index];
  e.packets[dir]++;
  if (dir == 1) e.flags |= kCtReplied;
  if (e.key[0].proto == 6) {
    e.tcp = next_tcp_state(e, dir, tcp_flags);
    if (e.tcp == TcpState::established && (e.flags & kCtReplied)) e.flags |= kCtAssured;
  } else if (e.key[0].proto == 17 && (e.flags & kCtReplied)) {
    e.flags |= kCtAssured;
  }
  e.expires = now + timeout_for(e);
}

template <typename Key>
void ConntrackOf<Key>::sweep(uint32_t now) {
  const uint32_t n = uint32_t(entries_.size());
  uint32_t budget = n / 4 > 1024 ? n / 4 : 1024;  // the whole table every 4 s at most
  if (budget > n) budget = n;
  for (uint32_t i = 0; i < budget; i++) {
    Entry& e = entries_[sweep_cursor_];
    if ((e.flags & kCtInUse) && e.expires <= now) {
      remove(sweep_cursor_);
      counters.expired++;
    } else if ((e.flags & kCtInUse) && uint64_t(count_) * 100 > uint64_t(n) * 95 && can_early_drop(e, now)) {
      // Above 95%, as Linux's collector (nf_conntrack_max95): closing and
      // unanswered flows make room before new ones are refused.
      remove(sweep_cursor_);
      counters.early_drop++;
    }
    if (++sweep_cursor_ == n) sweep_cursor_ = 0;
  }
}

template class ConntrackOf<FlowKey>;
template class ConntrackOf<FlowKey6>;

}  // namespace ferry
