// The underlay's receive offload, the other half of segment.h. With UDP_GRO
// the kernel hands the underlay socket a run of datagrams of one outer flow
// as one buffer; the TCP segments they carry are mostly the pieces of one
// TSO frame of the sender. Consecutive segments of one inner flow are merged
// back into one GSO frame here (one write to the container's TAP instead of
// forty, and one trip through the container's stack), the way the kernel's
// GRO merges TCP segments and wireguard-go merges them for TUN.
//
// A frame is opened on a datagram ([VXLAN][inner frame]) and takes the
// payload of each next datagram that continues it: same VXLAN header, same
// Ethernet header, same addresses, ports, ACK, window and options, the next
// sequence number, no SYN/FIN/RST/URG, a payload no larger than the first;
// a shorter one, or PSH, closes it. The merged frame keeps the first
// segment's headers and becomes a TCP GSO frame with its checksum left to
// the receiver (CHECKSUM_PARTIAL over the pseudo-header), as GRO's output is.
//
// The inner TCP checksums are not verified before merging: the outer UDP
// checksum (which the kernel verified, when the sender set one) covers them.
#pragma once
#include <cstdint>

#include "core/packet.h"
#include "vxlan/inner_tcp.h"

namespace ferry {

class TcpCoalescer {
 public:
  // Opens a frame on p, which holds one datagram. False: p cannot take
  // others (not TCP with payload, or a SYN/FIN/RST/URG): it goes as it is.
  bool open(Packet* p);
  // Appends the payload of datagram d (len bytes) if it continues the open
  // frame; false (the frame unchanged) if not, or if no frame is open.
  bool append(const uint8_t* d, uint32_t len);
  // Ends the open frame: a merged one gets its lengths, its partial
  // checksum and its GSO header.
  void close();

 private:
  Packet* p_ = nullptr;
  InnerTcp t_;
  uint32_t next_seq_ = 0;
  uint32_t mss_ = 0;
  uint32_t segments_ = 0;
  bool full_ = false;  // a short segment or PSH came: nothing more
};

// What opens each datagram of a run before it is split and merged: the
// sealed underlay's ESP (underlay_port.h). Opens d (len bytes) in place and
// gives the VXLAN datagram inside it, or refuses it (and counts why).
class DatagramOpener {
 public:
  virtual ~DatagramOpener() = default;
  virtual bool open(uint8_t* d, uint32_t len, uint8_t** vxlan, uint32_t* vxlan_len) = 0;
};

// One UDP_GRO run (len bytes in src, datagrams of `segment` bytes but the
// last) into frames: the first datagram kept stays in src's buffer, the
// others are copied out of it into packets from the pool, and each TCP
// segment that continues the frame before it is merged into that frame
// instead. Returns the frames in out (at most one per datagram); src goes
// back to the pool if none is kept; *no_buffer counts datagrams lost for
// want of a free packet. Every frame starts with its VXLAN header. With an
// opener, each datagram is opened first, and one it refuses is dropped.
uint32_t split_run(PacketPool& pool, Packet* src, uint32_t len, uint32_t segment, Packet** out, uint64_t* no_buffer,
                   DatagramOpener* opener = nullptr);

}  // namespace ferry
