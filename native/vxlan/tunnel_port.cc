#include "vxlan/tunnel_port.h"

#include <arpa/inet.h>

#include "l2/ethernet.h"
#include "vxlan/sealed.h"
#include "vxlan/segment.h"
#include "vxlan/vxlan.h"

namespace ferry {

namespace {

// What the kernel takes in one UDP_SEGMENT send: 64 datagrams (UDP_MAX_SEGMENTS
// of older kernels) and one IPv4 datagram's worth of payload.
constexpr uint32_t kMaxSegmentsPerSend = 64;
constexpr uint32_t kMaxUdpPayload = 65535 - 20 - 8;
// Room to seal one UDP_SEGMENT send, and a batch of datagrams of a usual MTU (a larger batch is sent in parts).
constexpr uint32_t kSealedBuffer = 256 * 1024;

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
    : underlay_(underlay), vni_(vni), segment_headers_(kMaxSegments * kMaxSegmentHeader), segment_iov_(2 * kMaxSegments),
      sealed_(underlay->esp() ? kSealedBuffer : 0) {}

void TunnelPort::tx_burst(Packet* const* pkts, uint32_t n) {
  // One datagram per (frame, host): a flood is one per host. Consecutive
  // datagrams of one source socket go in one sendmmsg.
  constexpr uint32_t kMaxDatagrams = kBatchMax;
  mmsghdr msgs[kMaxDatagrams];
  iovec iovs[kMaxDatagrams];
  sockaddr_in to[kMaxDatagrams];
  uint32_t m = 0;
  uint32_t batch_flow = 0;  // the flow hash of the batch's datagrams (all go from one socket)
  EspPeers* const esp = underlay_->esp();
  uint32_t sealed_used = 0;  // bytes of sealed_ the batch's datagrams hold
  auto flush = [&] {
    if (m) underlay_->send(batch_flow, msgs, m);
    m = 0;
    sealed_used = 0;
  };
  auto address = [&](uint32_t host) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(underlay_->udp_port());
    a.sin_addr.s_addr = htonl(host);
    return a;
  };
  // The sender towards host, or nullptr (counted: nothing can go there yet).
  auto sender_to = [&](uint32_t host, uint32_t datagrams) {
    EspSender* s = esp->sender(host);
    if (!s) counters.drops[esp_drop_slot(EspDrop::esp_no_key)] += datagrams;
    return s;
  };
  auto add = [&](Packet* p, uint32_t host, uint32_t flow) {
    const uint32_t vxlan_len = p->len + kVxlanHdrLen;
    if (m == kMaxDatagrams || (m && underlay_->socket_of(flow) != underlay_->socket_of(batch_flow)) ||
        (esp && sealed_used + sealed_size(vxlan_len) > sealed_.size()))
      flush();
    iovec datagram{p->data - kVxlanHdrLen, vxlan_len};
    if (esp) {
      // Sealed for this host alone: into sealed_, so the frame stays clear for a flood's next host.
      EspSender* s = sender_to(host, 1);
      if (!s) return;
      uint8_t udp[kSealedUdpLen];
      write_sealed_udp(udp, vxlan_len);
      const iovec plain[2] = {{udp, kSealedUdpLen}, datagram};
      uint8_t* out = sealed_.data() + sealed_used;
      const uint32_t len = s->seal_pieces(out, plain, 2, kProtoUdp);
      if (!len) {
        count_drop(CoreDrop::tx_error);
        return;
      }
      datagram = {out, len};
      sealed_used += len;
    }
    batch_flow = flow;
    to[m] = address(host);
    iovs[m] = datagram;
    msgs[m] = {};
    msgs[m].msg_hdr.msg_name = &to[m];
    msgs[m].msg_hdr.msg_namelen = sizeof to[m];
    msgs[m].msg_hdr.msg_iov = &iovs[m];
    msgs[m].msg_hdr.msg_iovlen = 1;
    m++;
  };
  // A group of a TSO frame's datagrams (first..first+count), each sealed for
  // host, end to end in sealed_: equal plaintexts seal to equal sizes, so
  // they still go in one UDP_SEGMENT send. False if one could not be sealed.
  auto seal_segments = [&](EspSender* s, uint32_t first, uint32_t count, iovec* out) {
    uint32_t used = 0;
    for (uint32_t k = first; k < first + count; k++) {
      const iovec& head = segment_iov_[2 * k];
      const iovec& data = segment_iov_[2 * k + 1];
      uint8_t udp[kSealedUdpLen];
      write_sealed_udp(udp, uint32_t(head.iov_len + data.iov_len));
      const iovec plain[3] = {{udp, kSealedUdpLen}, head, data};
      const uint32_t len = s->seal_pieces(sealed_.data() + used, plain, 3, kProtoUdp);
      if (!len) return false;
      used += len;
    }
    *out = {sealed_.data(), used};
    return true;
  };
  // A TSO frame: cut once, then sent to each host in UDP_SEGMENT sends.
  auto send_segmented = [&](const SegmentedFrame& s, uint32_t host, uint32_t flow) {
    const uint32_t datagram = esp ? sealed_size(s.datagram) : s.datagram;
    const uint32_t per_send = std::min(kMaxSegmentsPerSend, kMaxUdpPayload / datagram);
    const sockaddr_in a = address(host);
    EspSender* sender = esp ? sender_to(host, s.count) : nullptr;
    if (esp && !sender) return;
    for (uint32_t first = 0; first < s.count; first += per_send) {
      const uint32_t count = std::min(per_send, s.count - first);
      if (esp) {
        iovec sealed;
        if (!seal_segments(sender, first, count, &sealed)) {
          count_drop(CoreDrop::tx_error);
          return;
        }
        underlay_->send_segments(flow, a, &sealed, 1, uint32_t(sealed.iov_len), datagram, count);
        continue;
      }
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
      flush();  // in order with what came before it (and sealed_ free for its groups)
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
