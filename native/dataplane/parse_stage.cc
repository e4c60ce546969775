#include "dataplane/parse_stage.h"

#include <cstdint>

#include "l2/ethernet.h"

namespace ferry {

namespace {

constexpr uint8_t kIpProtoTcp = 6;
constexpr uint8_t kIpProtoUdp = 17;

bool vnet_consistent(const VnetHdr& h, const uint8_t* frame, uint32_t len) {
  EthernetView eth(frame);
  const uint32_t l3 = eth.header_len();
  const uint16_t type = eth.payload_type();
  if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
    // A partial checksum belongs to an L4 header after an IP header, and its
    // 2-byte field must lie inside the frame. Only a lower bound is checked:
    // IP options, IPv6 extension headers, or a container's own tunnel (inner
    // checksum partial) legitimately move csum_start further in.
    const uint32_t min_start = type == kEtherTypeIPv4 ? l3 + 20 : type == kEtherTypeIPv6 ? l3 + 40 : UINT32_MAX;
    if (h.csum_start < min_start || uint32_t(h.csum_start) + h.csum_offset + 2 > len) return false;
  }
  const uint8_t gso = h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
  if (gso == VIRTIO_NET_HDR_GSO_NONE) return true;
  if (h.gso_size == 0 || h.hdr_len > len || !(h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) return false;
  switch (gso) {
    case VIRTIO_NET_HDR_GSO_TCPV4:
      return type == kEtherTypeIPv4 && len >= l3 + 20 && frame[l3 + 9] == kIpProtoTcp;
    case VIRTIO_NET_HDR_GSO_UDP:
    case VIRTIO_NET_HDR_GSO_UDP_L4:
      if (type == kEtherTypeIPv4) return len >= l3 + 20 && frame[l3 + 9] == kIpProtoUdp;
      return type == kEtherTypeIPv6;
    case VIRTIO_NET_HDR_GSO_TCPV6:
      // Extension headers may sit between IPv6 and TCP: only the family is checked.
      return type == kEtherTypeIPv6 && len >= l3 + 40;
    default:
      return false;
  }
}

}  // namespace

bool ParseStage::check(const Packet& p, DropReason* reason) {
  if (p.len < kEthHdrLen) {
    *reason = DropReason::runt;
    return false;
  }
  EthernetView eth(p.data);
  if (eth.tagged() && p.len < kEthHdrLen + kVlanTagLen) {
    *reason = DropReason::runt;
    return false;
  }
  const uint64_t src = eth.src();
  if (src == 0 || mac_is_group(src)) {
    *reason = DropReason::bad_src_mac;
    return false;
  }
  if (!vnet_consistent(p.vnet, p.data, p.len)) {
    *reason = DropReason::bad_vnet_hdr;
    return false;
  }
  return true;
}

void ParseStage::process(Batch& batch) {
  for (uint32_t i = 0; i < batch.n; i++) {
    Packet* p = batch.pkts[i];
    DropReason reason;
    if (check(*p, &reason)) {
      counters.accepted++;
    } else {
      p->drop(reason);
      counters.dropped++;
    }
  }
}

}  // namespace ferry
