// VXLAN (RFC 7348) as Ferry speaks it: an 8-byte header after the outer UDP
// header, flags with the I bit (0x08) set and a 24-bit VNI; the inner frame
// follows. The outer IP and UDP headers are the kernel's: Ferry's underlay is
// a UDP socket (native/vxlan/underlay_port.h).
#pragma once
#include <cstdint>

#include "core/bytes.h"

namespace ferry {

constexpr uint32_t kVxlanHdrLen = 8;
constexpr uint16_t kVxlanUdpPort = 4789;  // IANA
constexpr uint8_t kVxlanFlagVni = 0x08;   // the I flag: the VNI is valid
constexpr uint32_t kMaxVni = 0xffffff;

inline void write_vxlan(uint8_t* h, uint32_t vni) {
  store32(h, uint32_t(kVxlanFlagVni) << 24);
  store32(h + 4, vni << 8);
}

// The VNI of a header with the I flag, or -1.
inline int64_t read_vni(const uint8_t* h) { return (h[0] & kVxlanFlagVni) ? int64_t(load32(h + 4) >> 8) : -1; }

}  // namespace ferry
