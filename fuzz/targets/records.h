// How a fuzz input becomes frames: a sequence of records, each one frame
// arriving on one port, written by fuzz/seeds.ts and mutated by libFuzzer.
//
//   byte 0     bits 0-2: the port it arrives on (modulo the harness's ports)
//              bit 3: a 10-byte virtio-net header follows (else none: zeros)
//              bit 4: a dry run (ferry trace --inject: nothing sent or kept)
//   [10 bytes] the VnetHdr, as TAP would hand it (host byte order)
//   2 bytes    the frame's length, big-endian (cut to what is left)
//   ...        the frame
//
// Everything the fuzzer can write is accepted: a record that runs past the
// input's end takes what is left.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/packet.h"
#include "core/vnet.h"

namespace ferry::fuzz {

struct Record {
  uint32_t port = 0;
  bool dry = false;
  VnetHdr vnet{};
  const uint8_t* frame = nullptr;
  uint32_t len = 0;
};

class Records {
 public:
  Records(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}

  bool next(Record& r) {
    if (p_ >= end_) return false;
    const uint8_t head = *p_++;
    r = Record{};
    r.port = head & 7;
    r.dry = head & 0x10;
    if (head & 8) {
      const size_t n = take(sizeof(VnetHdr));
      std::memcpy(&r.vnet, p_ - n, n);
    }
    uint32_t len = 0;
    if (take(1)) len = uint32_t(p_[-1]) << 8;
    if (take(1)) len |= p_[-1];
    if (len > kMaxFrame) len = kMaxFrame;
    r.len = uint32_t(take(len));
    r.frame = p_ - r.len;
    return true;
  }

 private:
  size_t take(size_t n) {
    const size_t k = size_t(end_ - p_) < n ? size_t(end_ - p_) : n;
    p_ += k;
    return k;
  }
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace ferry::fuzz
