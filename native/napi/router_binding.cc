// The N-API face of the gateway router, NAT and conntrack. Addresses cross as
// dotted-quad strings and MACs as "aa:bb:..." text; both are checked here,
// so a bad argument names itself before anything reaches the worker.
#include <arpa/inet.h>

#include <unordered_set>

#include "napi/convert.h"
#include "napi/engine_binding.h"
#include "ports/packet_port.h"

namespace ferry {

namespace {

bool has_option(const Napi::Object& o, const char* key) { return o.Has(key) && !o.Get(key).IsUndefined() && !o.Get(key).IsNull(); }

uint32_t ip_option(const Napi::Object& o, const char* key, bool required) {
  if (!has_option(o, key)) {
    if (required) throw_js(o.Env(), ErrorCode::bad_argument, std::string("option ") + key + " is required (an IPv4 address)");
    return 0;
  }
  return ipv4_arg(o.Env(), o.Get(key), key);
}

IpKey ip6_option(const Napi::Object& o, const char* key, bool required) {
  if (!has_option(o, key)) {
    if (required) throw_js(o.Env(), ErrorCode::bad_argument, std::string("option ") + key + " is required (an IPv6 address)");
    return IpKey{};
  }
  const IpKey k = o.Get(key).IsString() ? ip_arg(o.Env(), o.Get(key).As<Napi::String>().Utf8Value()) : IpKey::v4(0);
  if (k.is_v4()) throw_js(o.Env(), ErrorCode::bad_argument, std::string("option ") + key + " must be an IPv6 address");
  return k;
}

// Either family, from a string: IPv4 comes back mapped (IpKey::is_v4).
IpKey any_ip(Napi::Env env, const Napi::Value& v, const char* what) {
  if (!v.IsString()) throw_js(env, ErrorCode::bad_argument, std::string(what) + " must be an IPv4 or IPv6 address");
  return ip_arg(env, v.As<Napi::String>().Utf8Value());
}

uint32_t v4_of(const IpKey& k) { return uint32_t(k.lo); }

uint64_t mac_option(const Napi::Object& o, const char* key) {
  uint64_t mac;
  if (!o.Get(key).IsString() || !parse_mac(o.Get(key).As<Napi::String>().Utf8Value(), &mac))
    throw_js(o.Env(), ErrorCode::bad_argument, std::string("option ") + key + " must be a MAC address such as 02:42:ac:11:00:02");
  return mac;
}

uint32_t prefix_mask(uint32_t len) { return len == 0 ? 0 : ~0u << (32 - len); }

uint8_t protocol_option(Napi::Env env, const Napi::Value& v) {
  std::string p = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (p == "tcp") return kProtoTcp;
  if (p == "udp") return kProtoUdp;
  throw_js(env, ErrorCode::bad_argument, "protocol must be \"tcp\" or \"udp\"");
}

const char* protocol_name(uint8_t p) {
  return p == kProtoTcp ? "tcp" : p == kProtoUdp ? "udp" : p == kProtoIcmp ? "icmp" : p == kIpProtoIcmpv6 ? "icmpv6" : "other";
}

}  // namespace

Napi::Value EngineBinding::ConfigureNetwork(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = u32_arg(info, 0, "domain");
  Napi::Object o = object_arg(info, 1);
  NetworkL3 l3;
  const bool routed = get_bool(o, "routed", true);
  bool icc = true;
  if (routed) {
    l3.router_mac = mac_option(o, "routerMac");
    l3.gateway = ip_option(o, "gateway", true);
    l3.prefix_len = get_u32(o, "prefixLen", 32);
    if (l3.prefix_len > 32) throw_js(env, ErrorCode::bad_argument, "prefixLen must be 0..32");
    l3.subnet = ip_option(o, "subnet", true) & prefix_mask(l3.prefix_len);
    l3.host_port = get_u32(o, "hostPort", kNoPort);
    l3.mtu = get_u32(o, "mtu", 1500);
    if (l3.mtu < 68) throw_js(env, ErrorCode::bad_argument, "mtu must be at least 68");
    l3.masquerade = get_bool(o, "masquerade", true);
    l3.internal = get_bool(o, "internal", false);
    icc = get_bool(o, "icc", true);
    const uint32_t resolver = get_u32(o, "resolverPort", 0);
    if (resolver > 65535) throw_js(env, ErrorCode::bad_argument, "resolverPort must be 0..65535");
    l3.resolver_port = uint16_t(resolver);
    if (has_option(o, "subnet6")) {
      l3.ipv6 = true;
      l3.prefix6_len = get_u32(o, "prefixLen6", 64);
      if (l3.prefix6_len > 128) throw_js(env, ErrorCode::bad_argument, "prefixLen6 must be 0..128");
      l3.subnet6 = Ip6Prefixes::mask(ip6_option(o, "subnet6", true), l3.prefix6_len);
      l3.gateway6 = ip6_option(o, "gateway6", true);
      l3.routed6 = get_bool(o, "routed6", false);
    }
  }
  run(env, [&](Dataplane& dp) { dp.configure_network(id, routed, l3, icc); });
  return env.Undefined();
}

Napi::Value EngineBinding::SetUplink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = object_arg(info, 0);
  UplinkConfig u;
  u.ip = ip_option(o, "address", true);
  uint32_t len = get_u32(o, "prefixLen", 24);
  if (len > 32) throw_js(env, ErrorCode::bad_argument, "prefixLen must be 0..32");
  u.mask = prefix_mask(len);
  u.gateway = ip_option(o, "gateway", false);
  u.mac = mac_option(o, "mac");
  u.mtu = get_u32(o, "mtu", 1500);
  if (has_option(o, "address6")) {
    u.has_ip6 = true;
    u.ip6 = ip6_option(o, "address6", true);
    u.prefix6_len = get_u32(o, "prefixLen6", 64);
    if (u.prefix6_len > 128) throw_js(env, ErrorCode::bad_argument, "prefixLen6 must be 0..128");
    u.gateway6 = ip6_option(o, "gateway6", false);
  }
  PacketPortOptions opts;
  opts.ifname = get_string(o, "ifname", "");
  opts.netns_path = get_string(o, "netns", "");
  std::string error;
  std::unique_ptr<Port> port(PacketPort::open(opts, &error));
  if (!port) throw_js(env, ErrorCode::packet_open, error);
  port->name = opts.ifname;
  uint32_t id = 0;
  run(env, [&](Dataplane& dp) { id = dp.attach_uplink(std::move(port), u); });
  return Napi::Number::New(env, id);
}

Napi::Value EngineBinding::SetHostAddresses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) throw_js(env, ErrorCode::bad_argument, "setHostAddresses takes an array of IPv4 and IPv6 addresses");
  Napi::Array a = info[0].As<Napi::Array>();
  std::unordered_set<uint32_t> addrs;
  std::unordered_set<IpKey, IpKeyHash> addrs6;
  for (uint32_t i = 0; i < a.Length(); i++) {
    const IpKey k = any_ip(env, a.Get(i), "each host address");
    if (k.is_v4()) addrs.insert(v4_of(k));
    else addrs6.insert(k);
  }
  run(env, [&](Dataplane& dp) { dp.routes().set_host_addresses(std::move(addrs), std::move(addrs6)); });
  return env.Undefined();
}

Napi::Value EngineBinding::SetEndpoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = object_arg(info, 0);
  const IpKey ip = any_ip(env, o.Get("address"), "option address");
  Endpoint ep{get_u32(o, "domain", kNoPort), mac_option(o, "mac")};
  run(env, [&](Dataplane& dp) {
    dp.domains().get_or_throw(ep.domain);
    if (ip.is_v4()) dp.routes().set_endpoint(v4_of(ip), ep);
    else dp.routes().set_endpoint(ip, ep);
  });
  return env.Undefined();
}

Napi::Value EngineBinding::RemoveEndpoint(const Napi::CallbackInfo& info) {
  const IpKey ip = any_ip(info.Env(), info[0], "address");
  run(info.Env(), [&](Dataplane& dp) {
    if (ip.is_v4()) dp.routes().remove_endpoint(v4_of(ip));
    else dp.routes().remove_endpoint(ip);
  });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::Publish(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = object_arg(info, 0);
  uint8_t proto = protocol_option(env, o.Get("protocol"));
  uint32_t port = get_u32(o, "port", 0), target_port = get_u32(o, "targetPort", 0);
  if (port == 0 || port > 65535 || target_port == 0 || target_port > 65535)
    throw_js(env, ErrorCode::bad_argument, "port and targetPort must be 1..65535");
  const IpKey target = any_ip(env, o.Get("targetIp"), "option targetIp");
  const IpKey bind = has_option(o, "bindIp") ? any_ip(env, o.Get("bindIp"), "option bindIp") : target.is_v4() ? IpKey::v4(0) : IpKey{};
  if (bind.is_v4() != target.is_v4()) throw_js(env, ErrorCode::bad_argument, "bindIp and targetIp must be of one family");
  bool ok = false;
  run(env, [&](Dataplane& dp) {
    if (target.is_v4()) ok = dp.nat().publish(proto, uint16_t(port), Published{v4_of(bind), v4_of(target), uint16_t(target_port)});
    else ok = dp.nat6().publish(proto, uint16_t(port), Published6{bind, target, uint16_t(target_port)});
  });
  if (!ok) throw_js(env, ErrorCode::port_in_use, std::string(protocol_name(proto)) + " port " + std::to_string(port) + " is already published" + (target.is_v4() ? "" : " on IPv6"));
  return env.Undefined();
}

Napi::Value EngineBinding::Unpublish(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t proto = protocol_option(env, info[0]);
  uint32_t port = u32_arg(info, 1, "port");
  const bool v6 = info.Length() > 2 && info[2].IsNumber() && info[2].As<Napi::Number>().Uint32Value() == 6;
  bool removed = false;
  run(env, [&](Dataplane& dp) { removed = v6 ? dp.nat6().unpublish(proto, uint16_t(port)) : dp.nat().unpublish(proto, uint16_t(port)); });
  return Napi::Boolean::New(env, removed);
}

namespace {

std::string addr_text(uint32_t a) { return ipv4_text(a); }
std::string addr_text(const IpKey& a) { return ipv6_text(a); }

template <typename Entry>
void entries_to_js(Napi::Env env, const std::vector<Entry>& entries, uint32_t now, const char* family, Napi::Array& out) {
  for (const Entry& c : entries) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("family", family);
    o.Set("protocol", protocol_name(c.key[0].proto));
    o.Set("protonum", c.key[0].proto);
    o.Set("timeout", c.expires - now);
    if (c.key[0].proto == kProtoTcp) o.Set("state", tcp_state_name(c.tcp));
    const char* dirs[2] = {"original", "reply"};
    for (int d = 0; d < 2; d++) {
      Napi::Object t = Napi::Object::New(env);
      t.Set("src", addr_text(c.key[d].src));
      t.Set("dst", addr_text(c.key[d].dst));
      if (c.key[d].proto == kProtoIcmp || c.key[d].proto == kIpProtoIcmpv6) {
        t.Set("id", c.key[d].sport);
      } else {
        t.Set("sport", c.key[d].sport);
        t.Set("dport", c.key[d].dport);
      }
      t.Set("packets", c.packets[d]);
      o.Set(dirs[d], t);
    }
    o.Set("replied", bool(c.flags & kCtReplied));
    o.Set("assured", bool(c.flags & kCtAssured));
    o.Set("snat", bool(c.flags & kCtSnat));
    o.Set("dnat", bool(c.flags & kCtDnat));
    out.Set(out.Length(), o);
  }
}

}  // namespace

Napi::Value EngineBinding::Conntrack(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<ConntrackEntry> entries;
  std::vector<ConntrackEntry6> entries6;
  uint32_t now = 0;
  run(env, [&](Dataplane& dp) {
    now = dp.engine().now_seconds();
    dp.nat().ct.for_each(now, [&](const ConntrackEntry& c) { entries.push_back(c); });
    dp.nat6().ct.for_each(now, [&](const ConntrackEntry6& c) { entries6.push_back(c); });
  });
  Napi::Array out = Napi::Array::New(env);
  entries_to_js(env, entries, now, "ipv4", out);
  entries_to_js(env, entries6, now, "ipv6", out);
  return out;
}

Napi::Value EngineBinding::ConntrackFlush(const Napi::CallbackInfo& info) {
  run(info.Env(), [&](Dataplane& dp) {
    dp.nat().ct.flush();
    dp.nat6().ct.flush();
  });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::SetConntrackTimeouts(const Napi::CallbackInfo& info) {
  Napi::Object o = object_arg(info, 0);
  ConntrackTimeouts t;
  run(info.Env(), [&](Dataplane& dp) { t = dp.nat().ct.timeouts; });
#define FERRY_X(field, name, seconds) t.field = get_u32(o, name, t.field);
  FERRY_CT_TIMEOUTS(FERRY_X)
#undef FERRY_X
  run(info.Env(), [&](Dataplane& dp) { dp.nat().ct.timeouts = dp.nat6().ct.timeouts = t; });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::SetReassemblyTimeout(const Napi::CallbackInfo& info) {
  const uint32_t seconds = u32_arg(info, 0, "seconds");
  if (seconds == 0) throw_js(info.Env(), ErrorCode::bad_argument, "the reassembly timeout must be at least 1 second");
  run(info.Env(), [&](Dataplane& dp) { dp.reassembly().timeout_seconds = seconds; });
  return info.Env().Undefined();
}

}  // namespace ferry
