// Segments: the macvlan and ipvlan networks of the engine. A segment is one
// network on one parent interface and one VLAN (0: untagged): its members are
// the containers' TAPs (and the host's shim, with ferry.host_access), each
// known by its MAC (macvlan) or its addresses (ipvlan, where every member
// wears the parent's MAC). The demux stage reads it; the control plane
// changes it on the worker, between runs.
//
// A parent is one AF_PACKET port however many segments use it: it carries
// every VLAN of its wire, and a frame's tag picks the segment.
#pragma once
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/control_error.h"
#include "core/packet.h"
#include "core/port_table.h"
#include "l3/ip_key.h"
#include "l3/ndisc.h"
#include "l3/neighbors.h"

// What the demux stage did with frames, per segment.
#define FERRY_DEMUX_OUTCOMES(X)                                                        \
  X(from_wire, "frames from the parent delivered to one member")                       \
  X(from_wire_flood, "broadcast or multicast from the parent, delivered to the members") \
  X(not_ours, "frames on the parent for no member (the host's own, or another host's)") \
  X(to_wire, "frames from members sent out on the parent")                             \
  X(between_members, "frames from one member delivered to another inside Ferry")       \
  X(blocked, "member to member refused by the mode (private)")                       \
  X(routed, "ipvlan l3: frames from members routed to a next hop on the wire")        \
  X(held, "ipvlan l3: frames held while their next hop is asked for (ARP)")

namespace ferry {

struct DemuxCounters {
#define FERRY_X(name, help) uint64_t name = 0;
  FERRY_DEMUX_OUTCOMES(FERRY_X)
#undef FERRY_X
};

enum class DemuxDriver : uint8_t { macvlan, ipvlan_l2, ipvlan_l3 };
// macvlan_mode, or ipvlan_flag (bridge, private, vepa; passthru is macvlan's).
enum class DemuxMode : uint8_t { bridge, private_, vepa, passthru };


struct SegmentConfig {
  uint32_t parent = kNoPort;  // the parent's port id; none: an --internal network, members only
  uint16_t vlan = 0;    // 802.1Q VID the segment's frames carry on the wire, 0: untagged
  DemuxDriver driver = DemuxDriver::macvlan;
  DemuxMode mode = DemuxMode::bridge;
  uint64_t parent_mac = 0;  // ipvlan: what every member wears
  // ipvlan l3: the host's IPv4 address on the parent (its prefix as a mask),
  // which Ferry routes as, and the host's gateway there (0: on-link only).
  uint32_t parent_ip = 0, parent_mask = 0, gateway = 0;
  // ipvlan l3, IPv6: the host's link-local address on the parent (what
  // neighbour solicitations come from; zero: no IPv6), its global prefix
  // (on-link next hops) and its IPv6 gateway there.
  IpKey parent_ll, parent_ip6, gateway6;
  uint8_t prefix6 = 0;
};

struct Segment {
  uint32_t id = 0;
  SegmentConfig config;
  std::vector<uint32_t> members;                      // for broadcast and multicast
  std::unordered_map<uint64_t, uint32_t> by_mac;      // macvlan: MAC -> member port
  std::unordered_map<IpKey, uint32_t, IpKeyHash> by_ip;  // ipvlan: address -> member port
  DemuxCounters counters;
  // ipvlan l3: the next hops on the wire, asked for as the host's address.
  std::unique_ptr<Neighbors> neighbors;
  std::unique_ptr<Neighbors6> neighbors6;
};

struct MemberInfo {
  uint32_t segment = 0;
  uint64_t mac = 0;
  // The host's shim (ferry.host_access): it reaches the containers of the
  // segment inside Ferry whatever the mode, since the wire cannot hairpin to it.
  bool host_access = false;
};

class Segments {
 public:
  static constexpr uint16_t kMaxVlan = 4094;

  // Refused when the parent already has a segment on that VLAN.
  uint32_t create(const SegmentConfig& config);
  // Refused while the segment has members; packets it holds are let go.
  void remove(uint32_t id, StageContext& ctx);
  Segment* get(uint32_t id) const { return id < segments_.size() ? segments_[id].get() : nullptr; }
  Segment& get_or_throw(uint32_t id) const;

  void add_member(uint32_t segment, uint32_t port, uint64_t mac, bool host_access);
  void add_address(uint32_t port, const IpKey& ip);
  void remove_member(uint32_t port);

  // The segment a parent's frame of VLAN vid belongs to, or nullptr.
  Segment* of_parent(uint32_t parent, uint16_t vid) const {
    const ParentVlans* v = parents_.find(parent);
    if (!v) return nullptr;
    for (const auto& [vlan, id] : v->segments)
      if (vlan == vid) return get(id);
    return nullptr;
  }
  const MemberInfo* member(uint32_t port) const { return members_.find(port); }
  bool is_parent(uint32_t port) const { return parents_.find(port) != nullptr; }
  const std::vector<std::unique_ptr<Segment>>& all() const { return segments_; }

 private:
  // A parent carries a few VLANs: a short list beats a table of 4096.
  struct ParentVlans {
    std::vector<std::pair<uint16_t, uint32_t>> segments;  // VID -> segment id
  };
  std::vector<std::unique_ptr<Segment>> segments_;
  PortTable<ParentVlans> parents_;
  PortTable<MemberInfo> members_;
};

}  // namespace ferry
