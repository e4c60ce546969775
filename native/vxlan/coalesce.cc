#include "vxlan/coalesce.h"

#include <cstring>

#include "vxlan/vxlan.h"

namespace ferry {

namespace {

constexpr uint32_t kMaxIpPayload = 65535;

bool mergeable(const uint8_t* f, const InnerTcp& t) { return !(f[t.l4 + 13] & (kTcpSyn | kTcpFin | kTcpRst | kTcpUrg)); }

}  // namespace

bool TcpCoalescer::open(Packet* p) {
  p_ = nullptr;
  const uint8_t* f = p->data + kVxlanHdrLen;
  const uint32_t len = p->len - kVxlanHdrLen;
  if (p->len <= kVxlanHdrLen || !parse_inner_tcp(f, len, &t_) || len == t_.hdr || !mergeable(f, t_)) return false;
  // A frame larger than its IP header says (Ethernet padding) is not cut at the payload's end.
  const uint32_t ip_len = t_.v6 ? 40 + load16(f + kEthHdrLen + 4) : load16(f + kEthHdrLen + 2);
  if (kEthHdrLen + ip_len != len) return false;
  p_ = p;
  mss_ = len - t_.hdr;
  next_seq_ = load32(f + t_.l4 + 4) + mss_;
  segments_ = 1;
  full_ = (f[t_.l4 + 13] & kTcpPsh) != 0;
  return true;
}

bool TcpCoalescer::append(const uint8_t* d, uint32_t len) {
  if (!p_ || full_ || len <= kVxlanHdrLen) return false;
  const uint8_t* f = d + kVxlanHdrLen;
  const uint8_t* mine = p_->data + kVxlanHdrLen;
  InnerTcp t;
  if (!parse_inner_tcp(f, len - kVxlanHdrLen, &t) || t.hdr != t_.hdr || t.l4 != t_.l4 || t.v6 != t_.v6 || !mergeable(f, t)) return false;
  const uint32_t payload = len - kVxlanHdrLen - t.hdr;
  if (payload == 0 || payload > mss_ || load32(f + t.l4 + 4) != next_seq_) return false;
  if (p_->len - kVxlanHdrLen - kEthHdrLen + payload > kMaxIpPayload + (t.v6 ? 40 : 0)) return false;
  const uint32_t ip_len = t.v6 ? 40 + load16(f + kEthHdrLen + 4) : load16(f + kEthHdrLen + 2);
  if (kEthHdrLen + ip_len != len - kVxlanHdrLen) return false;
  // Same VXLAN header and Ethernet header.
  if (std::memcmp(d, p_->data, kVxlanHdrLen + kEthHdrLen) != 0) return false;
  const uint8_t* ip = f + kEthHdrLen;
  const uint8_t* my_ip = mine + kEthHdrLen;
  if (t.v6) {
    // Version, traffic class, flow label; next header, hop limit; addresses.
    if (std::memcmp(ip, my_ip, 4) != 0 || std::memcmp(ip + 6, my_ip + 6, 34) != 0) return false;
  } else {
    // Version and header length, TOS; DF; TTL, protocol; addresses and options (not the id, length or checksum).
    if (ip[0] != my_ip[0] || ip[1] != my_ip[1] || ip[6] != my_ip[6] || ip[8] != my_ip[8] || ip[9] != my_ip[9] ||
        std::memcmp(ip + 12, my_ip + 12, t.l4 - kEthHdrLen - 12) != 0)
      return false;
  }
  const uint8_t* tcp = f + t.l4;
  const uint8_t* my_tcp = mine + t_.l4;
  // Ports; ACK; data offset; flags but PSH; window; urgent pointer (not checksummed, so not compared); options.
  if (std::memcmp(tcp, my_tcp, 4) != 0 || std::memcmp(tcp + 8, my_tcp + 8, 5) != 0 || ((tcp[13] ^ my_tcp[13]) & ~kTcpPsh) ||
      load16(tcp + 14) != load16(my_tcp + 14) || std::memcmp(tcp + 20, my_tcp + 20, t.hdr - t.l4 - 20) != 0)
    return false;
  std::memmove(p_->data + p_->len, f + t.hdr, payload);
  p_->len += payload;
  next_seq_ += payload;
  segments_++;
  if (payload < mss_ || (tcp[13] & kTcpPsh)) {
    full_ = true;
    p_->data[kVxlanHdrLen + t_.l4 + 13] |= tcp[13] & kTcpPsh;
  }
  return true;
}

void TcpCoalescer::close() {
  if (p_ && segments_ > 1) {
    uint8_t* f = p_->data + kVxlanHdrLen;
    const uint32_t tcp_len = p_->len - kVxlanHdrLen - t_.l4;
    set_ip_length(f, t_, tcp_len);
    store16(f + t_.l4 + 16, csum_fold(tcp_pseudo_sum(f, t_, tcp_len)));
    p_->vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    p_->vnet.gso_type = t_.v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
    p_->vnet.gso_size = uint16_t(mss_);
    p_->vnet.hdr_len = uint16_t(t_.hdr);
    p_->vnet.csum_start = uint16_t(t_.l4);
    p_->vnet.csum_offset = 16;
  }
  p_ = nullptr;
}

uint32_t split_run(PacketPool& pool, Packet* src, uint32_t len, uint32_t segment, Packet** out, uint64_t* no_buffer, DatagramOpener* opener) {
  if (segment >= len) segment = len;  // one datagram: nothing to merge
  TcpCoalescer merge;
  uint32_t k = 0;
  bool src_kept = false;
  const uint32_t in_port = src->in_port;
  uint8_t* const run = src->data;
  for (uint32_t off = 0; off < len; off += segment) {
    uint8_t* d = run + off;
    uint32_t n = len - off < segment ? len - off : segment;
    if (opener && !opener->open(d, n, &d, &n)) continue;
    if (merge.append(d, n)) continue;
    merge.close();
    // Later datagrams lie further on in src's buffer: a frame kept there never grows over one not read yet.
    Packet* q = src_kept ? pool.get() : src;
    if (!q) {
      (*no_buffer)++;
      continue;
    }
    if (q == src) {
      src_kept = true;
      src->data = d;
    } else {
      std::memcpy(q->data, d, n);
    }
    q->len = n;
    q->in_port = in_port;
    q->vnet = VnetHdr{};
    out[k++] = q;
    merge.open(q);
  }
  merge.close();
  if (!src_kept) pool.put(src);
  return k;
}

}  // namespace ferry
