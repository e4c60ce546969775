// The VXLAN underlay: UDP sockets on the host's advertise address, in the
// daemon's namespace. One is bound to the VXLAN port (4789) and receives;
// what it receives is VXLAN (header and inner frame), decapsulated by the
// vxlan-decap stage. Overlay networks send through the others
// (native/vxlan/tunnel_port.h): a few sockets bound to ports of the dynamic
// range, one picked by a hash of the inner flow, so the outer UDP source
// port is that hash (RFC 7348 section 5: the underlay's ECMP and the
// receiver's RSS and GRO see one outer flow per inner flow). The kernel
// builds the outer IP and UDP headers, which is what lets it cut one
// UDP_SEGMENT send into datagrams and hand a receiver a UDP_GRO batch.
//
// Receive offload: with UDP_GRO the socket hands over runs of datagrams of
// one outer flow in one buffer; they are split here and consecutive TCP
// segments of one inner flow merged back into one GSO frame (coalesce.h).
// A run is never split across two bursts: one that does not fit in what is
// left of a burst waits, whole, for the next (rx_pending).
//
// A sealed underlay (encrypted overlay networks, sealed.h) is the same on
// port 4500, with the ESP associations of every peer host: each datagram of
// a run is opened before the run is split and merged.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/port.h"
#include "crypto/esp_peers.h"

namespace ferry {

struct UnderlayOptions {
  std::string address;     // IPv4 to bind (the advertise address)
  uint16_t port = 4789;
  std::string netns_path;  // "" = here
  bool sealed = false;     // ESP in UDP: the encrypted networks' underlay
  uint32_t generation = 0; // this run of the daemon (crypto/esp.h), for a sealed one
};

class UnderlayPort : public Port {
 public:
  static constexpr uint32_t kSourcePorts = 8;  // sending sockets: outer source ports

  static UnderlayPort* open(const UnderlayOptions& opts, std::string* error);  // nullptr + *error on failure
  ~UnderlayPort() override;

  uint32_t rx_burst(PacketPool& pool, Packet** out, uint32_t max) override;
  bool rx_pending() const override { return !held_.empty(); }
  // Frames are not queued here: tunnels send their datagrams with send().
  void tx_burst(Packet* const* pkts, uint32_t n) override {}
  int rx_fd() const override { return fd_; }
  const char* kind() const override { return esp_ ? "esp-in-udp" : "udp"; }

  // Sends n datagrams (VXLAN header and inner frame each) to their hosts from
  // source socket `flow` (a hash: any value), one sendmmsg for the lot; one
  // the kernel refuses is counted (tx_error).
  void send(uint32_t flow, mmsghdr* msgs, uint32_t n);
  // Sends `count` datagrams, each `datagram` long but the last, gathered
  // from iov[0..iovcnt) end to end (`bytes` in all), to one host in one
  // sendmsg (UDP_SEGMENT). False if the kernel refused it (counted).
  bool send_segments(uint32_t flow, const sockaddr_in& to, const iovec* iov, uint32_t iovcnt, uint32_t bytes, uint32_t datagram, uint32_t count);
  uint16_t udp_port() const { return port_; }
  // The ESP associations of a sealed underlay; nullptr for the plain one.
  EspPeers* esp() const { return esp_.get(); }
  // The sending socket a flow hash picks: datagrams with the same one can share a sendmmsg.
  uint32_t socket_of(uint32_t flow) const { return flow % uint32_t(tx_fds_.size()); }

 private:
  struct Run {
    Packet* p;
    uint32_t len;      // bytes received
    uint32_t segment;  // each datagram's size (the last may be shorter)
    uint32_t datagrams() const { return (len + segment - 1) / segment; }
  };
  UnderlayPort(int fd, uint16_t port) : fd_(fd), port_(port) {}
  uint32_t expand(PacketPool& pool, const Run& r, Packet** out);
  int tx_fd(uint32_t flow) const { return tx_fds_[socket_of(flow)]; }

  int fd_;
  uint16_t port_;
  std::vector<int> tx_fds_;
  std::deque<Run> held_;
  std::unique_ptr<EspPeers> esp_;
};

}  // namespace ferry
