// The N-API face of the gateway router, NAT and conntrack. Addresses cross as
// dotted-quad strings and MACs as "aa:bb:..." text; both are checked here,
// so a bad argument names itself before anything reaches the worker.
#include <arpa/inet.h>

#include "napi/convert.h"
#include "napi/engine_binding.h"
#include "ports/packet_port.h"

namespace ferry {

namespace {

uint32_t ip_value(Napi::Env env, const Napi::Value& v, const char* what) {
  in_addr a{};
  if (!v.IsString() || inet_pton(AF_INET, v.As<Napi::String>().Utf8Value().c_str(), &a) != 1)
    throw_js(env, "bad_argument", std::string(what) + " must be an IPv4 address such as 192.0.2.10");
  return ntohl(a.s_addr);
}

uint32_t ip_option(const Napi::Object& o, const char* key, bool required) {
  if (!o.Has(key) || o.Get(key).IsUndefined() || o.Get(key).IsNull()) {
    if (required) throw_js(o.Env(), "bad_argument", std::string("option ") + key + " is required (an IPv4 address)");
    return 0;
  }
  return ip_value(o.Env(), o.Get(key), key);
}

uint64_t mac_option(const Napi::Object& o, const char* key) {
  uint64_t mac;
  if (!o.Get(key).IsString() || !parse_mac(o.Get(key).As<Napi::String>().Utf8Value(), &mac))
    throw_js(o.Env(), "bad_argument", std::string("option ") + key + " must be a MAC address such as 02:42:ac:11:00:02");
  return mac;
}

bool bool_option(const Napi::Object& o, const char* key, bool fallback) {
  return o.Has(key) && !o.Get(key).IsUndefined() ? o.Get(key).ToBoolean().Value() : fallback;
}

uint32_t prefix_mask(uint32_t len) { return len == 0 ? 0 : ~0u << (32 - len); }

std::string ip_text(uint32_t ip) {
  in_addr a{htonl(ip)};
  char s[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, s, sizeof s);
  return s;
}

uint8_t protocol_option(Napi::Env env, const Napi::Value& v) {
  std::string p = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (p == "tcp") return kProtoTcp;
  if (p == "udp") return kProtoUdp;
  throw_js(env, "bad_argument", "protocol must be \"tcp\" or \"udp\"");
}

const char* protocol_name(uint8_t p) { return p == kProtoTcp ? "tcp" : p == kProtoUdp ? "udp" : p == kProtoIcmp ? "icmp" : "other"; }

}  // namespace

Napi::Value EngineBinding::ConfigureNetwork(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  Napi::Object o = info[1].As<Napi::Object>();
  NetworkL3 l3;
  l3.routed = bool_option(o, "routed", true);
  if (l3.routed) {
    l3.router_mac = mac_option(o, "routerMac");
    l3.gateway = ip_option(o, "gateway", true);
    l3.prefix_len = get_u32(o, "prefixLen", 32);
    if (l3.prefix_len > 32) throw_js(env, "bad_argument", "prefixLen must be 0..32");
    l3.subnet = ip_option(o, "subnet", true) & prefix_mask(l3.prefix_len);
    l3.host_port = get_u32(o, "hostPort", kNoPort);
    l3.mtu = get_u32(o, "mtu", 1500);
    if (l3.mtu < 68) throw_js(env, "bad_argument", "mtu must be at least 68");
    l3.masquerade = bool_option(o, "masquerade", true);
    l3.internal = bool_option(o, "internal", false);
    l3.icc = bool_option(o, "icc", true);
  }
  guarded(env, [&] { engine_->run([&](Engine& e) { e.configure_network(id, l3); }); });
  return env.Undefined();
}

Napi::Value EngineBinding::SetUplink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  UplinkConfig u;
  u.ip = ip_option(o, "address", true);
  uint32_t len = get_u32(o, "prefixLen", 24);
  if (len > 32) throw_js(env, "bad_argument", "prefixLen must be 0..32");
  u.mask = prefix_mask(len);
  u.gateway = ip_option(o, "gateway", false);
  u.mac = mac_option(o, "mac");
  u.mtu = get_u32(o, "mtu", 1500);
  PacketPortOptions opts;
  opts.ifname = get_string(o, "ifname", "");
  opts.netns_path = get_string(o, "netns", "");
  std::string error;
  std::unique_ptr<Port> port(PacketPort::open(opts, &error));
  if (!port) throw_js(env, "packet_open", error);
  port->name = opts.ifname;
  uint32_t id = 0;
  guarded(env, [&] { engine_->run([&](Engine& e) { id = e.attach_uplink(std::move(port), u); }); });
  return Napi::Number::New(env, id);
}

Napi::Value EngineBinding::SetHostAddresses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array a = info[0].As<Napi::Array>();
  std::unordered_set<uint32_t> addrs;
  for (uint32_t i = 0; i < a.Length(); i++) addrs.insert(ip_value(env, a.Get(i), "each host address"));
  guarded(env, [&] { engine_->run([&](Engine& e) { e.fabric().host_addrs.swap(addrs); }); });
  return env.Undefined();
}

Napi::Value EngineBinding::SetEndpoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  uint32_t ip = ip_option(o, "address", true);
  Endpoint ep{get_u32(o, "domain", kNoPort), mac_option(o, "mac")};
  guarded(env, [&] {
    engine_->run([&](Engine& e) {
      e.domain_or_throw(ep.domain);
      e.router().set_endpoint(ip, ep);
    });
  });
  return env.Undefined();
}

Napi::Value EngineBinding::RemoveEndpoint(const Napi::CallbackInfo& info) {
  uint32_t ip = ip_value(info.Env(), info[0], "address");
  guarded(info.Env(), [&] { engine_->run([&](Engine& e) { e.router().remove_endpoint(ip); }); });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::Publish(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  uint8_t proto = protocol_option(env, o.Get("protocol"));
  uint32_t port = get_u32(o, "port", 0), target_port = get_u32(o, "targetPort", 0);
  if (port == 0 || port > 65535 || target_port == 0 || target_port > 65535)
    throw_js(env, "bad_argument", "port and targetPort must be 1..65535");
  Published p{ip_option(o, "bindIp", false), ip_option(o, "targetIp", true), uint16_t(target_port)};
  bool ok = false;
  guarded(env, [&] { engine_->run([&](Engine& e) { ok = e.router().publish(proto, uint16_t(port), p); }); });
  if (!ok) throw_js(env, "port_in_use", std::string(protocol_name(proto)) + " port " + std::to_string(port) + " is already published");
  return env.Undefined();
}

Napi::Value EngineBinding::Unpublish(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t proto = protocol_option(env, info[0]);
  uint32_t port = info[1].As<Napi::Number>().Uint32Value();
  bool removed = false;
  guarded(env, [&] { engine_->run([&](Engine& e) { removed = e.router().unpublish(proto, uint16_t(port)); }); });
  return Napi::Boolean::New(env, removed);
}

Napi::Value EngineBinding::Conntrack(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<ConntrackEntry> entries;
  uint32_t now = 0;
  guarded(env, [&] {
    engine_->run([&](Engine& e) {
      now = e.now_seconds();
      e.router().ct.for_each(now, [&](const ConntrackEntry& c) { entries.push_back(c); });
    });
  });
  Napi::Array out = Napi::Array::New(env, entries.size());
  for (size_t i = 0; i < entries.size(); i++) {
    const ConntrackEntry& c = entries[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("protocol", protocol_name(c.key[0].proto));
    o.Set("protonum", c.key[0].proto);
    o.Set("timeout", c.expires - now);
    if (c.key[0].proto == kProtoTcp) o.Set("state", tcp_state_name(c.tcp));
    const char* dirs[2] = {"original", "reply"};
    for (int d = 0; d < 2; d++) {
      Napi::Object t = Napi::Object::New(env);
      t.Set("src", ip_text(c.key[d].src));
      t.Set("dst", ip_text(c.key[d].dst));
      if (c.key[d].proto == kProtoIcmp) {
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
    out.Set(uint32_t(i), o);
  }
  return out;
}

Napi::Value EngineBinding::ConntrackFlush(const Napi::CallbackInfo& info) {
  guarded(info.Env(), [&] { engine_->run([&](Engine& e) { e.router().ct.flush(); }); });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::SetConntrackTimeouts(const Napi::CallbackInfo& info) {
  Napi::Object o = info[0].As<Napi::Object>();
  ConntrackTimeouts t;
  guarded(info.Env(), [&] { engine_->run([&](Engine& e) { t = e.router().ct.timeouts; }); });
#define FERRY_TIMEOUT(field, key) t.field = get_u32(o, key, t.field);
  FERRY_TIMEOUT(tcp_syn_sent, "tcpSynSent")
  FERRY_TIMEOUT(tcp_syn_recv, "tcpSynRecv")
  FERRY_TIMEOUT(tcp_established, "tcpEstablished")
  FERRY_TIMEOUT(tcp_fin_wait, "tcpFinWait")
  FERRY_TIMEOUT(tcp_close_wait, "tcpCloseWait")
  FERRY_TIMEOUT(tcp_last_ack, "tcpLastAck")
  FERRY_TIMEOUT(tcp_time_wait, "tcpTimeWait")
  FERRY_TIMEOUT(tcp_close, "tcpClose")
  FERRY_TIMEOUT(udp, "udp")
  FERRY_TIMEOUT(udp_stream, "udpStream")
  FERRY_TIMEOUT(icmp, "icmp")
#undef FERRY_TIMEOUT
  guarded(info.Env(), [&] { engine_->run([&](Engine& e) { e.router().ct.timeouts = t; }); });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::RouterStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RouterCounters r;
  ConntrackCounters c;
  uint32_t size = 0, max = 0, neighbors = 0;
  double memory = 0;
  guarded(env, [&] {
    engine_->run([&](Engine& e) {
      r = e.router().counters;
      c = e.router().ct.counters;
      size = e.router().ct.size();
      max = e.router().ct.max_entries();
      memory = double(e.router().ct.memory_bytes());
      neighbors = uint32_t(e.router().neighbor_count());
    });
  });
  Napi::Object out = Napi::Object::New(env);
  Napi::Object router = Napi::Object::New(env);
#define FERRY_X(name, help) router.Set(#name, double(r.name));
  FERRY_ROUTER_OUTCOMES(FERRY_X)
#undef FERRY_X
  router.Set("neighbors", neighbors);
  out.Set("router", router);
  Napi::Object ct = Napi::Object::New(env);
#define FERRY_X(name, help) ct.Set(#name, double(c.name));
  FERRY_CONNTRACK_COUNTERS(FERRY_X)
#undef FERRY_X
  ct.Set("entries", size);
  ct.Set("maxEntries", max);
  ct.Set("memoryBytes", memory);
  out.Set("conntrack", ct);
  return out;
}

}  // namespace ferry
