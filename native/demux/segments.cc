#include "demux/segments.h"

#include <algorithm>
#include <string>

namespace ferry {

Segment& Segments::get_or_throw(uint32_t id) const {
  Segment* s = get(id);
  if (!s) throw ControlError(ErrorCode::no_such_segment, "segment " + std::to_string(id) + " does not exist");
  return *s;
}

uint32_t Segments::create(const SegmentConfig& config) {
  if (config.vlan > kMaxVlan) throw ControlError(ErrorCode::bad_argument, "VLAN " + std::to_string(config.vlan) + " is out of range (1..4094, or 0 for untagged)");
  if (config.parent != kNoPort && of_parent(config.parent, config.vlan))
    throw ControlError(ErrorCode::segment_exists, "port " + std::to_string(config.parent) + " already carries a segment on " +
                                                      (config.vlan ? "VLAN " + std::to_string(config.vlan) : std::string("its untagged frames")));
  uint32_t id = 0;
  while (id < segments_.size() && segments_[id]) id++;
  if (id == segments_.size()) segments_.emplace_back();
  segments_[id] = std::make_unique<Segment>();
  segments_[id]->id = id;
  segments_[id]->config = config;
  if (config.driver == DemuxDriver::ipvlan_l3) {
    segments_[id]->neighbors = std::make_unique<Neighbors>();
    segments_[id]->neighbors->set_source({config.parent, config.parent_ip, config.parent_mac, config.vlan});
    segments_[id]->neighbors6 = std::make_unique<Neighbors6>();
    segments_[id]->neighbors6->set_source({config.parent, config.parent_ll, config.parent_mac, config.vlan});
  }
  if (config.parent != kNoPort) parents_.set(config.parent).segments.emplace_back(config.vlan, id);
  return id;
}

void Segments::remove(uint32_t id, StageContext& ctx) {
  Segment& s = get_or_throw(id);
  if (!s.members.empty())
    throw ControlError(ErrorCode::segment_in_use, "segment " + std::to_string(id) + " still has " + std::to_string(s.members.size()) + " member port(s)");
  if (s.neighbors) s.neighbors->clear(ctx);
  if (s.neighbors6) s.neighbors6->clear(ctx);
  ParentVlans* v = parents_.find(s.config.parent);
  if (v) {
    v->segments.erase(std::remove_if(v->segments.begin(), v->segments.end(), [&](const auto& e) { return e.second == id; }), v->segments.end());
    if (v->segments.empty()) parents_.clear(s.config.parent);
  }
  segments_[id].reset();
}

void Segments::add_member(uint32_t segment, uint32_t port, uint64_t mac, bool host_access) {
  Segment& s = get_or_throw(segment);
  if (members_.find(port)) throw ControlError(ErrorCode::bad_argument, "port " + std::to_string(port) + " is already a member of a segment");
  if (s.config.mode == DemuxMode::passthru && !s.members.empty())
    throw ControlError(ErrorCode::segment_in_use, "a passthru segment takes one member, and segment " + std::to_string(segment) + " has one");
  if (s.config.driver == DemuxDriver::macvlan) {
    if (s.by_mac.count(mac)) throw ControlError(ErrorCode::bad_argument, "MAC already used by another member of segment " + std::to_string(segment));
    s.by_mac.emplace(mac, port);
  }
  s.members.push_back(port);
  members_.set(port) = MemberInfo{segment, mac, host_access};
}

void Segments::add_address(uint32_t port, const IpKey& ip) {
  const MemberInfo* m = members_.find(port);
  if (!m) throw ControlError(ErrorCode::bad_argument, "port " + std::to_string(port) + " is not a member of a segment");
  Segment& s = get_or_throw(m->segment);
  auto [it, fresh] = s.by_ip.emplace(ip, port);
  if (!fresh && it->second != port) throw ControlError(ErrorCode::bad_argument, "the address is another member's of segment " + std::to_string(s.id));
}

void Segments::remove_member(uint32_t port) {
  const MemberInfo* m = members_.find(port);
  if (!m) return;
  if (Segment* s = get(m->segment)) {
    s->members.erase(std::remove(s->members.begin(), s->members.end(), port), s->members.end());
    for (auto it = s->by_mac.begin(); it != s->by_mac.end();) it = it->second == port ? s->by_mac.erase(it) : std::next(it);
    for (auto it = s->by_ip.begin(); it != s->by_ip.end();) it = it->second == port ? s->by_ip.erase(it) : std::next(it);
  }
  members_.clear(port);
}

}  // namespace ferry
