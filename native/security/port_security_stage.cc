#include "security/port_security_stage.h"

#include <cstring>

#include "dataplane/drops.h"
#include "l2/ethernet.h"
#include "l3/icmpv6.h"
#include "l3/ipv4.h"

namespace ferry {

namespace {

constexpr uint8_t kNdRouterSolicit = 133, kNdRouterAdvert = 134, kNdNeighborSolicit = 135, kNdNeighborAdvert = 136,
                  kNdRedirect = 137;
constexpr uint8_t kNdOptSourceLla = 1, kNdOptTargetLla = 2;

bool is_own_ipv6(const uint8_t* a, const PortIdentity& id) {
  for (const auto& mine : id.ipv6)
    if (std::memcmp(a, mine.data(), 16) == 0) return true;
  return false;
}
bool is_link_local(const uint8_t* a) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }
bool is_unspecified(const uint8_t* a) {
  static const uint8_t zero[16] = {};
  return std::memcmp(a, zero, 16) == 0;
}

// Neighbour discovery from a container: no router advertisements or
// redirects (it is not a router), an advertisement only for its own address,
// and any link-layer address option its own MAC.
bool nd_is_own(const uint8_t* icmp, uint32_t len, const PortIdentity& id) {
  if (len < 4) return false;
  const uint8_t type = icmp[0];
  if (type == kNdRouterAdvert || type == kNdRedirect) return false;
  if (type < kNdRouterSolicit || type > kNdNeighborAdvert) return true;  // not neighbour discovery
  uint32_t opts = 8;
  if (type == kNdNeighborSolicit || type == kNdNeighborAdvert) {
    if (len < 24) return false;
    const uint8_t* target = icmp + 8;
    if (type == kNdNeighborAdvert && !is_own_ipv6(target, id) && !is_link_local(target)) return false;
    opts = 24;
  }
  while (opts + 2 <= len) {
    const uint8_t kind = icmp[opts], units = icmp[opts + 1];
    if (units == 0 || opts + units * 8u > len) return false;  // a malformed option list
    if ((kind == kNdOptSourceLla || kind == kNdOptTargetLla) && (units != 1 || load_mac(icmp + opts + 2) != id.mac)) return false;
    opts += units * 8u;
  }
  return true;
}

enum class Verdict : uint8_t { own, refused, unprotected };
struct PortSecurityTrace {
  Verdict verdict;
  uint16_t reason;
  uint64_t mac;
  uint32_t ipv4;
};

}  // namespace

bool PortSecurityStage::check(const Packet& p, const PortIdentity& id, uint16_t* reason) {
  auto refuse = [&](DropReason r) {
    *reason = uint16_t(r);
    return false;
  };
  EthernetView eth(p.data);
  if (eth.src() != id.mac) return refuse(DropReason::spoofed_mac);
  if (eth.tagged()) return refuse(DropReason::vlan_tagged);
  const uint8_t* l3 = p.data + kEthHdrLen;
  const uint32_t avail = p.len - kEthHdrLen;
  switch (eth.outer_type()) {
    case kEtherTypeARP:
      if (avail < kArpLen || load_mac(l3 + 8) != id.mac) return refuse(DropReason::spoofed_arp);
      if (load32(l3 + 14) != id.ipv4 && load32(l3 + 14) != 0) return refuse(DropReason::spoofed_arp);  // 0: a probe (RFC 5227)
      return true;
    case kEtherTypeIPv4:
      if (avail < kIpv4MinHdr || load32(l3 + Ipv4Offsets::src) != id.ipv4 || id.ipv4 == 0) return refuse(DropReason::spoofed_ip);
      return true;
    case kEtherTypeIPv6: {
      if (avail < kIpv6HdrLen) return refuse(DropReason::spoofed_ip);
      const uint8_t* src = l3 + 8;
      if (!is_own_ipv6(src, id) && !is_link_local(src) && !is_unspecified(src)) return refuse(DropReason::spoofed_ip);
      if (l3[6] == kIpProtoIcmpv6 && !nd_is_own(l3 + kIpv6HdrLen, avail - kIpv6HdrLen, id)) return refuse(DropReason::spoofed_nd);
      return true;
    }
    default:
      return true;  // other protocols carry no address to forge; the source MAC was checked
  }
}

void PortSecurityStage::process(StageContext& ctx, Packet** pkts, uint32_t n) {
  PortSecurityCounters& c = ctx.dry_run ? scratch : counters;
  const NodeId next = next_of(Next::forward);
  for (uint32_t i = 0; i < n; i++) {
    Packet* p = pkts[i];
    PortSecurityTrace t{Verdict::unprotected, 0, 0, 0};
    const PortIdentity* own = ports_.find(p->in_port);
    if (!own) {
      p->next = next;
      c.unprotected++;
    } else {
      const PortIdentity& id = *own;
      t.mac = id.mac;
      t.ipv4 = id.ipv4;
      if (check(*p, id, &t.reason)) {
        p->next = next;
        c.checked++;
        t.verdict = Verdict::own;
      } else {
        drop(p, t.reason);
        c.refused++;
        t.verdict = Verdict::refused;
      }
    }
    if (p->trace) ctx.trace(p, t);
  }
}

std::string PortSecurityStage::format_trace(const uint8_t* record, uint32_t len) const {
  PortSecurityTrace t;
  std::memcpy(&t, record, sizeof t);
  const std::string who = format_mac(t.mac) + (t.ipv4 ? " / " + ipv4_text(t.ipv4) : "");
  switch (t.verdict) {
    case Verdict::own: return "the container's own (" + who + ")";
    case Verdict::refused: return std::string("refused: ") + drop_reason_help(t.reason) + " (its own: " + who + ")";
    case Verdict::unprotected: return "no port security on this port";
  }
  return "";
}

}  // namespace ferry
