#include "vxlan/tunnel_port.h"

#include <arpa/inet.h>

#include "l2/ethernet.h"
#include "vxlan/segment.h"
#include "vxlan/vxlan.h"

namespace ferry {

namespace {

// What the kernel takes in one UDP_SEGMENT send: 64 datagrams (UDP_MAX_SEGMENTS
// of older kernels) and one IPv4 datagram's worth of payload.
constexpr uint32_t kMaxSegmentsPerSend = 64;
constexpr uint32_t kMaxUdpPayload = 65535 - 20 - 8;

inline uint32_t mix(uint32_t h, uint32_t v) {
  h ^= v;
  h *= 0x9e3779b1u;
  return h ^ (h >> 15);
}

// A hash of the inner flow: addresses, protocol and ports of IPv4 and IPv6
// (ports only when the packet is not a fragment), else the MACs. It picks the
// outer source port.
uint32_t flow_hash(const uint8_t* f, uint32_t len) {
  if (len >= kEthHdrLen + 20 && load16(f + 12) == kEtherTypeIPv4) {
    const uint8_t* ip = f + kEthHdrLen;
    const uint32_t ihl = uint32_t(ip[0] & 0x0f) * 4;
    uint32_t h = mix(mix(mix(0, load32(ip + 12)), load32(ip + 16)), ip[9]);
    const bool ported = (ip[9] == 6 || ip[9] == 17) && !(load16(ip + 6) & 0x3fff) && len >= kEthHdrLen + ihl + 4;
    return ported ? mix(h, load32(ip + ihl)) : h;
  }
  if (len >= kEthHdrLen + 44 && load16(f + 12) == kEtherTypeIPv6) {
    const uint8_t* ip = f + kEthHdrLen;
    uint32_t h = ip[6];
    for (uint32_t i = 8; i < 40; i += 4) h = mix(h, load32(ip + i));
    return (ip[6] == 6 || ip[6] == 17) ? mix(h, load32(ip + 40)) : h;
  }
  return mix(mix(0, load32(f)), load32(f + 6));
}

}  // namespace

TunnelPort::TunnelPort(UnderlayPort* underlay, uint32_t vni)
    : underlay_(underlay), vni_(vni), segment_headers_(kMaxSegments * kMaxSegmentHeader), segment_iov_(2 * kMaxSegments) {}

void TunnelPort::tx_burst(Packet* const* pkts, uint32_t n) {
  // One datagram per (frame, host): a flood is one per host. Consecutive
  // datagrams of one source socket go in one sendmmsg.
  constexpr uint32_t kMaxDatagrams = kBatchMax;
  mmsghdr msgs[kMaxDatagrams];
  iovec iovs[kMaxDatagrams];
  sockaddr_in to[kMaxDatagrams];
  uint32_t m = 0;
  uint32_t batch_flow = 0;  // the flow hash of the batch's datagrams (all go from one socket)
  auto flush = [&] {
    if (m) underlay_->send(batch_flow, msgs, m);
    m = 0;
  };
  auto address = [&](uint32_t host) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(underlay_->udp_port());
    a.sin_addr.s_addr = htonl(host);
    return a;
  };
  auto add = [&](Packet* p, uint32_t host, uint32_t flow) {
    if (m == kMaxDatagrams || (m && underlay_->socket_of(flow) != underlay_->socket_of(batch_flow))) flush();
    batch_flow = flow;
    to[m] = address(host);
    iovs[m] = {p->data - kVxlanHdrLen, p->len + kVxlanHdrLen};
    msgs[m] = {};
    msgs[m].msg_hdr.msg_name = &to[m];
    msgs[m].msg_hdr.msg_namelen = sizeof to[m];
    msgs[m].msg_hdr.msg_iov = &iovs[m];
    msgs[m].msg_hdr.msg_iovlen = 1;
    m++;
  };
  // A TSO frame: cut once, then sent to each host in UDP_SEGMENT sends.
  auto send_segmented = [&](const SegmentedFrame& s, uint32_t host, uint32_t flow) {
    const uint32_t per_send = std::min(kMaxSegmentsPerSend, kMaxUdpPayload / s.datagram);
    const sockaddr_in a = address(host);
    for (uint32_t first = 0; first < s.count; first += per_send) {
      const uint32_t count = std::min(per_send, s.count - first);
      uint32_t bytes = 0;
      for (uint32_t k = 2 * first; k < 2 * (first + count); k++) bytes += uint32_t(segment_iov_[k].iov_len);
      underlay_->send_segments(flow, a, &segment_iov_[2 * first], 2 * count, bytes, s.datagram, count);
    }
  };
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    const uint64_t dst = load_mac(p->data);
    auto it = mac_is_group(dst) ? remotes_.end() : remotes_.find(dst);
    const uint32_t flow = flow_hash(p->data, p->len);
    if (vnet_is_gso(p->vnet)) {
      SegmentedFrame s;
      if (!segment_tcp(p, vni_, segment_headers_.data(), uint32_t(segment_headers_.size()), segment_iov_.data(), uint32_t(segment_iov_.size()), &s)) {
        count_drop(CoreDrop::tx_error);  // GSO that is not TCP (a container cannot make UDP GSO through a TAP without USO)
        continue;
      }
      flush();  // in order with what came before it
      if (it != remotes_.end()) send_segmented(s, it->second, flow);
      else
        for (uint32_t host : hosts_) send_segmented(s, host, flow);
    } else {
      if ((p->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !complete_checksum(p)) {
        count_drop(CoreDrop::tx_error);
        continue;
      }
      write_vxlan(p->data - kVxlanHdrLen, vni_);
      if (it != remotes_.end()) add(p, it->second, flow);
      else
        for (uint32_t host : hosts_) add(p, host, flow);
    }
    counters.tx_packets++;
    counters.tx_bytes += p->len;
  }
  flush();
}

}  // namespace ferry
