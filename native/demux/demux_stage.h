// Demux: macvlan and ipvlan in the fast path, as the kernel's drivers behave
// (drivers/net/macvlan.c, drivers/net/ipvlan/), on a parent that is an
// AF_PACKET port and members that are the containers' TAPs.
//
// From the parent, a frame's 802.1Q tag picks the segment (native/demux/
// segments.h) and the tag comes off. macvlan delivers unicast by destination
// MAC (passthru: everything to its one member), ipvlan by destination IP
// once the frame is for the parent's MAC. Broadcast and multicast from the
// wire reach every member, except what came back from the wire that a member
// sent itself (a hairpinning switch): bridge and private members saw their
// own already; a VEPA member's reaches the others. Anything else is the
// host's or another host's frame: the host keeps using the parent, and
// AF_PACKET only taps it, so those frames are let go (not_ours).
//
// From a member, macvlan bridge mode switches to another member's MAC inside
// Ferry and floods broadcast to the other members as well as the wire;
// private, vepa and passthru send everything to the wire. ipvlan l2 (bridge)
// switches by destination IP among members wearing the parent's MAC; private
// refuses member to member; vepa sends it out. ipvlan l3 carries no
// broadcast and no ARP for members: it routes IPv4 and IPv6 as the host's
// addresses on the parent (to on-link next hops, else the host's gateway
// there), resolving next hops with neighbour tables of its own (ARP, and
// IPv6 neighbour discovery from the host's link-local address). Frames for the wire get the
// segment's tag. The host's shim (ferry.host_access) is switched inside
// Ferry whatever the mode: the wire cannot bring a frame back to the host.
#pragma once
#include "core/stage.h"
#include "demux/segments.h"

#define FERRY_DEMUX_DROPS(X)                                                                     \
  X(not_ours, "a parent's frame for no member: the host's own traffic or another host's (normal)") \
  X(no_segment, "the port is neither a parent nor a member of a macvlan/ipvlan network")         \
  X(member_blocked, "member to member refused by the network's mode (ipvlan private)")           \
  X(qinq, "an 802.1ad (QinQ) frame: not carried")                                                 \
  X(internal_network, "for outside an --internal macvlan/ipvlan network, which has no wire")      \
  X(no_headroom, "no room in front of the frame for its VLAN tag")                                \
  X(l3_not_ip, "ipvlan l3: a member sent neither IPv4 nor IPv6")                                 \
  X(l3_multicast, "ipvlan l3 carries no broadcast or multicast")                                  \
  X(l3_no_route, "ipvlan l3: off the parent's subnet, and the host has no gateway there")

namespace ferry {

class DemuxStage : public Stage {
 public:
  explicit DemuxStage(Segments& segments) : segments_(segments) {}
  static constexpr const char* kName = "demux";
  const char* name() const override { return kName; }
  void process(StageContext& ctx, Packet** pkts, uint32_t n) override;
  std::string format_trace(const uint8_t* record, uint32_t len) const override;
  void port_removed(uint32_t port) override { segments_.remove_member(port); }
  // ipvlan l3's next hops: asked again, or given up, once a second.
  void tick(StageContext& ctx) override;
  bool needs_tick() const override;
  // The sum over segments (each segment's own are in stats().segments).
  void for_each_counter(const CounterVisitor& visit) const override;

 private:
  void from_parent(StageContext& ctx, Packet* p);
  void from_member(StageContext& ctx, Packet* p, const MemberInfo& m);
  // ipvlan l3: ARP on the parent teaches the next hops; the rest is IPv4 by address.
  void l3_from_parent(StageContext& ctx, Packet* p, Segment& s, DemuxCounters& c);
  void l3_from_member(StageContext& ctx, Packet* p, const MemberInfo& m, Segment& s, DemuxCounters& c);
  // To the wire, tagged for the segment.
  void to_wire(StageContext& ctx, Packet* p, const Segment& s, DemuxCounters& c);
  // To every member but `except` that `allowed` accepts; returns how many.
  template <typename Allowed>
  uint32_t to_members(StageContext& ctx, Packet* p, const Segment& s, uint32_t except, Allowed allowed);

  Segments& segments_;
  DemuxCounters scratch_;  // a dry run counts here
};

}  // namespace ferry
