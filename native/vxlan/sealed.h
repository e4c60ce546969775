// The framing of encrypted overlay networks (`-o encrypted`): each VXLAN
// datagram between two hosts travels as an ESP packet (crypto/esp.h) in a
// UDP datagram to port 4500 (RFC 3948), sealed with the key of that pair
// of hosts (crypto/esp_peers.h). What ESP protects is what a transport-mode
// association would for a UDP datagram to the VXLAN port: a UDP header
// (ports 4789, checksum 0: the ICV covers it) and the VXLAN datagram, with
// Next Header 17. The tunnel port seals (tunnel_port.cc); the sealed
// underlay port opens, datagram by datagram, before it merges TCP segments
// back (coalesce.h), and its frames go to vxlan-decap, which accepts from
// it only the VNIs of encrypted networks and from the plain underlay only
// the others.
#pragma once
#include <cstdint>

#include "core/port.h"
#include "crypto/esp_peers.h"
#include "l3/ipv4.h"
#include "vxlan/coalesce.h"
#include "vxlan/vxlan.h"

namespace ferry {

constexpr uint32_t kSealedUdpLen = 8;  // the UDP header inside ESP
// What an encrypted network's packet loses beyond a plain VXLAN datagram, at
// most: the UDP header inside ESP, and ESP's header, IV, padding, trailer and ICV.
constexpr uint32_t kSealedOverhead = kSealedUdpLen + kEspOverhead;

// The UDP header in front of a VXLAN datagram of vxlan_len bytes.
inline void write_sealed_udp(uint8_t* h, uint32_t vxlan_len) {
  store16(h, kVxlanUdpPort);
  store16(h + 2, kVxlanUdpPort);
  store16(h + 4, uint16_t(kSealedUdpLen + vxlan_len));
  store16(h + 6, 0);
}

// The ESP packet a VXLAN datagram of vxlan_len bytes becomes.
inline uint32_t sealed_size(uint32_t vxlan_len) {
  const uint32_t plain = kSealedUdpLen + vxlan_len;
  return kEspHeaderLen + kEspIvLen + plain + (4 - (plain + 2) % 4) % 4 + 2 + kEspIcvLen;
}

// Where the ESP reasons sit in a port's drop counters: right after the
// core's (native/dataplane/drops.h checks it).
inline int esp_drop_slot(EspDrop d) { return int(CoreDrop::count) + int(d); }

// Opens the ESP packets of the sealed underlay's runs, counting on its port
// why one is refused.
class EspOpener : public DatagramOpener {
 public:
  EspOpener(const EspPeers& peers, PortCounters& counters) : peers_(peers), counters_(counters) {}
  bool open(uint8_t* d, uint32_t len, uint8_t** vxlan, uint32_t* vxlan_len) override;

 private:
  bool refuse(EspDrop why) {
    counters_.drops[esp_drop_slot(why)]++;
    return false;
  }
  const EspPeers& peers_;
  PortCounters& counters_;
};

}  // namespace ferry
