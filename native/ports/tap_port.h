// A TAP device as a port. The engine holds the fd; the device may live in, or
// later be moved to, any network namespace (the fd keeps working across a move,
// which is how a container's eth0 is made).
//
// Opened with IFF_VNET_HDR and TUNSETOFFLOAD so the kernel hands us, and takes
// from us, GSO frames up to 64 KB with their checksum still partial: one read
// and one write per 64 KB of TCP instead of ~45. TAP has no batched read or
// write, so a burst is a loop of plain read()/write() calls (the vnet header
// sits in the headroom, see tap_port.cc); the batching that matters is that
// every stage after rx sees the whole burst.
#pragma once
#include <string>

#include "core/port.h"

namespace ferry {

struct TapOptions {
  std::string name;        // wanted name; the kernel picks one for "" or "fmt%d"
  std::string netns_path;  // create the device inside this namespace ("" = here)
  int tx_queue_len = 0;    // 0 = Ferry's default (see tap_port.cc)
  uint32_t mtu = 0;        // set the device's MTU (0: leave it); the port checks egress frames against it
  // Keep the device when the fd closes (TUNSETPERSIST), so a container keeps
  // its eth0, addresses and routes while the daemon restarts; opening the same
  // name again reattaches to it.
  bool persist = false;
  // Ask for checksum and segmentation offloads (the default). Off for an
  // overlay network's containers: a VXLAN datagram must carry whole,
  // checksummed frames, so the container's kernel makes them.
  bool offloads = true;
};

class TapPort : public Port {
 public:
  // Returns nullptr and sets *error on failure; nothing is left behind.
  static TapPort* open(const TapOptions& opts, std::string* error);
  ~TapPort() override;

  uint32_t rx_burst(PacketPool& pool, Packet** out, uint32_t max) override;
  void tx_burst(Packet* const* pkts, uint32_t n) override;
  int rx_fd() const override { return fd_; }
  const char* kind() const override { return "tap"; }

  unsigned offloads() const { return offloads_; }
  // On close, delete a persistent device instead of leaving it behind.
  void destroy_on_close() override { destroy_on_close_ = true; }
  int ifindex() const { return ifindex_; }
  // A new fd of the namespace the device is in now (TUNGETDEVNETNS): how the
  // daemon finds a TAP that another program (dockerd) moved away. -1 and
  // errno on failure; the caller closes it.
  int open_netns() const;

 private:
  TapPort(int fd, unsigned offloads, int ifindex) : fd_(fd), offloads_(offloads), ifindex_(ifindex) {}
  int fd_;
  unsigned offloads_;
  int ifindex_;
  bool destroy_on_close_ = false;
};

}  // namespace ferry
