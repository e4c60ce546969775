#include "vxlan/decap_stage.h"

#include <cstdio>
#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "vxlan/vxlan.h"

namespace ferry {

namespace {
struct DecapTrace {
  int64_t vni;
  uint32_t tunnel;
  bool sealed;       // came in ESP
  bool wrong_sealing;
};
}  // namespace

void VxlanDecapStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  VxlanCounters& c = ctx.dry_run ? scratch : counters;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    const Port* in = ctx.port(p->in_port);
    DecapTrace t{-1, kNoPort, in && in->role == PortRole::sealed_underlay, false};
    auto found = tunnels_.end();
    if (p->len < kVxlanHdrLen + kEthHdrLen || (t.vni = read_vni(p->data)) < 0) {
      drop(p, DropReason::vxlan_malformed);
      c.refused++;
    } else if ((found = tunnels_.find(uint32_t(t.vni))) == tunnels_.end()) {
      drop(p, DropReason::vxlan_unknown_vni);
      c.refused++;
    } else if ((t.wrong_sealing = found->second.sealed != t.sealed)) {
      drop(p, DropReason::vxlan_wrong_sealing);
      c.refused++;
    } else {
      t.tunnel = found->second.port;
      p->data += kVxlanHdrLen;
      p->len -= kVxlanHdrLen;
      // p->vnet is the underlay's: empty for one datagram (whole, its checksums the
      // sender's), a TCP GSO header for segments it merged (coalesce.h).
      p->in_port = t.tunnel;
      p->next = next_of(Next::inner);
      c.decapsulated++;
    }
    if (p->trace) ctx.trace(p, t);
  }
}

void VxlanDecapStage::port_removed(uint32_t port) {
  for (auto it = tunnels_.begin(); it != tunnels_.end();) it = it->second.port == port ? tunnels_.erase(it) : std::next(it);
}

std::string VxlanDecapStage::format_trace(const uint8_t* record, uint32_t len) const {
  DecapTrace t;
  std::memcpy(&t, record, sizeof t);
  char s[160];
  const char* how = t.sealed ? "in ESP" : "plain";
  if (t.vni < 0) std::snprintf(s, sizeof s, "not VXLAN (too short, or no VNI flag)");
  else if (t.wrong_sealing)
    std::snprintf(s, sizeof s, "VNI %lld came %s: its network is %s", (long long)t.vni, how, t.sealed ? "not encrypted" : "encrypted");
  else if (t.tunnel == kNoPort) std::snprintf(s, sizeof s, "VNI %lld: no overlay network here", (long long)t.vni);
  else std::snprintf(s, sizeof s, "VNI %lld (%s): inner frame on tunnel port %u", (long long)t.vni, how, t.tunnel);
  return s;
}

}  // namespace ferry
