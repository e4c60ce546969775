// libFuzzer target: the demux stage (macvlan, ipvlan l2 and l3, 802.1Q) on
// one parent carrying four segments, each record one frame on one of eight
// ports (records.h):
//
//   port 0      the parent
//   ports 1, 2  macvlan bridge, untagged (MACs 02:..:0a, 0b)
//   port 3      macvlan private, VLAN 50 (02:..:0c)
//   ports 4, 5  ipvlan l2, VLAN 60 (the parent's MAC; 10.0.60.2, .3)
//   ports 6, 7  ipvlan l3, VLAN 70 (10.0.70.2 and 2001:db8:70::2, .3 and ::3;
//               the host 198.51.100.10/24 via .1, fe80::10 and 2001:db8:1::10/64 via fe80::1)
//
// Besides the sanitizers, after each frame: whatever was sent is at least an
// Ethernet header long; a frame from the wire reaches only members of the
// segment its tag names; a member's frames reach only its own segment's
// members and the parent, and a tagged segment's carry its tag there.
#include <cstdlib>
#include <memory>
#include <vector>

#include "dataplane/dataplane.h"
#include "l2/ethernet.h"
#include "memory_port.h"
#include "records.h"

using namespace ferry;

namespace {

constexpr int kPorts = 8;
constexpr uint64_t kParentMac = 0x020000000200ull;
// Each member port's segment, by VLAN (0: untagged); the parent is -1.
constexpr int kVlanOf[kPorts] = {-1, 0, 0, 50, 60, 60, 70, 70};

IpKey v6(uint64_t hi, uint64_t lo) { return IpKey{hi, lo}; }

struct Segmented {
  Dataplane dp{DataplaneConfig{}};
  std::vector<SentFrame> out[kPorts];
  uint32_t port[kPorts];

  Segmented() {
    dp.engine().run([&](Engine&) {
      for (int i = 0; i < kPorts; i++)
        port[i] = dp.attach_demux_port(std::make_unique<MemoryPort>("m" + std::to_string(i), out[i]), i == 0 ? PortRole::parent : PortRole::demuxed);
      Segments& s = dp.segments();
      const uint32_t mv = s.create({port[0], 0, DemuxDriver::macvlan, DemuxMode::bridge, 0});
      const uint32_t mv50 = s.create({port[0], 50, DemuxDriver::macvlan, DemuxMode::private_, 0});
      const uint32_t iv60 = s.create({port[0], 60, DemuxDriver::ipvlan_l2, DemuxMode::bridge, kParentMac});
      SegmentConfig l3{port[0], 70, DemuxDriver::ipvlan_l3, DemuxMode::bridge, kParentMac};
      l3.parent_ip = 0xc633640a;  // 198.51.100.10
      l3.parent_mask = 0xffffff00;
      l3.gateway = 0xc6336401;
      l3.parent_ll = v6(0xfe80000000000000ull, 0x10);
      l3.parent_ip6 = v6(0x20010db800010000ull, 0x10);
      l3.prefix6 = 64;
      l3.gateway6 = v6(0xfe80000000000000ull, 1);
      const uint32_t iv70 = s.create(l3);
      s.add_member(mv, port[1], 0x02000000000aull, false);
      s.add_member(mv, port[2], 0x02000000000bull, false);
      s.add_member(mv50, port[3], 0x02000000000cull, false);
      s.add_member(iv60, port[4], kParentMac, false);
      s.add_address(port[4], IpKey::v4(0x0a003c02));
      s.add_member(iv60, port[5], kParentMac, false);
      s.add_address(port[5], IpKey::v4(0x0a003c03));
      s.add_member(iv70, port[6], kParentMac, false);
      s.add_address(port[6], IpKey::v4(0x0a004602));
      s.add_address(port[6], v6(0x20010db800700000ull, 2));
      s.add_member(iv70, port[7], kParentMac, false);
      s.add_address(port[7], IpKey::v4(0x0a004603));
      s.add_address(port[7], v6(0x20010db800700000ull, 3));
    });
  }
};

// The VLAN a frame on the wire belongs to: its outer tag's VID, or 0; -2 for QinQ.
int wire_vlan(const std::vector<uint8_t>& f) {
  const uint16_t type = uint16_t(f[12] << 8 | f[13]);
  if (type == kEtherTypeQinQ) return -2;
  if (type != kEtherTypeVlan) return 0;
  return f.size() >= 16 ? ((f[14] << 8 | f[15]) & 0xfff) : -3;
}

// An ARP request or neighbour solicitation of the l3 segment: its table asks
// again once a second, whatever frame the fuzzer sent meanwhile.
bool l3_solicitation(const std::vector<uint8_t>& f) {
  if (wire_vlan(f) != 70 || f.size() < 18) return false;
  const uint16_t inner = uint16_t(f[16] << 8 | f[17]);
  return inner == kEtherTypeARP || (inner == kEtherTypeIPv6 && f[0] == 0x33 && f[1] == 0x33);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Segmented* seg = new Segmented();  // lives for the process: the engine's worker keeps running
  fuzz::Records records(data, size);
  fuzz::Record rec;
  for (int n = 0; n < 4 && records.next(rec); n++) {
    const int from = int(rec.port % kPorts);
    const int in_vlan = rec.len >= 14 ? wire_vlan(std::vector<uint8_t>(rec.frame, rec.frame + std::min<uint32_t>(rec.len, 16))) : -3;
    seg->dp.engine().run([&](Engine& e) { e.inject(seg->port[from], rec.frame, rec.len, rec.vnet, rec.dry); });
    for (int to = 0; to < kPorts; to++) {
      for (const SentFrame& f : seg->out[to]) {
        if (f.bytes.size() < 14) std::abort();
        if (to == 0) {
          // To the wire: a tagged segment's frames carry its tag (ARP and NS of the l3 segment too).
          if (from != 0 && kVlanOf[from] > 0 && wire_vlan(f.bytes) != kVlanOf[from] && !l3_solicitation(f.bytes)) std::abort();
        } else if (from == 0) {
          if (kVlanOf[to] != in_vlan) std::abort();  // the wire reaches only the segment its tag names
        } else if (kVlanOf[to] != kVlanOf[from]) {
          std::abort();  // members reach only their own segment
        }
      }
    }
    for (auto& o : seg->out) o.clear();
  }
  return 0;
}
