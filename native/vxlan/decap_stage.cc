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
};
}  // namespace

void VxlanDecapStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  VxlanCounters& c = ctx.dry_run ? scratch : counters;
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    DecapTrace t{-1, kNoPort};
    if (p->len < kVxlanHdrLen + kEthHdrLen || (t.vni = read_vni(p->data)) < 0) {
      drop(p, DropReason::vxlan_malformed);
      c.refused++;
    } else if ((t.tunnel = tunnel_of(uint32_t(t.vni))) == kNoPort) {
      drop(p, DropReason::vxlan_unknown_vni);
      c.refused++;
    } else {
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
  for (auto it = tunnels_.begin(); it != tunnels_.end();) it = it->second == port ? tunnels_.erase(it) : std::next(it);
}

std::string VxlanDecapStage::format_trace(const uint8_t* record, uint32_t len) const {
  DecapTrace t;
  std::memcpy(&t, record, sizeof t);
  char s[120];
  if (t.vni < 0) std::snprintf(s, sizeof s, "not VXLAN (too short, or no VNI flag)");
  else if (t.tunnel == kNoPort) std::snprintf(s, sizeof s, "VNI %lld: no overlay network here", (long long)t.vni);
  else std::snprintf(s, sizeof s, "VNI %lld: inner frame on tunnel port %u", (long long)t.vni, t.tunnel);
  return s;
}

}  // namespace ferry
