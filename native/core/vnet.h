// The virtio-net header that TAP (IFF_VNET_HDR) and AF_PACKET (PACKET_VNET_HDR)
// put in front of every frame. It is how a 64 KB TCP segment crosses Ferry as
// one frame: the kernel tells us "this is GSO, cut it into gso_size pieces
// later" and "the L4 checksum is not computed yet (CHECKSUM_PARTIAL), it goes at
// csum_start + csum_offset". Ferry passes both through untouched unless a stage
// must change the packet (NAT rewrites headers and the pseudo-header sum, see
// core/checksum.h). Ferry segments only where a port cannot take GSO frames:
// TAPs (TUNSETOFFLOAD) and AF_PACKET (PACKET_VNET_HDR) take them and the
// kernel cuts them at the far end; an overlay's VXLAN tunnel cannot (a
// datagram's receiver learns nothing of GSO), so it cuts TCP frames to the
// MSS itself and hands the lot to one UDP_SEGMENT send (vxlan/segment.h).
//
// We use the 10-byte legacy layout everywhere (TAP's default, AF_PACKET's only
// layout before PACKET_VNET_HDR_SZ), in the host's byte order, so one struct
// serves every port type.
#pragma once
#include <linux/if_tun.h>

#include <cstdint>

// <linux/virtio_net.h> cannot be included from C++ (a struct there has a field
// named `class`), so the legacy header and its constants are restated here,
// with the values of the uapi header.
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1  // csum_start/csum_offset are valid
#define VIRTIO_NET_HDR_F_DATA_VALID 2  // checksum already verified
#define VIRTIO_NET_HDR_GSO_NONE 0
#define VIRTIO_NET_HDR_GSO_TCPV4 1
#define VIRTIO_NET_HDR_GSO_UDP 3  // legacy UFO
#define VIRTIO_NET_HDR_GSO_TCPV6 4
#define VIRTIO_NET_HDR_GSO_ECN 0x80

// Constants newer than the machine's Debian headers (6.1); the running kernel
// (6.18) has them. Code that uses them falls back when the kernel refuses.
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20  // linux 6.2: TAP accepts UDP segmentation offload, IPv4
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40  // linux 6.2: same for IPv6
#endif
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5  // linux 6.2 uapi: USO, segment per UDP datagram
#endif

namespace ferry {

// struct virtio_net_hdr, host byte order (TAP and AF_PACKET on little-endian x86).
struct VnetHdr {
  uint8_t flags;
  uint8_t gso_type;
  uint16_t hdr_len;     // Ethernet + IP + TCP/UDP headers
  uint16_t gso_size;    // payload bytes per segment
  uint16_t csum_start;  // where the partial checksum's coverage starts
  uint16_t csum_offset; // where, after csum_start, the checksum is stored
};
static_assert(sizeof(VnetHdr) == 10, "legacy virtio_net_hdr is 10 bytes");

constexpr int kVnetHdrLen = sizeof(VnetHdr);

inline bool vnet_is_gso(const VnetHdr& h) {
  return (h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE;
}

}  // namespace ferry
