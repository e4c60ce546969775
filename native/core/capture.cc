#include "core/capture.h"

#include <pcap/bpf.h>

#include <cstring>

namespace ferry {

namespace {
constexpr size_t kAlign = 8;
size_t padded(size_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }
}  // namespace

CaptureTap::CaptureTap(size_t ring_bytes, uint32_t snaplen, bool drops, std::vector<bpf_insn> filter)
    : ring_(padded(ring_bytes)), snaplen_(snaplen), drops_(drops), filter_(std::move(filter)) {}

CaptureTap::~CaptureTap() = default;

void CaptureTap::put(const void* data, size_t len, uint64_t at) {
  const size_t size = ring_.size();
  const size_t off = size_t(at % size);
  const size_t first = len < size - off ? len : size - off;
  std::memcpy(ring_.data() + off, data, first);
  if (first < len) std::memcpy(ring_.data(), static_cast<const uint8_t*>(data) + first, len - first);
}

void CaptureTap::get(void* data, size_t len, uint64_t at) const {
  const size_t size = ring_.size();
  const size_t off = size_t(at % size);
  const size_t first = len < size - off ? len : size - off;
  std::memcpy(data, ring_.data() + off, first);
  if (first < len) std::memcpy(static_cast<uint8_t*>(data) + first, ring_.data(), len - first);
}

void CaptureTap::record(const Packet& p, uint32_t port, CaptureDirection dir, uint64_t t_ns) {
  if (!filter_.empty() &&
      bpf_filter(filter_.data(), p.data, p.len, p.len) == 0) {
    counters.filtered.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  CaptureRecord r{t_ns, port, p.len, p.len < snaplen_ ? p.len : snaplen_, p.drop_reason, dir, p.vnet.gso_type, p.vnet.gso_size};
  if (dir != CaptureDirection::dropped) r.drop_reason = 0;
  const size_t need = sizeof r + padded(r.cap_len);
  const uint64_t head = head_.load(std::memory_order_relaxed);
  if (head - tail_.load(std::memory_order_acquire) + need > ring_.size()) {
    counters.lost.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  put(&r, sizeof r, head);
  put(p.data, r.cap_len, head + sizeof r);
  head_.store(head + need, std::memory_order_release);
  counters.captured.fetch_add(1, std::memory_order_relaxed);
}

size_t CaptureTap::read(uint8_t* out, size_t max) {
  const uint64_t head = head_.load(std::memory_order_acquire);
  uint64_t tail = tail_.load(std::memory_order_relaxed);
  size_t n = 0;
  while (tail < head) {
    CaptureRecord r;
    get(&r, sizeof r, tail);
    const size_t len = sizeof r + padded(r.cap_len);
    if (n + len > max) break;
    get(out + n, len, tail);
    n += len;
    tail += len;
  }
  tail_.store(tail, std::memory_order_release);
  return n;
}

}  // namespace ferry
