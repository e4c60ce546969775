// The VXLAN underlay: one UDP socket on the host's advertise address and the
// VXLAN port (4789), in the daemon's namespace. What it receives is VXLAN
// (header and inner frame), decapsulated by the vxlan-decap stage; overlay
// networks send through it (native/vxlan/tunnel_port.h), a burst per
// sendmmsg. The kernel builds the outer IP and UDP headers.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include "core/port.h"

namespace ferry {

struct UnderlayOptions {
  std::string address;     // IPv4 to bind (the advertise address)
  uint16_t port = 4789;
  std::string netns_path;  // "" = here
};

class UnderlayPort : public Port {
 public:
  static UnderlayPort* open(const UnderlayOptions& opts, std::string* error);  // nullptr + *error on failure
  ~UnderlayPort() override;

  uint32_t rx_burst(PacketPool& pool, Packet** out, uint32_t max) override;
  // Frames are not queued here: tunnels send their datagrams with send().
  void tx_burst(Packet* const* pkts, uint32_t n) override {}
  int rx_fd() const override { return fd_; }
  const char* kind() const override { return "udp"; }

  // Sends n datagrams (VXLAN header and inner frame each) to their hosts, one
  // sendmmsg for the lot; one the kernel refuses is counted (tx_error).
  void send(mmsghdr* msgs, uint32_t n);
  uint16_t udp_port() const { return port_; }

 private:
  UnderlayPort(int fd, uint16_t port) : fd_(fd), port_(port) {}
  int fd_;
  uint16_t port_;
};

}  // namespace ferry
