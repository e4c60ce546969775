#include "l3/fragment.h"

namespace ferry {

namespace {

uint32_t chunk_of(uint32_t hdr_len, uint32_t mtu) { return (mtu - hdr_len) & ~7u; }

}  // namespace

bool write_ipv4_fragment(const Packet& p, uint32_t mtu, uint32_t index, Packet* q) {
  const uint8_t* ip = p.data + kEthHdrLen;
  const uint32_t hdr_len = uint32_t(ip[0] & 0x0f) * 4;
  const uint32_t payload = load16(ip + Ipv4Offsets::total_len) - hdr_len;
  const uint32_t chunk = chunk_of(hdr_len, mtu);
  const uint32_t offset = index * chunk;
  if (!chunk || offset >= payload) return false;
  const uint32_t len = payload - offset < chunk ? payload - offset : chunk;
  const bool last = offset + len == payload;
  uint8_t* f = q->data;
  std::memcpy(f, p.data, kEthHdrLen + hdr_len);
  uint8_t* h = f + kEthHdrLen;
  if (index > 0) {
    // Options without the copied flag (0x80) belong to the first fragment only.
    for (uint32_t i = kIpv4MinHdr; i < hdr_len;) {
      const uint8_t type = h[i];
      if (type == 0) break;
      if (type == 1 || i + 1 >= hdr_len || h[i + 1] < 2) {
        i++;
        continue;
      }
      const uint32_t olen = h[i + 1];
      if (!(type & 0x80)) std::memset(h + i, 1, olen < hdr_len - i ? olen : hdr_len - i);
      i += olen;
    }
  }
  std::memcpy(h + hdr_len, ip + hdr_len + offset, len);
  const uint16_t frag = uint16_t((load16(ip + Ipv4Offsets::frag) & ~(kIpMoreFragments | kIpFragOffsetMask)) |
                                 (last ? 0 : kIpMoreFragments) | (offset >> 3));
  store16(h + Ipv4Offsets::total_len, uint16_t(hdr_len + len));
  store16(h + Ipv4Offsets::frag, frag);
  store16(h + Ipv4Offsets::checksum, 0);
  store16(h + Ipv4Offsets::checksum, csum_finish(csum_partial(h, hdr_len)));
  q->len = kEthHdrLen + hdr_len + len;
  q->in_port = p.in_port;
  q->vnet = VnetHdr{};
  q->trace = p.trace;
  return true;
}

}  // namespace ferry
