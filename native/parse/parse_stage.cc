#include "parse/parse_stage.h"

#include <cstdint>
#include <cstdio>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "l3/ipv4.h"

namespace ferry {

namespace {

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
      return type == kEtherTypeIPv4 && len >= l3 + 20 && frame[l3 + 9] == kProtoTcp;
    case VIRTIO_NET_HDR_GSO_UDP:
    case VIRTIO_NET_HDR_GSO_UDP_L4:
      if (type == kEtherTypeIPv4) return len >= l3 + 20 && frame[l3 + 9] == kProtoUdp;
      return type == kEtherTypeIPv6;
    case VIRTIO_NET_HDR_GSO_TCPV6:
      // Extension headers may sit between IPv6 and TCP: only the family is checked.
      return type == kEtherTypeIPv6 && len >= l3 + 40;
    default:
      return false;
  }
}

struct ParseTrace {
  bool ok;
  uint16_t reason;
  uint16_t ethertype;
  uint8_t gso_type;
  uint16_t gso_size;
  bool csum_partial;
};

}  // namespace

bool ParseStage::check(const Packet& p, uint16_t* reason) {
  auto refuse = [&](DropReason r) {
    *reason = uint16_t(r);
    return false;
  };
  if (p.len < kEthHdrLen) return refuse(DropReason::runt);
  EthernetView eth(p.data);
  if (eth.tagged() && p.len < kEthHdrLen + kVlanTagLen) return refuse(DropReason::runt);
  const uint64_t src = eth.src();
  if (src == 0 || mac_is_group(src)) return refuse(DropReason::bad_src_mac);
  if (!vnet_consistent(p.vnet, p.data, p.len)) return refuse(DropReason::bad_vnet_hdr);
  return true;
}

void ParseStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  ParseCounters& c = ctx.dry_run ? scratch : counters;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    uint16_t reason = 0;
    const bool ok = check(*p, &reason);
    if (!ok) {
      drop(p, reason);
      c.dropped++;
    } else {
      p->next = next_node[int(ctx.port(p->in_port)->role)];
      c.accepted++;
    }
    if (p->trace) {
      const bool whole = p->len >= kEthHdrLen;
      ctx.trace(p, ParseTrace{ok, reason, whole ? EthernetView(p->data).payload_type() : uint16_t(0), p->vnet.gso_type,
                              p->vnet.gso_size, bool(p->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)});
    }
  }
}

std::string ParseStage::format_trace(const uint8_t* record, uint32_t len) const {
  ParseTrace t;
  std::memcpy(&t, record, sizeof t);
  char s[160];
  if (!t.ok) {
    std::snprintf(s, sizeof s, "refused: %s", drop_reason_help(t.reason));
  } else {
    const char* gso = "";
    switch (t.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
      case VIRTIO_NET_HDR_GSO_TCPV4: gso = "tcpv4"; break;
      case VIRTIO_NET_HDR_GSO_TCPV6: gso = "tcpv6"; break;
      case VIRTIO_NET_HDR_GSO_UDP_L4: gso = "udp_l4"; break;
      case VIRTIO_NET_HDR_GSO_UDP: gso = "ufo"; break;
    }
    int k = std::snprintf(s, sizeof s, "ethertype 0x%04x", t.ethertype);
    if (*gso) k += std::snprintf(s + k, sizeof s - size_t(k), ", GSO %s segments of %u", gso, t.gso_size);
    if (t.csum_partial) std::snprintf(s + k, sizeof s - size_t(k), ", checksum partial");
  }
  return s;
}

}  // namespace ferry
