#include "l3/icmp_out.h"

#include <cstring>

#include "core/checksum.h"
#include "l2/ethernet.h"
#include "l3/icmpv6.h"

namespace ferry {

namespace {
constexpr uint32_t kIcmpErrorMaxIp = 576;
constexpr uint8_t kDefaultTtl = 64;
}  // namespace

void answer_echo(StageContext& ctx, Packet* p, Ipv4Packet& ip, uint64_t own_mac) {
  uint8_t* eth = p->data;
  std::memcpy(eth + EthOffsets::dst, eth + EthOffsets::src, 6);
  store_mac(eth + EthOffsets::src, own_mac);
  const uint32_t src = ip.src(), dst = ip.dst();
  store32(ip.ip + Ipv4Offsets::src, dst);
  store32(ip.ip + Ipv4Offsets::dst, src);
  ip.ip[Ipv4Offsets::ttl] = kDefaultTtl;
  store16(ip.ip + Ipv4Offsets::checksum, 0);
  store16(ip.ip + Ipv4Offsets::checksum, csum_finish(csum_partial(ip.ip, ip.hdr_len)));
  ip.l4[0] = kIcmpEchoReply;
  csum_apply(ip.l4 + kIcmpChecksumAt, csum_delta16(uint16_t(kIcmpEchoRequest) << 8, uint16_t(kIcmpEchoReply) << 8));
  ctx.tx(ctx.port(p->in_port), p);
}

bool IcmpErrors::spend(StageContext& ctx) {
  if (second_ != ctx.now) {
    second_ = ctx.now;
    this_second_ = 0;
  }
  if (this_second_ >= kPerSecond) return false;
  if (!ctx.dry_run) this_second_++;
  return true;
}

IcmpErrors::Result IcmpErrors::send(StageContext& ctx, const Packet* p, const Ipv4Packet& ip, uint8_t type, uint8_t code,
                                    uint16_t mtu, uint32_t src_ip, uint64_t own_mac) {
  if (ip.proto() == kProtoIcmp && ip.l4 && icmp_is_error(ip.l4[0])) return Result::not_sent;
  if (!spend(ctx)) return Result::rate_limited;
  if (ctx.dry_run) return Result::sent;
  Packet* q = ctx.new_packet();
  if (!q) return Result::not_sent;
  const uint32_t avail = p->len - kEthHdrLen;
  uint32_t quote = kIcmpErrorMaxIp - kIpv4MinHdr - 8;
  if (quote > avail) quote = avail;

  uint8_t* e = q->data;
  std::memcpy(e + EthOffsets::dst, p->data + EthOffsets::src, 6);
  store_mac(e + EthOffsets::src, own_mac);
  store16(e + EthOffsets::ethertype, kEtherTypeIPv4);
  uint8_t* h = e + kEthHdrLen;
  const uint32_t total = kIpv4MinHdr + 8 + quote;
  h[0] = 0x45;
  h[1] = 0xc0;  // internetwork control, as Linux sends its ICMP errors
  store16(h + Ipv4Offsets::total_len, uint16_t(total));
  store16(h + Ipv4Offsets::id, 0);
  store16(h + Ipv4Offsets::frag, 0);
  h[Ipv4Offsets::ttl] = kDefaultTtl;
  h[Ipv4Offsets::proto] = kProtoIcmp;
  store32(h + Ipv4Offsets::src, src_ip);
  store32(h + Ipv4Offsets::dst, ip.src());
  store16(h + Ipv4Offsets::checksum, 0);
  store16(h + Ipv4Offsets::checksum, csum_finish(csum_partial(h, kIpv4MinHdr)));
  uint8_t* icmp = h + kIpv4MinHdr;
  icmp[0] = type;
  icmp[1] = code;
  store16(icmp + 2, 0);
  store16(icmp + 4, 0);
  store16(icmp + 6, mtu);  // next-hop MTU for fragmentation needed (RFC 1191), else 0
  std::memcpy(icmp + 8, ip.ip, quote);
  store16(icmp + 2, csum_finish(csum_partial(icmp, 8 + quote)));
  q->len = kEthHdrLen + total;
  ctx.tx(ctx.port(p->in_port), q);
  return Result::sent;
}

void answer_echo(StageContext& ctx, Packet* p, Ipv6Packet& ip, uint64_t own_mac) {
  uint8_t* eth = p->data;
  std::memcpy(eth + EthOffsets::dst, eth + EthOffsets::src, 6);
  store_mac(eth + EthOffsets::src, own_mac);
  const IpKey src = ip.src(), dst = ip.dst();  // swapped: the pseudo-header's sum stays the same
  dst.store_v6(ip.ip + Ipv6Offsets::src);
  src.store_v6(ip.ip + Ipv6Offsets::dst);
  ip.ip[Ipv6Offsets::hop_limit] = kDefaultTtl;
  ip.l4[0] = kIcmp6EchoReply;
  csum_apply(ip.l4 + kIcmpChecksumAt, csum_delta16(uint16_t(kIcmp6EchoRequest) << 8, uint16_t(kIcmp6EchoReply) << 8));
  ctx.tx(ctx.port(p->in_port), p);
}

IcmpErrors::Result IcmpErrors::send_too_big6(StageContext& ctx, const Packet* p, uint32_t l3, uint32_t mtu, uint64_t own_mac) {
  if (p->len < l3 + kIpv6HdrLen) return Result::not_sent;
  return send6(ctx, p, l3, kIcmp6TooBig, 0, mtu, IpKey::v6(p->data + l3 + Ipv6Offsets::dst), own_mac);
}

IcmpErrors::Result IcmpErrors::send6(StageContext& ctx, const Packet* p, uint32_t l3, uint8_t type, uint8_t code, uint32_t param,
                                     const IpKey& src, uint64_t own_mac) {
  const uint8_t* ip = p->data + l3;
  if (p->len < l3 + kIpv6HdrLen) return Result::not_sent;
  // Never about an ICMPv6 error (types below 128).
  if (ip[6] == kIpProtoIcmpv6 && (p->len < l3 + kIpv6HdrLen + 1 || ip[kIpv6HdrLen] < 128)) return Result::not_sent;
  if (!spend(ctx)) return Result::rate_limited;
  if (ctx.dry_run) return Result::sent;
  Packet* q = ctx.new_packet();
  if (!q) return Result::not_sent;
  uint32_t quote = p->len - l3;
  if (quote > kIpv6MinMtu - kIpv6HdrLen - 8) quote = kIpv6MinMtu - kIpv6HdrLen - 8;
  uint8_t* e = q->data;
  std::memcpy(e + EthOffsets::dst, p->data + EthOffsets::src, 6);
  store_mac(e + EthOffsets::src, own_mac);
  store16(e + EthOffsets::ethertype, kEtherTypeIPv6);
  uint8_t* h = e + kEthHdrLen;
  store32(h, 0x60000000);
  store16(h + 4, uint16_t(8 + quote));
  h[6] = kIpProtoIcmpv6;
  h[7] = kDefaultTtl;
  src.store_v6(h + 8);
  std::memcpy(h + 24, ip + 8, 16);   // to the packet's source
  uint8_t* m = h + kIpv6HdrLen;
  m[0] = type;
  m[1] = code;
  store16(m + 2, 0);
  store32(m + 4, param);
  std::memcpy(m + 8, ip, quote);
  store16(m + 2, icmpv6_checksum(h, m, 8 + quote));
  q->len = kEthHdrLen + kIpv6HdrLen + 8 + quote;
  ctx.tx(ctx.port(p->in_port), q);
  return Result::sent;
}

}  // namespace ferry
