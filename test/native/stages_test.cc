// Stages in memory: a Dataplane with MemoryPorts, frames built here byte by
// byte, pushed through the real graph with Engine::inject, and what each port
// was sent checked. No root, no TAP, no kernel.
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "check.h"
#include "core/checksum.h"
#include "l2/ethernet.h"
#include "dataplane/dataplane.h"
#include "dataplane/drops.h"
#include "memory_port.h"

using namespace ferry;


// Ethernet + IPv4 + UDP with a payload of `payload` bytes, checksums right.
static std::vector<uint8_t> udp_frame(uint64_t dst_mac, uint64_t src_mac, uint32_t src_ip, uint32_t dst_ip, uint32_t payload) {
  std::vector<uint8_t> f(14 + 20 + 8 + payload, 0);
  store_mac(f.data(), dst_mac);
  store_mac(f.data() + 6, src_mac);
  store16(f.data() + 12, 0x0800);
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  store16(ip + 2, uint16_t(20 + 8 + payload));
  ip[8] = 64;
  ip[9] = 17;
  store32(ip + 12, src_ip);
  store32(ip + 16, dst_ip);
  store16(ip + 10, csum_finish(csum_partial(ip, 20)));
  uint8_t* udp = ip + 20;
  store16(udp, 40000);
  store16(udp + 2, 7);
  store16(udp + 4, uint16_t(8 + payload));
  return f;
}

struct Bench {
  Dataplane dp{DataplaneConfig{}};
  std::vector<SentFrame> out[4];
  uint32_t port[4];
  uint32_t domain = 0;
  Bench() {
    dp.engine().run([&](Engine&) {
      domain = dp.domains().create(1024, 300);
      for (int i = 0; i < 4; i++)
        port[i] = dp.attach_bridge_port(std::make_unique<MemoryPort>("m" + std::to_string(i), out[i]), i == 3 ? PortRole::host : PortRole::container, domain);
    });
  }
  void inject(int from, const std::vector<uint8_t>& f, bool dry = false) {
    dp.engine().run([&](Engine& e) { e.inject(port[from], f.data(), uint32_t(f.size()), VnetHdr{}, dry); });
  }
  uint64_t drops(int p, DropReason r) {
    uint64_t n = 0;
    dp.engine().run([&](Engine& e) { n = e.port(port[p])->counters.drops[int(r)]; });
    return n;
  }
  size_t sent_total() { return out[0].size() + out[1].size() + out[2].size() + out[3].size(); }
};

static void bridge_learns_then_unicasts() {
  Bench b;
  const uint64_t A = 0x02000000000aull, B = 0x02000000000bull;
  b.inject(0, udp_frame(B, A, 0x0a000001, 0x0a000002, 10));  // B unknown: flooded to the 3 others
  CHECK(b.out[1].size() == 1 && b.out[2].size() == 1 && b.out[3].size() == 1 && b.out[0].empty(), "unknown unicast floods to every other port");
  b.inject(1, udp_frame(A, B, 0x0a000002, 0x0a000001, 10));  // A was learned on port 0
  CHECK(b.out[0].size() == 1 && b.out[2].size() == 1, "known unicast goes to one port");
  CHECK(b.out[0][0].bytes == udp_frame(A, B, 0x0a000002, 0x0a000001, 10), "the frame arrives unchanged");
  b.inject(0, udp_frame(A, A, 0x0a000001, 0x0a000001, 10));
  CHECK(b.drops(0, DropReason::same_port) == 1, "a frame for its own port is dropped as same_port");
}

static void parse_refuses_bad_sources() {
  Bench b;
  b.inject(0, udp_frame(0x02000000000bull, 0x010000000001ull, 1, 2, 10));  // multicast source
  b.inject(0, std::vector<uint8_t>(10, 0x02));                              // runt
  CHECK(b.drops(0, DropReason::bad_src_mac) == 1, "a multicast source is bad_src_mac");
  CHECK(b.drops(0, DropReason::runt) == 1, "10 bytes is a runt");
  CHECK(b.sent_total() == 0, "nothing of them is forwarded");
}

static void dry_run_leaves_tables_alone() {
  Bench b;
  const uint64_t A = 0x02000000000aull, B = 0x02000000000bull;
  b.inject(0, udp_frame(B, A, 1, 2, 10), true);
  size_t learned = 0;
  b.dp.engine().run([&](Engine&) { learned = b.dp.domains().get(b.domain)->macs.size(); });
  CHECK(learned == 0, "a dry run learns no MAC");
  CHECK(b.sent_total() == 0, "a dry run sends nothing");
}

static void rate_limit_polices_a_port() {
  Bench b;
  const uint64_t A = 0x02000000000aull, B = 0x02000000000bull;
  b.inject(1, udp_frame(A, B, 2, 1, 10));  // learn B on port 1 so frames to it are unicast
  b.out[0].clear();
  b.out[2].clear();
  b.out[3].clear();
  // 1000 bytes per second; the bucket holds one GSO frame's worth (a little over 64 KB).
  const RateLimit limit{RateLimit::Unit::bytes, 1000, 0};
  b.dp.engine().run([&](Engine&) { b.dp.set_rate_limit(b.port[0], &limit); });
  const auto frame = udp_frame(B, A, 1, 2, 1400);
  for (int i = 0; i < 100; i++) b.inject(0, frame);
  const size_t passed = b.out[1].size();
  CHECK(passed >= 40 && passed <= 50, "about one bucket (66 KB) of 1442-byte frames passes, the rest is dropped");
  CHECK(b.drops(0, DropReason::rate_limited) == 100 - passed, "every frame that did not pass is counted as rate_limited");
  b.dp.engine().run([&](Engine&) { b.dp.set_rate_limit(b.port[0], nullptr); });
  b.inject(0, frame);
  CHECK(b.out[1].size() == passed + 1, "without the limit, frames pass again");
  b.inject(2, frame);
  CHECK(b.drops(2, DropReason::rate_limited) == 0, "another port was never limited");
}

int main() {
  bridge_learns_then_unicasts();
  parse_refuses_bad_sources();
  dry_run_leaves_tables_alone();
  rate_limit_polices_a_port();
  return verdict();
}
