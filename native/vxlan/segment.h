// The tunnel's transmit offloads. A container hands Ferry 64 KB TCP frames
// (TSO) and frames whose checksum is left to the device (CHECKSUM_PARTIAL);
// a VXLAN datagram must carry whole, checksummed frames, since its receiver
// (a kernel vxlan device, or another Ferry) gets them from a UDP socket with
// nothing saying otherwise. So the tunnel cuts TSO frames to the MSS here,
// each piece with its own headers and checksums, laid end to end as VXLAN
// datagrams of equal size for one sendmsg with UDP_SEGMENT (the kernel, or
// the underlay's device, makes them separate datagrams), and completes the
// checksums of the others in place.
//
// Nothing of the payload is copied here: each datagram is two pieces, its
// headers (written into a buffer of the caller's) and its share of the
// frame's payload where it lies, for one sendmsg's iovec.
#pragma once
#include <sys/uio.h>

#include <cstdint>

#include "core/packet.h"

namespace ferry {

// Room a caller gives segment_tcp for any frame: a 64 KB frame cut at an MSS
// as small as 88 bytes, each datagram's headers (VXLAN, Ethernet, IP with
// options, TCP with options) and two pieces.
constexpr uint32_t kMaxSegments = 768;
constexpr uint32_t kMaxSegmentHeader = 8 + 14 + 60 + 60;

struct SegmentedFrame {
  uint32_t datagram = 0;  // size of every datagram but the last (VXLAN header included)
  uint32_t count = 0;     // datagrams: iov[2k] is datagram k's headers, iov[2k+1] its payload
  uint32_t bytes = 0;     // all of them, end to end
};

// Cuts p (a TCPv4/TCPv6 GSO frame) into VXLAN datagrams with this VNI: their
// headers into headers[0..cap), the pieces into iov[0..max_iov). False if it
// is not a frame this can cut, or there is not room (the caller drops it).
bool segment_tcp(const Packet* p, uint32_t vni, uint8_t* headers, uint32_t cap, iovec* iov, uint32_t max_iov, SegmentedFrame* seg);

// Completes a CHECKSUM_PARTIAL frame's checksum at csum_start + csum_offset.
// False if those point outside the frame.
bool complete_checksum(Packet* p);

}  // namespace ferry
