// An overlay network's end of the VXLAN tunnel: a port of the network's
// bridge domain, as a container's TAP is, so the bridge switches to it the
// frames for containers on other hosts. Sending on it is encapsulating: the
// VXLAN header goes in front of the inner frame (in its headroom) and the
// datagram to the host the destination MAC lives on, through the underlay
// socket. Broadcast, multicast and unknown unicast go to every host that has
// the network (head-end replication: no multicast underlay). The tables are
// the control plane's (from the cluster state): nothing is learnt from the
// wire. TSO frames are cut to the MSS and checksums completed here
// (segment.h): what crosses is whole frames. On a sealed underlay (an
// encrypted network, sealed.h) each datagram is sealed for its host on the
// way out, a TSO frame's still in one UDP_SEGMENT send. Frames from the
// tunnel come in through the underlay and the vxlan-decap stage, which gives
// them this port as their ingress.
#pragma once
#include <netinet/in.h>
#include <sys/uio.h>

#include <unordered_map>
#include <vector>

#include "core/port.h"
#include "vxlan/underlay_port.h"

namespace ferry {

class TunnelPort : public Port {
 public:
  TunnelPort(UnderlayPort* underlay, uint32_t vni);

  uint32_t rx_burst(PacketPool&, Packet**, uint32_t) override { return 0; }  // its frames come through the underlay
  void tx_burst(Packet* const* pkts, uint32_t n) override;
  int rx_fd() const override { return -1; }
  const char* kind() const override { return "vxlan"; }

  uint32_t vni() const { return vni_; }
  UnderlayPort* underlay() const { return underlay_; }
  // The hosts that have the network (IPv4, host order): where floods go.
  void set_hosts(const std::vector<uint32_t>& hosts) { hosts_ = hosts; }
  const std::vector<uint32_t>& hosts() const { return hosts_; }
  // Which host a MAC of the network lives on.
  void set_remote(uint64_t mac, uint32_t host) { remotes_[mac] = host; }
  bool remove_remote(uint64_t mac) { return remotes_.erase(mac) > 0; }
  size_t remotes() const { return remotes_.size(); }

 private:
  UnderlayPort* underlay_;  // owned by the engine; a tunnel is removed before its underlay
  uint32_t vni_;
  std::vector<uint32_t> hosts_;
  std::unordered_map<uint64_t, uint32_t> remotes_;
  // Where a TSO frame's datagrams are described (segment.h): their headers and two pieces each.
  std::vector<uint8_t> segment_headers_;
  std::vector<iovec> segment_iov_;
  // Where datagrams are sealed (encrypted networks): a batch's, or one send's of a TSO frame.
  std::vector<uint8_t> sealed_;
};

}  // namespace ferry
