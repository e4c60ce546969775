// The N-API face of VXLAN: the underlay sockets (plain, and sealed for
// encrypted networks, with each peer host's keys), and each overlay
// network's tunnel port with the hosts that have the network and which host
// each MAC lives on. Addresses cross as dotted-quad text, MACs as "aa:bb:...".
#include "napi/convert.h"
#include "napi/engine_binding.h"
#include "l3/ipv4.h"
#include "vxlan/sealed.h"
#include "vxlan/vxlan.h"

namespace ferry {

Napi::Value EngineBinding::AddUnderlay(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = object_arg(info, 0);
  UnderlayOptions opts;
  opts.address = get_string(o, "address", "");
  opts.sealed = get_bool(o, "sealed", false);
  opts.port = uint16_t(get_u32(o, "port", opts.sealed ? kEspInUdpPort : kVxlanUdpPort));
  opts.netns_path = get_string(o, "netns", "");
  opts.generation = get_u32(o, "generation", 0);
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

// setEspPeer(sealedUnderlay, {peer, peerGeneration, sendEpoch, secrets: [{epoch, secret: Buffer}]}):
// the associations with one peer host (crypto/esp_peers.h); unchanged keys are kept.
Napi::Value EngineBinding::SetEspPeer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t port = u32_arg(info, 0, "port");
  Napi::Object o = object_arg(info, 1);
  EspPeerConfig c;
  c.peer = ipv4_arg(env, o.Get("peer"), "peer");
  c.peer_generation = get_u32(o, "peerGeneration", 0);
  c.send_epoch = get_u32(o, "sendEpoch", 0);
  Napi::Value secrets = o.Get("secrets");
  if (!secrets.IsArray()) throw_js(env, ErrorCode::bad_argument, "secrets must be an array of {epoch, secret: Buffer}");
  Napi::Array a = secrets.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value v = a.Get(i);
    if (!v.IsObject() || !v.As<Napi::Object>().Get("secret").IsBuffer())
      throw_js(env, ErrorCode::bad_argument, "secrets must be an array of {epoch, secret: Buffer}");
    Napi::Buffer<uint8_t> b = v.As<Napi::Object>().Get("secret").As<Napi::Buffer<uint8_t>>();
    c.secrets.push_back({get_u32(v.As<Napi::Object>(), "epoch", 0), std::vector<uint8_t>(b.Data(), b.Data() + b.Length())});
  }
  std::string error;
  bool ok = true;
  run(env, [&](Dataplane& dp) { ok = dp.esp_or_throw(port).set_peer(c, &error); });
  if (!ok) throw_js(env, ErrorCode::bad_argument, "cannot key peer " + ipv4_text(c.peer) + ": " + error);
  return env.Undefined();
}

// espPeers(sealedUnderlay): [{peer, sendEpoch, sendSpi, sent, receiveSpis}], for statistics and tests.
Napi::Value EngineBinding::EspPeerStates(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t port = u32_arg(info, 0, "port");
  std::vector<EspPeerState> states;
  run(env, [&](Dataplane& dp) { states = dp.esp_or_throw(port).state(); });
  Napi::Array out = Napi::Array::New(env, states.size());
  for (uint32_t i = 0; i < states.size(); i++) {
    const EspPeerState& st = states[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("peer", ipv4_text(st.peer));
    o.Set("sendEpoch", st.send_epoch);
    o.Set("sendSpi", st.send_spi);
    o.Set("sent", double(st.sent));
    Napi::Array spis = Napi::Array::New(env, st.receive_spis.size());
    for (uint32_t k = 0; k < st.receive_spis.size(); k++) spis.Set(k, st.receive_spis[k]);
    o.Set("receiveSpis", spis);
    out.Set(i, o);
  }
  return out;
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
