// The N-API face of the macvlan/ipvlan segments (native/demux/segments.h).
// Modes and drivers cross as the words Docker uses; addresses as text.
#include "napi/convert.h"
#include "napi/engine_binding.h"

namespace ferry {

namespace {

DemuxDriver driver_option(const Napi::Object& o) {
  const std::string d = get_string(o, "driver", "macvlan");
  if (d == "macvlan") return DemuxDriver::macvlan;
  if (d == "ipvlan-l2") return DemuxDriver::ipvlan_l2;
  if (d == "ipvlan-l3") return DemuxDriver::ipvlan_l3;
  throw_js(o.Env(), ErrorCode::bad_argument, "driver must be \"macvlan\", \"ipvlan-l2\" or \"ipvlan-l3\"");
}

DemuxMode mode_option(const Napi::Object& o) {
  const std::string m = get_string(o, "mode", "bridge");
  if (m == "bridge") return DemuxMode::bridge;
  if (m == "private") return DemuxMode::private_;
  if (m == "vepa") return DemuxMode::vepa;
  if (m == "passthru") return DemuxMode::passthru;
  throw_js(o.Env(), ErrorCode::bad_argument, "mode must be \"bridge\", \"private\", \"vepa\" or \"passthru\"");
}

uint64_t mac_text(Napi::Env env, const Napi::Object& o, const char* key) {
  uint64_t mac = 0;
  if (o.Has(key) && !o.Get(key).IsUndefined()) {
    std::string text = o.Get(key).IsString() ? o.Get(key).As<Napi::String>().Utf8Value() : "";
    if (!parse_mac(text, &mac)) throw_js(env, ErrorCode::bad_argument, std::string(key) + " must be a MAC address such as 02:42:ac:11:00:02");
  }
  return mac;
}

}  // namespace

Napi::Value EngineBinding::CreateSegment(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = object_arg(info, 0);
  SegmentConfig config;
  config.parent = get_u32(o, "parent", kNoPort);
  config.vlan = uint16_t(std::min<uint32_t>(get_u32(o, "vlan", 0), 0xffff));
  config.driver = driver_option(o);
  config.mode = mode_option(o);
  config.parent_mac = mac_text(env, o, "parentMac");
  if (config.driver != DemuxDriver::macvlan && !config.parent_mac) throw_js(env, ErrorCode::bad_argument, "an ipvlan segment needs parentMac");
  if (config.driver != DemuxDriver::macvlan && config.mode == DemuxMode::passthru) throw_js(env, ErrorCode::bad_argument, "passthru is a macvlan mode");
  if (config.driver == DemuxDriver::ipvlan_l3) {
    const IpKey ip = ip_arg(env, get_string(o, "parentIp", ""));
    const uint32_t prefix = get_u32(o, "parentPrefix", 33);
    if (!ip.is_v4() || prefix > 32 || config.parent == kNoPort)
      throw_js(env, ErrorCode::bad_argument, "an ipvlan l3 segment needs a parent, its IPv4 address (parentIp) and prefix (parentPrefix)");
    config.parent_ip = uint32_t(ip.lo);
    config.parent_mask = prefix == 0 ? 0 : ~0u << (32 - prefix);
    if (o.Has("gateway") && o.Get("gateway").IsString()) config.gateway = ipv4_arg(env, o.Get("gateway"), "gateway");
    auto v6 = [&](const char* key) {
      if (!o.Has(key) || !o.Get(key).IsString()) return IpKey{};
      const IpKey k = ip_arg(env, o.Get(key).As<Napi::String>().Utf8Value());
      if (k.is_v4()) throw_js(env, ErrorCode::bad_argument, std::string(key) + " must be an IPv6 address");
      return k;
    };
    config.parent_ll = v6("parentLinkLocal");
    config.parent_ip6 = v6("parentIp6");
    config.gateway6 = v6("gateway6");
    config.prefix6 = uint8_t(std::min<uint32_t>(get_u32(o, "parentPrefix6", 64), 128));
  }
  uint32_t id = 0;
  run(env, [&](Dataplane& dp) {
    if (config.parent != kNoPort && dp.engine().port_or_throw(config.parent).role != PortRole::parent)
      throw ControlError(ErrorCode::bad_argument, "port " + std::to_string(config.parent) + " is not a parent port");
    id = dp.segments().create(config);
  });
  return Napi::Number::New(env, id);
}

Napi::Value EngineBinding::RemoveSegment(const Napi::CallbackInfo& info) {
  uint32_t id = u32_arg(info, 0, "segment");
  run(info.Env(), [&](Dataplane& dp) { dp.segments().remove(id, dp.engine().control_context()); });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::AddSegmentMember(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t segment = u32_arg(info, 0, "segment");
  uint32_t port = u32_arg(info, 1, "port");
  Napi::Object o = object_arg(info, 2);
  const uint64_t mac = mac_text(env, o, "mac");
  const bool host_access = get_bool(o, "hostAccess", false);
  std::vector<IpKey> addresses;
  if (o.Has("addresses") && o.Get("addresses").IsArray()) {
    Napi::Array a = o.Get("addresses").As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) addresses.push_back(ip_arg(env, a.Get(i).ToString().Utf8Value()));
  }
  run(env, [&](Dataplane& dp) {
    Port& p = dp.engine().port_or_throw(port);
    if (p.role != PortRole::demuxed) throw ControlError(ErrorCode::bad_argument, "port " + std::to_string(port) + " is not a demuxed port");
    Segment& s = dp.segments().get_or_throw(segment);
    if (s.config.driver == DemuxDriver::macvlan && !mac) throw ControlError(ErrorCode::bad_argument, "a macvlan member needs its mac");
    dp.segments().add_member(segment, port, mac, host_access);
    try {
      for (const IpKey& k : addresses) dp.segments().add_address(port, k);
    } catch (...) {
      dp.segments().remove_member(port);
      throw;
    }
  });
  return env.Undefined();
}

}  // namespace ferry
