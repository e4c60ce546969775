// Packets the router writes itself: echo replies for the external address
// (in place) and ICMP errors (time exceeded, fragmentation needed) in a new
// buffer, quoting the offending packet as RFC 1812 asks: its IP header and
// as much after it as fits in 576 bytes. Errors are rate limited, never sent
// about an ICMP error, and go back out of the port the packet came in by.
#include "core/checksum.h"
#include "l2/ethernet.h"
#include "l3/router.h"

namespace ferry {

namespace {
constexpr uint32_t kIcmpErrorMaxIp = 576;
constexpr uint8_t kDefaultTtl = 64;
}  // namespace

void RouterStage::answer_echo(Fabric& f, Packet* p, Ipv4Packet& ip, uint64_t own_mac) {
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
  f.enqueue(f.ports[p->in_port].get(), p);
  counters.echo_replies++;
}

void RouterStage::send_icmp_error(Fabric& f, const Packet* p, const Ipv4Packet& ip, uint8_t type, uint8_t code,
                                  uint16_t mtu, uint32_t src_ip, uint64_t own_mac) {
  if (ip.proto() == kProtoIcmp && ip.l4 && icmp_is_error(ip.l4[0])) return;
  if (icmp_errors_this_second_ >= kIcmpErrorsPerSecond) {
    counters.icmp_rate_limited++;
    return;
  }
  Packet* q = new_packet();
  if (!q) return;
  icmp_errors_this_second_++;
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
  f.enqueue(f.ports[p->in_port].get(), q);
  counters.icmp_errors_sent++;
}

}  // namespace ferry
