// libFuzzer target: the whole graph as a router, conntrack and NAT included.
// Two routed networks (192.0.2.0/24 with the golden frames' A and B, and
// 203.0.113.0/24), their host ports, an uplink (198.51.100.10/24 via .1)
// with two published ports, port security on three of the four containers,
// the resolver on network 1. Each input is a sequence of frames (records.h)
// on any of the ports, so a flow can be opened, answered and torn down in
// one input. Tables are reset between inputs, so an input means the same
// thing whenever it runs.
//
// IPv6 too: network 1 is 2001:db8:1::/64 behind NAT66, network 2
// 2001:db8:2::/64 routed as it is (gateway_mode_ipv6=routed), the uplink
// 2001:db8:ff::10/64 via ::1, with a published IPv6 port.
//
// Besides the sanitizers, four things the router must never do abort the
// run, each a bug the hardening issue found or could have:
//  - a frame leaving the uplink with a source other than the external
//    address (a NAT leak of an internal address);
//  - an IPv6 frame leaving the uplink from anything but the external IPv6
//    address, the uplink's link-local one, or the routed network 2;
//  - an IPv4 frame leaving the uplink with a wrong header checksum;
//  - a frame from network 1's address range (either family) reaching
//    network 2's container when only containers and the world sent frames
//    (isolation).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/checksum.h"
#include "dataplane/dataplane.h"
#include "l2/ethernet.h"
#include "memory_port.h"
#include "records.h"

using namespace ferry;

namespace {

constexpr uint64_t kMacA = 0x02000000000aull, kMacB = 0x02000000000bull, kMacC = 0x02000000000cull, kMacD = 0x02000000000dull;
constexpr uint64_t kRouter1 = 0x020000000101ull, kRouter2 = 0x020000000102ull, kUplinkMac = 0x02000000020aull;
constexpr uint32_t kNet1 = 0xc0000200, kNet2 = 0xcb007100;  // 192.0.2.0/24, 203.0.113.0/24
constexpr uint32_t kA = kNet1 | 1, kB = kNet1 | 2, kD = kNet1 | 4, kGw1 = kNet1 | 254;
constexpr uint32_t kC = kNet2 | 3, kGw2 = kNet2 | 254;
constexpr uint32_t kUplinkIp = 0xc633640a, kUplinkGw = 0xc6336401;  // 198.51.100.10, .1
// IPv6: 2001:db8:N::/64, hosts by their last byte.
IpKey v6(uint16_t net, uint64_t host) { return IpKey{0x20010db800000000ull | uint64_t(net) << 16, host}; }
const IpKey kNet1v6 = v6(1, 0), kNet2v6 = v6(2, 0), kUplinkIp6 = v6(0xff, 0x10), kUplinkGw6 = v6(0xff, 1);

enum Slot { a, b, c, d, host1, host2, uplink, kSlots };

struct Router {
  Dataplane dp{[] {
    DataplaneConfig c;
    c.conntrack_max = 256;  // small: the full-table paths are reached, and a reset is cheap
    return c;
  }()};
  std::vector<SentFrame> out[kSlots];
  uint32_t port[kSlots];
  uint32_t dom1 = 0, dom2 = 0;

  Router() {
    dp.engine().run([&](Engine&) {
      dom1 = dp.domains().create(1024, 300);
      dom2 = dp.domains().create(1024, 300);
      auto mem = [&](Slot s, const char* name) { return std::make_unique<MemoryPort>(name, out[s]); };
      port[a] = dp.attach_bridge_port(mem(a, "a"), PortRole::container, dom1);
      port[b] = dp.attach_bridge_port(mem(b, "b"), PortRole::container, dom1);
      port[d] = dp.attach_bridge_port(mem(d, "d"), PortRole::container, dom1);
      port[c] = dp.attach_bridge_port(mem(c, "c"), PortRole::container, dom2);
      port[host1] = dp.attach_bridge_port(mem(host1, "h1"), PortRole::host, dom1);
      port[host2] = dp.attach_bridge_port(mem(host2, "h2"), PortRole::host, dom2);
      for (Slot s : {a, b, c, d}) dp.engine().port(port[s])->mtu = 1500;
      UplinkConfig u;
      u.ip = kUplinkIp;
      u.mask = 0xffffff00;
      u.gateway = kUplinkGw;
      u.mac = kUplinkMac;
      u.has_ip6 = true;
      u.ip6 = kUplinkIp6;
      u.prefix6_len = 64;
      u.gateway6 = kUplinkGw6;
      port[uplink] = dp.attach_uplink(std::make_unique<MemoryPort>("up", out[uplink]), u);

      NetworkL3 n1;
      n1.router_mac = kRouter1;
      n1.gateway = kGw1;
      n1.subnet = kNet1;
      n1.prefix_len = 24;
      n1.host_port = port[host1];
      n1.resolver_port = 5353;
      n1.ipv6 = true;
      n1.subnet6 = kNet1v6;
      n1.prefix6_len = 64;
      n1.gateway6 = v6(1, 0xfe);
      dp.configure_network(dom1, true, n1, true);
      NetworkL3 n2 = n1;
      n2.router_mac = kRouter2;
      n2.gateway = kGw2;
      n2.subnet = kNet2;
      n2.host_port = port[host2];
      n2.resolver_port = 0;
      dp.configure_network(dom2, true, n2, false);
      dp.routes().set_host_addresses({kGw1, kGw2}, {});

      struct Ep {
        Slot slot;
        uint32_t ip, domain;
        uint64_t mac;
        bool secure;
      } eps[] = {{a, kA, dom1, kMacA, true}, {b, kB, dom1, kMacB, true}, {c, kC, dom2, kMacC, true}, {d, kD, dom1, kMacD, false}};
      for (const Ep& e : eps) {
        dp.routes().set_endpoint(e.ip, Endpoint{e.domain, e.mac});
        dp.routes().set_endpoint(v6(e.domain == dom1 ? 1 : 2, e.ip & 0xff), Endpoint{e.domain, e.mac});
        if (!e.secure) continue;
        PortIdentity id;
        id.mac = e.mac;
        id.ipv4 = e.ip;
        std::array<uint8_t, 16> addr6{};
        v6(e.domain == dom1 ? 1 : 2, e.ip & 0xff).store_v6(addr6.data());
        id.ipv6.push_back(addr6);
        dp.set_identity(port[e.slot], &id);
        dp.domains().get(e.domain)->macs.add_static(e.mac, port[e.slot]);
      }
      dp.nat().publish(6, 8080, Published{0, kB, 80});
      dp.nat().publish(17, 5300, Published{kUplinkIp, kC, 53});
      dp.nat6().publish(6, 8080, Published6{IpKey{}, v6(1, 2), 80});
      dp.nat6().publish(6, 9090, Published6{IpKey{}, v6(2, 3), 90});
    });
  }

  // What one input learned goes: conntrack, neighbours, dynamic MACs.
  void reset() {
    dp.engine().run([&](Engine& e) {
      dp.nat().ct.flush();
      dp.nat6().ct.flush();
      dp.neighbors().clear(e.control_context());
      dp.neighbors6().clear(e.control_context());
      dp.reassembly().clear(e.control_context());
      e.flush();
      for (uint32_t dom : {dom1, dom2}) dp.domains().get(dom)->macs.age(e.now_seconds(), 0);
    });
    for (auto& o : out) o.clear();
  }
};

uint32_t ipv4_src(const SentFrame& f) { return f.bytes.size() >= 34 && load16(f.bytes.data() + 12) == 0x0800 ? load32(f.bytes.data() + 26) : 0; }
bool ipv6_src(const SentFrame& f, IpKey* src) {
  if (f.bytes.size() < 54 || load16(f.bytes.data() + 12) != 0x86dd) return false;
  *src = IpKey::v6(f.bytes.data() + 22);
  return true;
}

// FERRY_FUZZ_DUMP=1: what each port was sent, in hex, to read a crash's input by.
void dump(const Router& r) {
  static const char* const names[] = {"a", "b", "c", "d", "host1", "host2", "uplink"};
  for (int s = 0; s < kSlots; s++)
    for (const SentFrame& f : r.out[s]) {
      std::fprintf(stderr, "sent on %s, %zu bytes, gso %u: ", names[s], f.bytes.size(), f.vnet.gso_type);
      for (uint8_t byte : f.bytes) std::fprintf(stderr, "%02x", byte);
      std::fprintf(stderr, "\n");
    }
}

void check(const Router& r, bool host_sent) {
  for (const SentFrame& f : r.out[uplink]) {
    const uint8_t* p = f.bytes.data();
    if (f.bytes.size() < 14) std::abort();
    const uint16_t type = load16(p + 12);
    if (type == 0x0800 && f.bytes.size() >= 34) {
      if (load32(p + 26) != kUplinkIp) std::abort();  // an internal (or forged) source left through the NAT
      const uint32_t ihl = (p[14] & 15) * 4u;
      if (ihl >= 20 && 14 + ihl <= f.bytes.size() && csum_finish(csum_partial(p + 14, ihl)) != 0) std::abort();
    }
    if (type == 0x0806 && f.bytes.size() >= 42 && load32(p + 28) != kUplinkIp) std::abort();
    IpKey src;
    if (ipv6_src(f, &src) && !(src == kUplinkIp6) && !(src.hi == 0xfe80000000000000ull) && !src.same_prefix(kNet2v6, 64)) std::abort();
  }
  if (host_sent) return;  // the host may send anything anywhere
  for (const SentFrame& f : r.out[c]) {
    if ((ipv4_src(f) & 0xffffff00) == kNet1) std::abort();  // network 1 reached network 2
    IpKey src;
    if (ipv6_src(f, &src) && src.same_prefix(kNet1v6, 64)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Router* router = new Router();  // lives for the process: the engine's worker keeps running
  fuzz::Records records(data, size);
  fuzz::Record rec;
  bool host_sent = false;
  router->dp.engine().run([&](Engine& e) {
    for (int i = 0; i < 16 && records.next(rec); i++) {
      const Slot s = Slot(rec.port % kSlots);
      host_sent |= s == host1 || s == host2;
      e.inject(router->port[s], rec.frame, rec.len, rec.vnet, rec.dry);
    }
  });
  static const bool dumping = std::getenv("FERRY_FUZZ_DUMP") != nullptr;
  if (dumping) dump(*router);
  check(*router, host_sent);
  router->reset();
  return 0;
}
