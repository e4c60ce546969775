#include "nat/rewrite.h"

#include "core/vnet.h"

namespace ferry {

int l4_checksum_at(uint8_t proto) {
  return proto == kProtoTcp ? kTcpChecksumAt : proto == kProtoUdp ? kUdpChecksumAt : proto == kProtoIcmp || proto == kIpProtoIcmpv6 ? kIcmpChecksumAt : -1;
}

void fix_full_l4(uint8_t proto, bool pseudo, uint8_t* field, uint32_t addr_delta, uint32_t port_delta) {
  if (!pseudo) {  // ICMP: no pseudo-header
    if (port_delta) csum_apply(field, port_delta);
    return;
  }
  if (proto == kProtoUdp && load16(field) == 0) return;  // sent without a checksum
  csum_apply(field, csum_add(addr_delta, port_delta));
  if (proto == kProtoUdp && load16(field) == 0) store16(field, 0xffff);  // 0 means "none" in UDP
}

namespace {

// Writes the new addresses and ports into the headers; returns the checksum
// deltas of the addresses (pseudo-header) and of the ports/identifier.
void write_key(Ipv4Packet& ip, uint8_t* l4, const FlowKey& from, const FlowKey& to, uint32_t* addr_delta,
               uint32_t* port_delta) {
  *addr_delta = 0;
  *port_delta = 0;
  if (from.src != to.src) {
    store32(ip.ip + Ipv4Offsets::src, to.src);
    *addr_delta = csum_add(*addr_delta, csum_delta32(from.src, to.src));
  }
  if (from.dst != to.dst) {
    store32(ip.ip + Ipv4Offsets::dst, to.dst);
    *addr_delta = csum_add(*addr_delta, csum_delta32(from.dst, to.dst));
  }
  *port_delta = write_ports<Icmp4Kind>(l4, from, to);
}

}  // namespace

bool flow_key_of(const Ipv4Packet& ip, FlowKey* key, bool* is_icmp_error) {
  *key = FlowKey{};
  key->src = ip.src();
  key->dst = ip.dst();
  key->proto = ip.proto();
  return read_ports<Icmp4Kind>(ip.l4, key, is_icmp_error);
}

void rewrite_flow(Packet* p, Ipv4Packet& ip, const FlowKey& from, const FlowKey& to) {
  uint32_t addr_delta, port_delta;
  write_key(ip, ip.l4, from, to, &addr_delta, &port_delta);
  if (addr_delta) csum_apply(ip.ip + Ipv4Offsets::checksum, addr_delta);
  fix_l4_checksum<Icmp4Kind>(p, ip.l4, from.proto, addr_delta, port_delta);
}

void decrement_ttl(Ipv4Packet& ip) {
  uint8_t* word = ip.ip + Ipv4Offsets::ttl;  // TTL and protocol form one 16-bit word
  const uint16_t before = load16(word);
  word[0]--;
  csum_apply(ip.ip + Ipv4Offsets::checksum, csum_delta16(before, load16(word)));
}

void rewrite_icmp_error(Ipv4Packet& outer, Ipv4Packet& quoted, const FlowKey& inner, uint32_t src, uint32_t dst) {
  FlowKey was;
  bool unused;
  flow_key_of(quoted, &was, &unused);
  uint32_t addr_delta, port_delta;
  write_key(quoted, quoted.l4, was, inner, &addr_delta, &port_delta);
  // The quoted header's own checksum, and its transport checksum when the
  // quote holds that field (errors usually quote 8 bytes or much more).
  store16(quoted.ip + Ipv4Offsets::checksum, 0);
  store16(quoted.ip + Ipv4Offsets::checksum, csum_finish(csum_partial(quoted.ip, quoted.hdr_len)));
  if (const int at = l4_checksum_at(was.proto); quoted.l4 && at >= 0 && quoted.l4_len >= uint32_t(at) + 2)
    fix_full_l4(was.proto, was.proto != kProtoIcmp, quoted.l4 + at, addr_delta, port_delta);

  FlowKey outer_from{}, outer_to{};
  outer_from.src = outer.src();
  outer_from.dst = outer.dst();
  outer_to.src = src;
  outer_to.dst = dst;
  outer_from.proto = outer_to.proto = kProtoIcmp;
  write_key(outer, nullptr, outer_from, outer_to, &addr_delta, &port_delta);
  if (addr_delta) csum_apply(outer.ip + Ipv4Offsets::checksum, addr_delta);
  // The ICMP checksum covers the quote, which changed in several places:
  // recomputing it over the (small) message is simplest and exact.
  uint32_t icmp_len = outer.total_len() > outer.hdr_len ? outer.total_len() - outer.hdr_len : 0;
  if (icmp_len > outer.l4_len) icmp_len = outer.l4_len;
  store16(outer.l4 + kIcmpChecksumAt, 0);
  store16(outer.l4 + kIcmpChecksumAt, csum_finish(csum_partial(outer.l4, icmp_len)));
}

}  // namespace ferry
