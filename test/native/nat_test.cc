// Conntrack, header rewriting and the prefix table in memory, on frames built
// here byte by byte: the TCP state machine step by step with its timeouts,
// the collector making room above 95% full, every checksum right after each
// kind of rewrite (complete, CHECKSUM_PARTIAL, UDP without a checksum, ICMP
// echo, ICMP errors quoting a translated flow), and longest-prefix matching.
#include <cstdio>
#include <cstring>
#include <vector>

#include "check.h"
#include "core/checksum.h"
#include "core/packet.h"
#include "l2/ethernet.h"
#include "l3/fragment.h"
#include "l3/prefix_table.h"
#include "nat/conntrack.h"
#include "nat/rewrite.h"

using namespace ferry;


constexpr uint32_t A = 0x0a000002, W = 0xc6336402, E = 0xc000020a;  // 10.0.0.2, 198.51.100.2, 192.0.2.10

static FlowKey key(uint32_t s, uint16_t sp, uint32_t d, uint16_t dp, uint8_t proto = kProtoTcp) {
  FlowKey k;
  k.src = s;
  k.dst = d;
  k.sport = sp;
  k.dport = dp;
  k.proto = proto;
  return k;
}

static void tcp_state_machine() {
  Conntrack ct(16);
  const FlowKey orig = key(A, 40000, W, 80), reply = key(W, 80, E, 40000);
  const uint32_t i = ct.create(orig, reply, kCtSnat, 0);
  struct Step {
    int dir;
    uint8_t flags;
    TcpState want;
    uint32_t timeout;
  } steps[] = {
      {0, kTcpSyn, TcpState::syn_sent, 120},
      {1, kTcpSyn | kTcpAck, TcpState::syn_recv, 60},
      {0, kTcpAck, TcpState::established, 432000},
      {0, kTcpFin | kTcpAck, TcpState::fin_wait, 120},
      {1, kTcpAck, TcpState::close_wait, 60},
      {1, kTcpFin | kTcpAck, TcpState::last_ack, 30},
      {0, kTcpAck, TcpState::time_wait, 120},
  };
  for (const Step& s : steps) {
    ct.on_packet(i, s.dir, s.flags, 100);
    CHECK(ct.entry(i).tcp == s.want, tcp_state_name(s.want));
    CHECK(ct.entry(i).expires == 100 + s.timeout, "the state's timeout");
  }
  CHECK(ct.entry(i).flags & kCtAssured, "an answered, established flow is assured");
  ct.on_packet(i, 0, kTcpSyn, 101);
  CHECK(ct.entry(i).tcp == TcpState::syn_sent, "a SYN from the opener reopens a TIME_WAIT flow");
  ct.on_packet(i, 1, kTcpRst, 102);
  CHECK(ct.entry(i).tcp == TcpState::close && ct.entry(i).expires == 112, "RST closes, 10 s");
  CHECK(ct.lookup(reply, 111) == (i << 1 | 1), "found from the reply side before it expires");
  CHECK(ct.lookup(reply, 112) == Conntrack::kNil && ct.size() == 0, "gone when it expires");
}

static void collector_makes_room_above_95_percent() {
  Conntrack ct(100);
  std::vector<uint32_t> ids;
  for (uint16_t p = 0; p < 100; p++) {
    const uint32_t i = ct.create(key(A, uint16_t(2000 + p), W, 80), key(W, 80, E, uint16_t(2000 + p)), kCtSnat, 0);
    for (auto [dir, flags] : {std::pair{0, kTcpSyn}, {1, kTcpSyn | kTcpAck}, {0, kTcpAck}}) ct.on_packet(i, dir, uint8_t(flags), 0);
    ids.push_back(i);
  }
  CHECK(ct.size() == 100, "the table is full of established flows");
  CHECK(ct.create(key(A, 9999, W, 80), key(W, 80, E, 9999), kCtSnat, 0) == Conntrack::kNil, "established flows are never evicted: refused");
  // Ten of them close: their TIME_WAIT is assured, and yet they must make room.
  for (int k = 0; k < 10; k++) {
    ct.on_packet(ids[k], 0, kTcpFin | kTcpAck, 1);
    ct.on_packet(ids[k], 1, kTcpFin | kTcpAck, 1);
    ct.on_packet(ids[k], 0, kTcpAck, 1);
  }
  for (int s = 0; s < 4; s++) ct.sweep(2);  // the collector visits the whole table in at most four passes
  CHECK(ct.size() == 95, "above 95%, the collector evicted closing flows until it was at 95%");
  CHECK(ct.counters.early_drop == 5, "counted as early drops");
  CHECK(ct.create(key(A, 9999, W, 80), key(W, 80, E, 9999), kCtSnat, 2) != Conntrack::kNil, "a new flow fits again");
}

// Ethernet + IPv4 + TCP, checksums complete.
static std::vector<uint8_t> tcp_frame(const FlowKey& k, uint32_t payload) {
  std::vector<uint8_t> f(14 + 20 + 20 + payload, 0x61);
  store16(f.data() + 12, kEtherTypeIPv4);
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  ip[1] = 0;
  store16(ip + 2, uint16_t(40 + payload));
  store16(ip + 4, 7);
  store16(ip + 6, 0x4000);
  ip[8] = 64;
  ip[9] = kProtoTcp;
  store16(ip + 10, 0);
  store32(ip + 12, k.src);
  store32(ip + 16, k.dst);
  store16(ip + 10, csum_finish(csum_partial(ip, 20)));
  uint8_t* tcp = ip + 20;
  std::memset(tcp, 0, 20);
  store16(tcp, k.sport);
  store16(tcp + 2, k.dport);
  tcp[12] = 5 << 4;
  tcp[13] = kTcpAck;
  uint32_t sum = csum_partial(ip + 12, 8);
  sum = csum_add(sum, kProtoTcp);
  sum = csum_add(sum, 20 + payload);
  store16(tcp + 16, csum_finish(csum_partial(tcp, 20 + payload, sum)));
  return f;
}

// Verifies an IPv4 header and its TCP/UDP/ICMP checksum from scratch.
static bool checksums_right(const uint8_t* ip) {
  const uint32_t hl = uint32_t(ip[0] & 15) * 4, total = load16(ip + 2);
  if (csum_fold(csum_partial(ip, hl)) != 0xffff) return false;
  const uint8_t proto = ip[9];
  if (proto == kProtoIcmp) return csum_fold(csum_partial(ip + hl, total - hl)) == 0xffff;
  if (proto == kProtoUdp && load16(ip + hl + 6) == 0) return true;
  uint32_t sum = csum_partial(ip + 12, 8);
  sum = csum_add(sum, proto);
  sum = csum_add(sum, total - hl);
  return csum_fold(csum_partial(ip + hl, total - hl, sum)) == 0xffff;
}

static Packet packet_over(std::vector<uint8_t>& f) {
  Packet p;
  p.data = f.data();
  p.len = uint32_t(f.size());
  return p;
}

static void rewrite_keeps_checksums_right() {
  const FlowKey from = key(A, 40000, W, 80), to = key(E, 61234, W, 80);
  {  // complete checksums: addresses and ports
    auto f = tcp_frame(from, 100);
    Packet p = packet_over(f);
    Ipv4Packet ip;
    CHECK(ip.parse(f.data() + 14, uint32_t(f.size() - 14)), "the golden frame parses");
    rewrite_flow(&p, ip, from, to);
    decrement_ttl(ip);
    CHECK(load32(f.data() + 14 + 12) == E && load16(f.data() + 34) == 61234 && f[14 + 8] == 63, "addresses, port and TTL rewritten");
    CHECK(checksums_right(f.data() + 14), "IP and TCP checksums verify after SNAT");
  }
  {  // CHECKSUM_PARTIAL: only the pseudo-header's addresses change, not the ports
    auto f = tcp_frame(from, 100);
    uint8_t* ip = f.data() + 14;
    uint32_t pseudo = csum_add(csum_add(csum_partial(ip + 12, 8), kProtoTcp), 120);
    store16(ip + 20 + 16, csum_fold(pseudo));  // what a sender with offload leaves there
    Packet p = packet_over(f);
    p.vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    p.vnet.csum_start = 34;
    p.vnet.csum_offset = 16;
    Ipv4Packet v;
    v.parse(ip, uint32_t(f.size() - 14));
    rewrite_flow(&p, v, from, to);
    const uint32_t want = csum_add(csum_add(csum_partial(ip + 12, 8), kProtoTcp), 120);
    CHECK(load16(ip + 36) == csum_fold(want), "the partial checksum is the new pseudo-header's sum, uncomplemented");
    CHECK(csum_fold(csum_partial(ip, 20)) == 0xffff, "the IP header checksum verifies");
  }
  {  // UDP sent without a checksum keeps none
    auto f = tcp_frame(from, 0);
    uint8_t* ip = f.data() + 14;
    ip[9] = kProtoUdp;
    store16(ip + 2, 28);
    store16(ip + 10, 0);
    store16(ip + 10, csum_finish(csum_partial(ip, 20)));
    store16(ip + 24, 8);
    store16(ip + 26, 0);
    f.resize(14 + 28);
    Packet p = packet_over(f);
    Ipv4Packet v;
    v.parse(ip, 28);
    rewrite_flow(&p, v, key(A, 40000, W, 80, kProtoUdp), key(E, 61234, W, 80, kProtoUdp));
    CHECK(load16(ip + 26) == 0, "a UDP checksum of 0 (none) stays 0");
    CHECK(checksums_right(ip), "the IP header checksum verifies");
  }
}

static void icmp_error_quoting_a_translated_flow() {
  // The far host answers a translated datagram with port unreachable: the
  // error quotes E:61234 > W:80; it must reach A quoting A:40000 > W:80.
  const FlowKey inside = key(A, 40000, W, 80, kProtoUdp), outside = key(E, 61234, W, 80, kProtoUdp);
  std::vector<uint8_t> f(14 + 20 + 8 + 20 + 8, 0);
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  store16(ip + 2, 56);
  ip[8] = 64;
  ip[9] = kProtoIcmp;
  store32(ip + 12, W);
  store32(ip + 16, E);
  store16(ip + 10, csum_finish(csum_partial(ip, 20)));
  uint8_t* icmp = ip + 20;
  icmp[0] = kIcmpUnreachable;
  icmp[1] = 3;
  uint8_t* q = icmp + 8;
  q[0] = 0x45;
  store16(q + 2, 28);
  q[8] = 63;
  q[9] = kProtoUdp;
  store32(q + 12, outside.src);
  store32(q + 16, outside.dst);
  store16(q + 10, csum_finish(csum_partial(q, 20)));
  store16(q + 20, outside.sport);
  store16(q + 22, outside.dport);
  store16(q + 24, 8);
  store16(icmp + 2, csum_finish(csum_partial(icmp, 36)));
  Ipv4Packet outer, quoted;
  CHECK(outer.parse(ip, 56) && quoted.parse(icmp + 8, 28), "the error and its quote parse");
  rewrite_icmp_error(outer, quoted, inside, W, A);
  CHECK(load32(ip + 16) == A && load32(q + 12) == A && load16(q + 20) == 40000, "outer and quoted headers in the inside's terms");
  CHECK(checksums_right(ip), "outer IP and ICMP checksums verify");
  CHECK(csum_fold(csum_partial(q, 20)) == 0xffff, "the quoted header's checksum verifies");
}

static void prefix_table_longest_match() {
  PrefixTable t;
  t.add(0x0a000000, 8, 1);   // 10.0.0.0/8
  t.add(0x0a010000, 16, 2);  // 10.1.0.0/16
  t.add(0x0a010200, 24, 3);  // 10.1.2.0/24
  CHECK(t.match(0x0a010203) == 3, "the /24 wins inside it");
  CHECK(t.match(0x0a01ff01) == 2, "the /16 outside the /24");
  CHECK(t.match(0x0aff0001) == 1, "the /8 elsewhere");
  CHECK(t.match(0x0b000001) == PrefixTable::kNone, "nothing outside");
  t.remove(0x0a010000, 16);
  CHECK(t.match(0x0a01ff01) == 1, "after removing the /16, the /8");
  t.add(0x0a0102ff, 24, 4);  // host bits are masked: it replaces the /24
  CHECK(t.match(0x0a010201) == 4, "a prefix given with host bits is the same prefix");
  t.add(0, 0, 9);
  CHECK(t.match(0xc0000201) == 9, "a default route matches everything else");
}

// Ethernet + IPv6 + TCP (20-byte header) with `payload` bytes, checksum complete.
static std::vector<uint8_t> tcp6_frame(const IpKey& src, uint16_t sport, const IpKey& dst, uint16_t dport, uint32_t payload) {
  std::vector<uint8_t> f(14 + 40 + 20 + payload, 0);
  store16(f.data() + 12, 0x86dd);
  uint8_t* ip = f.data() + 14;
  store32(ip, 0x60000000);
  store16(ip + 4, uint16_t(20 + payload));
  ip[6] = kProtoTcp;
  ip[7] = 64;
  src.store_v6(ip + 8);
  dst.store_v6(ip + 24);
  uint8_t* tcp = ip + 40;
  store16(tcp, sport);
  store16(tcp + 2, dport);
  tcp[12] = 5 << 4;
  tcp[13] = kTcpAck;
  for (uint32_t i = 0; i < payload; i++) tcp[20 + i] = uint8_t(i * 7);
  return f;
}

// The transport checksum of an IPv6 packet verifies (sums to 0xffff with the pseudo-header).
static bool l4_checksum6_ok(const uint8_t* ip) {
  const uint32_t len = load16(ip + 4);
  uint32_t sum = csum_partial(ip + 8, 32);
  sum = csum_add(sum, len);
  sum = csum_add(sum, ip[6]);
  return csum_fold(csum_partial(ip + 40, len, sum)) == 0xffff;
}

static void nat66_rewrite_keeps_checksums_right() {
  const IpKey a{0x20010db800050000ull, 2}, w{0x20010db800000002ull, 2}, e{0x20010db800000001ull, 0x10};
  std::vector<uint8_t> f = tcp6_frame(a, 40000, w, 80, 100);
  uint8_t* ip = f.data() + 14;
  uint32_t len = load16(ip + 4);
  uint32_t sum = csum_add(csum_add(csum_partial(ip + 8, 32), len), kProtoTcp);
  store16(ip + 40 + 16, csum_finish(csum_partial(ip + 40, len, sum)));
  CHECK(l4_checksum6_ok(ip), "the frame as built verifies");
  Packet p;
  p.data = f.data();
  p.len = uint32_t(f.size());
  Ipv6Packet v6;
  CHECK(v6.parse(ip, p.len - 14) && v6.proto == kProtoTcp && v6.l4 == ip + 40, "parsed to its TCP header");
  FlowKey6 from, to;
  bool err;
  CHECK(flow_key_of(v6, &from, &err) && !err && from.sport == 40000 && from.dst == w, "its flow key");
  to = from;
  to.src = e;
  to.sport = 1234;
  rewrite_flow(&p, v6, from, to);
  CHECK(IpKey::v6(ip + 8) == e && load16(ip + 40) == 1234, "source address and port rewritten");
  CHECK(l4_checksum6_ok(ip), "a complete TCP checksum is right after NAT66");

  // CHECKSUM_PARTIAL: the field holds the pseudo-header sum only; it gets the address change, not the port's.
  std::vector<uint8_t> g = tcp6_frame(a, 40000, w, 80, 100);
  uint8_t* ip2 = g.data() + 14;
  store16(ip2 + 40 + 16, csum_fold(csum_add(csum_add(csum_partial(ip2 + 8, 32), 120), kProtoTcp)));
  Packet q;
  q.data = g.data();
  q.len = uint32_t(g.size());
  q.vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  q.vnet.csum_start = 14 + 40;
  q.vnet.csum_offset = 16;
  Ipv6Packet v6b;
  v6b.parse(ip2, q.len - 14);
  rewrite_flow(&q, v6b, from, to);
  const uint16_t want = csum_fold(csum_add(csum_add(csum_partial(ip2 + 8, 32), 120), kProtoTcp));
  CHECK(load16(ip2 + 40 + 16) == want, "a CHECKSUM_PARTIAL field is the new pseudo-header's sum");
}

static void fragments_cut_at_the_mtu_and_add_up() {
  // A 4,000-byte UDP datagram, cut at MTU 1500: 1480, 1480 and the rest, on 8-byte boundaries.
  std::vector<uint8_t> f(14 + 20 + 8 + 4000, 0);
  store16(f.data() + 12, 0x0800);
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  store16(ip + 2, uint16_t(20 + 8 + 4000));
  store16(ip + 4, 0x4242);
  ip[8] = 64;
  ip[9] = kProtoUdp;
  for (uint32_t i = 0; i < 4008; i++) ip[20 + i] = uint8_t(i * 13);
  Packet p;
  p.data = f.data();
  p.len = uint32_t(f.size());
  std::vector<uint8_t> joined;
  std::vector<uint8_t> buf(2000);
  Packet q;
  uint32_t k = 0;
  for (; k < 5; k++) {
    q.data = buf.data();
    if (!write_ipv4_fragment(p, 1500, k, &q)) break;
    const uint8_t* h = buf.data() + 14;
    const uint16_t frag = load16(h + 6);
    CHECK(load16(h + 2) <= 1500 && q.len == 14u + load16(h + 2), "no fragment larger than the MTU");
    CHECK(csum_fold(csum_partial(h, 20)) == 0xffff, "each fragment's header checksum is right");
    CHECK((frag & kIpFragOffsetMask) * 8u == joined.size(), "each fragment's offset is where the last ended");
    CHECK(bool(frag & kIpMoreFragments) == (k < 2), "more fragments on all but the last");
    CHECK(load16(h + 4) == 0x4242, "the datagram's id on each");
    joined.insert(joined.end(), h + 20, h + load16(h + 2));
  }
  CHECK(k == 3, "three fragments: write stops after the last");
  CHECK(joined == std::vector<uint8_t>(ip + 20, ip + 20 + 4008), "the fragments' payloads add up to the datagram's");
}

int main() {
  nat66_rewrite_keeps_checksums_right();
  fragments_cut_at_the_mtu_and_add_up();
  tcp_state_machine();
  collector_makes_room_above_95_percent();
  rewrite_keeps_checksums_right();
  icmp_error_quoting_a_translated_flow();
  prefix_table_longest_match();
  return verdict();
}
