// NAT66's rewriting: nat/rewrite.h says what each checksum needs. Against
// IPv4 two things differ: no header checksum to keep, and ICMPv6 sums a
// pseudo-header, so the echo identifier and the addresses both reach it.
#include "core/vnet.h"
#include "nat/rewrite.h"

namespace ferry {

namespace {

// The one's-complement change from one 16-byte address to another.
uint32_t csum_delta_addr(const IpKey& from, const IpKey& to) {
  uint32_t d = 0;
  d = csum_add(d, csum_delta32(uint32_t(from.hi >> 32), uint32_t(to.hi >> 32)));
  d = csum_add(d, csum_delta32(uint32_t(from.hi), uint32_t(to.hi)));
  d = csum_add(d, csum_delta32(uint32_t(from.lo >> 32), uint32_t(to.lo >> 32)));
  return csum_add(d, csum_delta32(uint32_t(from.lo), uint32_t(to.lo)));
}

void write_key(Ipv6Packet& ip, uint8_t* l4, const FlowKey6& from, const FlowKey6& to, uint32_t* addr_delta,
               uint32_t* port_delta) {
  *addr_delta = 0;
  *port_delta = 0;
  if (!(from.src == to.src)) {
    to.src.store_v6(ip.ip + Ipv6Offsets::src);
    *addr_delta = csum_add(*addr_delta, csum_delta_addr(from.src, to.src));
  }
  if (!(from.dst == to.dst)) {
    to.dst.store_v6(ip.ip + Ipv6Offsets::dst);
    *addr_delta = csum_add(*addr_delta, csum_delta_addr(from.dst, to.dst));
  }
  *port_delta = write_ports<Icmp6Kind>(l4, from, to);
}

}  // namespace

bool flow_key_of(const Ipv6Packet& ip, FlowKey6* key, bool* is_icmp_error) {
  *key = FlowKey6{};
  key->src = ip.src();
  key->dst = ip.dst();
  key->proto = ip.proto;
  return read_ports<Icmp6Kind>(ip.l4, key, is_icmp_error);
}

void rewrite_flow(Packet* p, Ipv6Packet& ip, const FlowKey6& from, const FlowKey6& to) {
  uint32_t addr_delta, port_delta;
  write_key(ip, ip.l4, from, to, &addr_delta, &port_delta);
  fix_l4_checksum<Icmp6Kind>(p, ip.l4, ip.proto, addr_delta, port_delta);
}

void decrement_hop_limit(Ipv6Packet& ip) { ip.ip[Ipv6Offsets::hop_limit]--; }

void rewrite_icmp_error(Ipv6Packet& outer, Ipv6Packet& quoted, const FlowKey6& inner, const IpKey& src, const IpKey& dst) {
  FlowKey6 was;
  bool unused;
  flow_key_of(quoted, &was, &unused);
  uint32_t addr_delta, port_delta;
  write_key(quoted, quoted.l4, was, inner, &addr_delta, &port_delta);
  const int at = l4_checksum_at(quoted.proto);
  if (quoted.l4 && at >= 0 && quoted.l4_len >= uint32_t(at) + 2)
    fix_full_l4(quoted.proto, true, quoted.l4 + at, addr_delta, port_delta);
  src.store_v6(outer.ip + Ipv6Offsets::src);
  dst.store_v6(outer.ip + Ipv6Offsets::dst);
  // The quote changed in several places and the pseudo-header too:
  // recomputing the (small) message's checksum is simplest and exact.
  const uint32_t ext = outer.hdr_len - kIpv6HdrLen;
  uint32_t len = outer.payload_len() > ext ? outer.payload_len() - ext : 0;
  if (len > outer.l4_len) len = outer.l4_len;
  store16(outer.l4 + kIcmpChecksumAt, 0);
  store16(outer.l4 + kIcmpChecksumAt, icmpv6_checksum(outer.ip, outer.l4, len));
}

}  // namespace ferry
