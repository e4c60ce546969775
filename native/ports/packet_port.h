// A host interface as a port, through an AF_PACKET socket: a physical NIC or
// a veth end joins a bridge domain like any container's TAP. It is the base
// of the uplink (NAT) and of macvlan/ipvlan parents.
//
// PACKET_VNET_HDR gives GSO frames with their virtio-net header in both
// directions, as TAP does, so 64 KB segments still cross as one frame;
// recvmmsg/sendmmsg move a burst per system call; PACKET_QDISC_BYPASS sends
// straight to the driver; PACKET_IGNORE_OUTGOING keeps our own transmissions
// out of what we read; the interface is put in promiscuous mode (through the
// socket, so the mode goes when the socket does), since it carries frames
// for the containers' MACs.
//
// On a veth with a local TCP sender behind it, enable RPS on the attached
// end: veth hands each frame to the backlog of the CPU that sent it, and a
// TCP sender sends from two CPUs (its process, and the softirq where the ACKs
// Ferry injects arrive), so without RPS the frames reach this socket out of
// order and the sender retransmits. A NIC's receive queue has no such effect.
#pragma once
#include <string>

#include "core/port.h"

namespace ferry {

struct PacketPortOptions {
  std::string ifname;
  std::string netns_path;  // the interface's namespace ("" = here)
  // Frames keep their 802.1Q tags (a macvlan parent carries VLANs): the
  // kernel takes a received frame's tag off before any socket sees it and
  // hands it over as PACKET_AUXDATA; the port puts it back in the frame.
  bool vlan_tags = false;
};

class PacketPort : public Port {
 public:
  static PacketPort* open(const PacketPortOptions& opts, std::string* error);  // nullptr + *error on failure
  ~PacketPort() override;

  uint32_t rx_burst(PacketPool& pool, Packet** out, uint32_t max) override;
  void tx_burst(Packet* const* pkts, uint32_t n) override;
  int rx_fd() const override { return fd_; }
  const char* kind() const override { return "af_packet"; }

 private:
  explicit PacketPort(int fd, bool vlan_tags) : fd_(fd), vlan_tags_(vlan_tags) {}
  int fd_;
  bool vlan_tags_;
};

}  // namespace ferry
