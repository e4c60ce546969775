// Big-endian (network order) loads and stores of header fields: the one set
// every header view and rewriting stage uses.
#pragma once
#include <cstdint>
#include <cstring>

namespace ferry {

// memcpy and a byte swap: one load and one bswap, whatever the alignment.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "Ferry runs on little-endian hosts (the vnet header is in host order too)");
inline uint16_t load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
inline void store16(uint8_t* p, uint16_t v) {
  v = __builtin_bswap16(v);
  std::memcpy(p, &v, 2);
}
inline uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline void store32(uint8_t* p, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}

}  // namespace ferry
