#include "vxlan/tunnel_port.h"

#include <arpa/inet.h>

#include "l2/ethernet.h"
#include "vxlan/vxlan.h"

namespace ferry {

void TunnelPort::tx_burst(Packet* const* pkts, uint32_t n) {
  // One datagram per (frame, host): a flood is one per host.
  constexpr uint32_t kMaxDatagrams = kBatchMax;
  mmsghdr msgs[kMaxDatagrams];
  iovec iovs[kMaxDatagrams];
  sockaddr_in to[kMaxDatagrams];
  uint32_t m = 0;
  auto flush = [&] {
    if (m) underlay_->send(msgs, m);
    m = 0;
  };
  auto add = [&](Packet* p, uint32_t host) {
    if (m == kMaxDatagrams) flush();
    to[m] = {};
    to[m].sin_family = AF_INET;
    to[m].sin_port = htons(underlay_->udp_port());
    to[m].sin_addr.s_addr = htonl(host);
    iovs[m] = {p->data - kVxlanHdrLen, p->len + kVxlanHdrLen};
    msgs[m] = {};
    msgs[m].msg_hdr.msg_name = &to[m];
    msgs[m].msg_hdr.msg_namelen = sizeof to[m];
    msgs[m].msg_hdr.msg_iov = &iovs[m];
    msgs[m].msg_hdr.msg_iovlen = 1;
    m++;
  };
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    if (vnet_is_gso(p->vnet) || (p->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
      // Overlay TAPs hand whole, checksummed frames (no offloads): anything
      // else would arrive broken at the far end.
      count_drop(CoreDrop::tx_error);
      continue;
    }
    write_vxlan(p->data - kVxlanHdrLen, vni_);
    const uint64_t dst = load_mac(p->data);
    auto it = mac_is_group(dst) ? remotes_.end() : remotes_.find(dst);
    if (it != remotes_.end()) {
      add(p, it->second);
    } else {
      for (uint32_t host : hosts_) add(p, host);
    }
    counters.tx_packets++;
    counters.tx_bytes += p->len;
  }
  flush();
}

}  // namespace ferry
