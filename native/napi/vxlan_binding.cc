// The N-API face of VXLAN: the underlay socket, and each overlay network's
// tunnel port with the hosts that have the network and which host each MAC
// lives on. Addresses cross as dotted-quad text, MACs as "aa:bb:...".
#include "napi/convert.h"
#include "napi/engine_binding.h"
#include "vxlan/vxlan.h"

namespace ferry {

Napi::Value EngineBinding::AddUnderlay(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = object_arg(info, 0);
  UnderlayOptions opts;
  opts.address = get_string(o, "address", "");
  opts.port = uint16_t(get_u32(o, "port", kVxlanUdpPort));
  opts.netns_path = get_string(o, "netns", "");
  std::string error;
  std::unique_ptr<UnderlayPort> port(UnderlayPort::open(opts, &error));
  if (!port) throw_js(env, ErrorCode::socket, error);
  uint32_t id = 0;
  run(env, [&](Dataplane& dp) { id = dp.attach_underlay(std::move(port)); });
  return Napi::Number::New(env, id);
}

Napi::Value EngineBinding::AddTunnel(const Napi::CallbackInfo& info) {
  Napi::Object o = object_arg(info, 0);
  const uint32_t underlay = get_u32(o, "underlay", kNoPort), vni = get_u32(o, "vni", 0), domain = get_u32(o, "domain", kNoPort);
  const uint32_t mtu = get_u32(o, "mtu", 0);
  uint32_t id = 0;
  run(info.Env(), [&](Dataplane& dp) {
    id = dp.attach_tunnel(underlay, vni, domain);
    dp.engine().port(id)->mtu = mtu;  // the overlay's: what is larger is answered too big by the bridge
  });
  return Napi::Number::New(info.Env(), id);
}

Napi::Value EngineBinding::SetTunnelHosts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t port = u32_arg(info, 0, "port");
  if (info.Length() < 2 || !info[1].IsArray()) throw_js(env, ErrorCode::bad_argument, "hosts must be an array of IPv4 addresses");
  Napi::Array a = info[1].As<Napi::Array>();
  std::vector<uint32_t> hosts;
  for (uint32_t i = 0; i < a.Length(); i++) hosts.push_back(ipv4_arg(env, a.Get(i), "a host"));
  run(env, [&](Dataplane& dp) { dp.tunnel_or_throw(port).set_hosts(hosts); });
  return env.Undefined();
}

// setTunnelRemote(port, mac, host): the MAC lives on host; host null: forget it.
Napi::Value EngineBinding::SetTunnelRemote(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t port = u32_arg(info, 0, "port");
  uint64_t mac = 0;
  if (info.Length() < 2 || !info[1].IsString() || !parse_mac(info[1].As<Napi::String>().Utf8Value(), &mac))
    throw_js(env, ErrorCode::bad_argument, "mac must be a MAC address such as 02:42:0a:00:00:02");
  const bool forget = info.Length() < 3 || info[2].IsNull() || info[2].IsUndefined();
  const uint32_t host = forget ? 0 : ipv4_arg(env, info[2], "host");
  run(env, [&](Dataplane& dp) {
    TunnelPort& t = dp.tunnel_or_throw(port);
    if (forget) t.remove_remote(mac);
    else t.set_remote(mac, host);
  });
  return env.Undefined();
}

// setNeighborProxy(domain, address, mac): ARP/ND for address answered with mac; mac null: no longer.
Napi::Value EngineBinding::SetNeighborProxy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t domain = u32_arg(info, 0, "domain");
  const IpKey ip = ip_arg(env, info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "");
  uint64_t mac = 0;
  const bool forget = info.Length() < 3 || info[2].IsNull() || info[2].IsUndefined();
  if (!forget && (!info[2].IsString() || !parse_mac(info[2].As<Napi::String>().Utf8Value(), &mac) || mac == 0))
    throw_js(env, ErrorCode::bad_argument, "mac must be a MAC address such as 02:42:0a:00:00:02, or null");
  run(env, [&](Dataplane& dp) { dp.set_neighbor_proxy(domain, ip, mac); });
  return env.Undefined();
}

}  // namespace ferry
