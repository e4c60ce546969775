// The Internet checksum, full and incremental: the one module every stage that
// rewrites a header uses (DESIGN: "one checksum module").
//
// Sums are carried unfolded in 32 bits and folded at the end. Incremental
// updates follow RFC 1624 (HC' = ~(~HC + ~m + m')). A CHECKSUM_PARTIAL packet
// (virtio-net NEEDS_CSUM) is different: its checksum field holds the folded,
// *uncomplemented* sum of the pseudo-header only, and the device (or the
// kernel's segmentation) adds the data later. A change of an address there is
// applied to that field without the complements, and a change of a port is not
// applied at all: ports are data, summed later. This is what Linux's
// inet_proto_csum_replace4(..., pseudohdr) does.
#pragma once
#include <cstdint>
#include <cstring>

#include "core/bytes.h"

namespace ferry {

inline uint32_t csum_add(uint32_t sum, uint32_t v) {
  sum += v;
  return sum + (sum < v);  // end-around carry
}

inline uint16_t csum_fold(uint32_t sum) {
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(sum);
}

// One's-complement sum of a byte range, as 16-bit big-endian words, unfolded.
// Summed four bytes at a time in the host's order into 64 bits, folded, and
// swapped back: the one's-complement sum does not depend on the byte order it
// is taken in (RFC 1071 section 2(B)), so this is the big-endian sum.
inline uint32_t csum_partial(const uint8_t* p, uint32_t len, uint32_t sum = 0) {
  uint64_t acc = 0;
  for (; len >= 4; p += 4, len -= 4) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    acc += w;
  }
  if (len >= 2) {
    uint16_t w;
    std::memcpy(&w, p, 2);
    acc += w;
    p += 2;
    len -= 2;
  }
  // A last odd byte is the high byte of a big-endian word: the low one of a little-endian word.
  if (len) acc += __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? uint32_t(p[0]) : uint32_t(p[0]) << 8;
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffffffffu) + (acc >> 32);
  uint16_t folded = csum_fold(uint32_t(acc));
  if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) folded = __builtin_bswap16(folded);
  return csum_add(sum, folded);
}

// The value to store in a checksum field computed over the whole range.
inline uint16_t csum_finish(uint32_t sum) { return uint16_t(~csum_fold(sum)); }

// The sum of the change from old to new, for a 16- or 32-bit field.
inline uint32_t csum_delta16(uint16_t from, uint16_t to) { return csum_add(uint16_t(~from), to); }
inline uint32_t csum_delta32(uint32_t from, uint32_t to) {
  return csum_add(csum_delta16(uint16_t(from >> 16), uint16_t(to >> 16)), csum_delta16(uint16_t(from), uint16_t(to)));
}

// RFC 1624 update of a complete checksum stored at field.
inline void csum_apply(uint8_t* field, uint32_t delta) {
  store16(field, uint16_t(~csum_fold(csum_add(uint16_t(~load16(field)), delta))));
}
// Update of a CHECKSUM_PARTIAL field (uncomplemented pseudo-header sum).
inline void csum_apply_partial(uint8_t* field, uint32_t delta) {
  store16(field, csum_fold(csum_add(load16(field), delta)));
}

}  // namespace ferry
