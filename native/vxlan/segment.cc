#include "vxlan/segment.h"

#include <cstring>

#include "core/checksum.h"
#include "vxlan/inner_tcp.h"
#include "vxlan/vxlan.h"

namespace ferry {

bool segment_tcp(const Packet* p, uint32_t vni, uint8_t* headers, uint32_t cap, iovec* iov, uint32_t max_iov, SegmentedFrame* seg) {
  InnerTcp t;
  const uint32_t mss = p->vnet.gso_size;
  if (!parse_inner_tcp(p->data, p->len, &t) || mss == 0) return false;
  const uint32_t payload = p->len - t.hdr;
  const uint32_t count = payload ? (payload + mss - 1) / mss : 1;
  const uint32_t head = kVxlanHdrLen + t.hdr;
  if (size_t(count) * head > cap || size_t(count) * 2 > max_iov) return false;
  const uint8_t* tcp = p->data + t.l4;
  const uint32_t seq = load32(tcp + 4);
  const uint8_t flags = tcp[13];
  const uint16_t id = t.v6 ? 0 : load16(p->data + kEthHdrLen + 4);
  uint8_t* o = headers;
  for (uint32_t k = 0; k < count; k++) {
    const uint32_t off = k * mss;
    const uint32_t chunk = payload - off < mss ? payload - off : mss;
    const uint8_t* data = p->data + t.hdr + off;
    write_vxlan(o, vni);
    uint8_t* f = o + kVxlanHdrLen;
    std::memcpy(f, p->data, t.hdr);
    const uint32_t tcp_len = t.hdr - t.l4 + chunk;
    if (!t.v6) store16(f + kEthHdrLen + 4, uint16_t(id + k));
    set_ip_length(f, t, tcp_len);
    uint8_t* th = f + t.l4;
    store32(th + 4, seq + off);
    // FIN and PSH end the burst: only the last piece keeps them; CWR only the first (as the kernel's tcp_gso_segment).
    th[13] = uint8_t(flags & ~((k + 1 < count ? kTcpFin | kTcpPsh : 0) | (k ? kTcpCwr : 0)));
    store16(th + 16, 0);
    const uint32_t header_sum = csum_partial(th, t.hdr - t.l4, tcp_pseudo_sum(f, t, tcp_len));
    // The payload's sum, taken where it lies: the piece follows its TCP header
    // (a multiple of 4 bytes), so its words line up with the segment's.
    store16(th + 16, csum_finish(csum_partial(data, chunk, header_sum)));
    iov[2 * k] = {o, head};
    iov[2 * k + 1] = {const_cast<uint8_t*>(data), chunk};
    o += head;
  }
  seg->datagram = head + mss;
  seg->count = count;
  seg->bytes = count * head + payload;
  return true;
}

bool complete_checksum(Packet* p) {
  const uint32_t start = p->vnet.csum_start, field = start + p->vnet.csum_offset;
  if (start >= p->len || field + 2 > p->len) return false;
  // The field holds the pseudo-header's sum; the data's is added over it.
  const uint16_t pseudo = load16(p->data + field);
  store16(p->data + field, 0);
  const uint16_t sum = csum_finish(csum_partial(p->data + start, p->len - start, pseudo));
  // UDP's checksum field (offset 6) says "none" with 0: a sum of 0 is sent as 0xffff (RFC 768).
  store16(p->data + field, sum == 0 && p->vnet.csum_offset == 6 ? 0xffff : sum);
  p->vnet.flags &= uint8_t(~VIRTIO_NET_HDR_F_NEEDS_CSUM);
  return true;
}

}  // namespace ferry
