// What the NAT needs to know of an address family, so one NatStageOf serves
// IPv4 (nat) and IPv6 (nat6, NAT66): the key and header types, the
// metadata the L3 stages share, the external address, and whether a network
// is NATed or routed as it is (gateway_mode_ipv6=routed).
#pragma once
#include <string>

#include "l2/ethernet.h"
#include "l3/ipv4.h"
#include "l3/ipv6.h"
#include "l3/routes.h"

namespace ferry {

struct Ip4Family {
  using Addr = uint32_t;
  using Key = FlowKey;
  using Header = Ipv4Packet;
  using Meta = L3Meta;
  static constexpr const char* kNatName = "nat";
  static constexpr uint8_t kIcmp = kProtoIcmp;
  static constexpr uint8_t kEchoRequest = kIcmpEchoRequest;

  static bool has_external(const Routes& r) { return r.has_uplink(); }
  static Addr external(const Routes& r) { return r.uplink().ip; }
  static bool masquerade(const NetworkL3& n) { return n.masquerade; }
  // A network that takes new flows from the world to its containers.
  static bool routed_from_world(const Routes&, const Addr&) { return false; }
  static bool parse(Packet* p, Header* ip) { return ip->parse(p->data + kEthHdrLen, p->len - kEthHdrLen); }
  static uint8_t proto(const Header& ip) { return ip.proto(); }
  static std::string text(const Addr& a) { return ipv4_text(a); }
};

struct Ip6Family {
  using Addr = IpKey;
  using Key = FlowKey6;
  using Header = Ipv6Packet;
  using Meta = L3Meta6;
  static constexpr const char* kNatName = "nat6";
  static constexpr uint8_t kIcmp = kIpProtoIcmpv6;
  static constexpr uint8_t kEchoRequest = kIcmp6EchoRequest;

  static bool has_external(const Routes& r) { return r.has_uplink6(); }
  static Addr external(const Routes& r) { return r.uplink().ip6; }
  static bool masquerade(const NetworkL3& n) { return n.masquerade && !n.routed6; }
  static bool routed_from_world(const Routes& r, const Addr& dst) {
    const NetworkL3* n = r.network(r.network_of(dst));
    return n && n->routed6 && !n->internal;
  }
  static bool parse(Packet* p, Header* ip) { return ip->parse(p->data + kEthHdrLen, p->len - kEthHdrLen); }
  static uint8_t proto(const Header& ip) { return ip.proto; }
  static std::string text(const Addr& a) { return ipv6_text(a); }
};

}  // namespace ferry
