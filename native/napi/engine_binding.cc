#include "napi/engine_binding.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>

#include <memory>

#include "napi/convert.h"
#include "ports/packet_port.h"
#include "ports/tap_port.h"

namespace ferry {

Napi::Function EngineBinding::Init(Napi::Env env) {
  return DefineClass(env, "NativeEngine",
                     {
                         InstanceMethod<&EngineBinding::CreateDomain>("createDomain"),
                         InstanceMethod<&EngineBinding::RemoveDomain>("removeDomain"),
                         InstanceMethod<&EngineBinding::ConfigureDomain>("configureDomain"),
                         InstanceMethod<&EngineBinding::AddTapPort>("addTapPort"),
                         InstanceMethod<&EngineBinding::AddPacketPort>("addPacketPort"),
                         InstanceMethod<&EngineBinding::RemovePort>("removePort"),
                         InstanceMethod<&EngineBinding::PortNetns>("portNetns"),
                         InstanceMethod<&EngineBinding::AddStaticMac>("addStaticMac"),
                         InstanceMethod<&EngineBinding::RemoveMac>("removeMac"),
                         InstanceMethod<&EngineBinding::MacTable>("macTable"),
                         InstanceMethod<&EngineBinding::Stats>("stats"),
                         InstanceMethod<&EngineBinding::PinWorker>("pinWorker"),
                         InstanceMethod<&EngineBinding::SetRateLimit>("setRateLimit"),
                         InstanceMethod<&EngineBinding::SetPortIdentity>("setPortIdentity"),
                         InstanceMethod<&EngineBinding::ConfigureNetwork>("configureNetwork"),
                         InstanceMethod<&EngineBinding::SetUplink>("setUplink"),
                         InstanceMethod<&EngineBinding::SetHostAddresses>("setHostAddresses"),
                         InstanceMethod<&EngineBinding::SetEndpoint>("setEndpoint"),
                         InstanceMethod<&EngineBinding::RemoveEndpoint>("removeEndpoint"),
                         InstanceMethod<&EngineBinding::Publish>("publish"),
                         InstanceMethod<&EngineBinding::Unpublish>("unpublish"),
                         InstanceMethod<&EngineBinding::Conntrack>("conntrack"),
                         InstanceMethod<&EngineBinding::ConntrackFlush>("conntrackFlush"),
                         InstanceMethod<&EngineBinding::SetConntrackTimeouts>("setConntrackTimeouts"),
                         InstanceMethod<&EngineBinding::SetReassemblyTimeout>("setReassemblyTimeout"),
                         InstanceMethod<&EngineBinding::TraceStart>("traceStart"),
                         InstanceMethod<&EngineBinding::TraceStop>("traceStop"),
                         InstanceMethod<&EngineBinding::TraceRead>("traceRead"),
                         InstanceMethod<&EngineBinding::Inject>("inject"),
                         InstanceMethod<&EngineBinding::CaptureStart>("captureStart"),
                         InstanceMethod<&EngineBinding::CaptureRead>("captureRead"),
                         InstanceMethod<&EngineBinding::CaptureStop>("captureStop"),
                         InstanceMethod<&EngineBinding::CaptureClose>("captureClose"),
                         InstanceMethod<&EngineBinding::CreateSegment>("createSegment"),
                         InstanceMethod<&EngineBinding::RemoveSegment>("removeSegment"),
                         InstanceMethod<&EngineBinding::AddSegmentMember>("addSegmentMember"),
                         InstanceMethod<&EngineBinding::AddUnderlay>("addUnderlay"),
                         InstanceMethod<&EngineBinding::AddTunnel>("addTunnel"),
                         InstanceMethod<&EngineBinding::SetTunnelHosts>("setTunnelHosts"),
                         InstanceMethod<&EngineBinding::SetEspPeer>("setEspPeer"),
                         InstanceMethod<&EngineBinding::EspPeerStates>("espPeers"),
                         InstanceMethod<&EngineBinding::SetTunnelRemote>("setTunnelRemote"),
                         InstanceMethod<&EngineBinding::SetNeighborProxy>("setNeighborProxy"),
                         InstanceMethod<&EngineBinding::Shutdown>("shutdown"),
                     });
}

EngineBinding::EngineBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineBinding>(info) {
  Napi::Env env = info.Env();
  DataplaneConfig config;
  Napi::Object o = object_arg(info, 0);
  config.engine.burst = get_u32(o, "burst", config.engine.burst);
  config.engine.spin_us = get_u32(o, "spinMicros", config.engine.spin_us);
  const std::string poll = get_string(o, "poll", "adaptive");
  if (poll != "adaptive" && poll != "busy") throw_js(env, ErrorCode::bad_argument, "poll must be adaptive or busy (got \"" + poll + "\")");
  config.engine.poll = poll == "busy" ? PollMode::busy : PollMode::adaptive;
  if (o.Has("cpu") && o.Get("cpu").IsNumber()) config.engine.cpu = o.Get("cpu").As<Napi::Number>().Int32Value();
  config.conntrack_max = get_u32(o, "conntrackMax", config.conntrack_max);
  if (config.conntrack_max == 0 || config.conntrack_max > (1u << 30))
    throw_js(env, ErrorCode::bad_argument, "conntrackMax must be between 1 and 1073741824");
  dp_ = guarded(env, [&] { return std::make_shared<Dataplane>(config); });
  // A worker thread must not outlive its environment (worker_threads, process
  // exit). The hook holds a weak_ptr, not `this`: if the JS object was
  // collected first, the engine is already gone and the hook does nothing.
  std::weak_ptr<Dataplane> weak = dp_;
  env.AddCleanupHook([weak] {
    if (auto dp = weak.lock()) dp->engine().shutdown();
  });
}

EngineBinding::~EngineBinding() {
  if (dp_) dp_->engine().shutdown();  // the worker stops before the captures it writes to go
}

void EngineBinding::run(Napi::Env env, const std::function<void(Dataplane&)>& fn) {
  Dataplane& dp = *dp_;
  guarded(env, [&] { dp.engine().run([&](Engine&) { fn(dp); }); });
}

Napi::Value EngineBinding::CreateDomain(const Napi::CallbackInfo& info) {
  Napi::Object o = object_arg(info, 0);
  uint32_t max_entries = get_u32(o, "maxEntries", MacTable::kDefaultMaxEntries);
  uint32_t aging = get_u32(o, "agingSeconds", Domain::kDefaultAgingSeconds);
  if (max_entries == 0) throw_js(info.Env(), ErrorCode::bad_argument, "maxEntries must be at least 1");
  uint32_t id = 0;
  run(info.Env(), [&](Dataplane& dp) { id = dp.domains().create(max_entries, aging); });
  return Napi::Number::New(info.Env(), id);
}

Napi::Value EngineBinding::RemoveDomain(const Napi::CallbackInfo& info) {
  uint32_t id = u32_arg(info, 0, "domain");
  run(info.Env(), [&](Dataplane& dp) { dp.remove_domain(id); });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::ConfigureDomain(const Napi::CallbackInfo& info) {
  uint32_t id = u32_arg(info, 0, "domain");
  Napi::Object o = object_arg(info, 1);
  const bool has_aging = o.Has("agingSeconds"), has_max = o.Has("maxEntries"), has_per_port = o.Has("maxPerPort");
  uint32_t aging = get_u32(o, "agingSeconds", 0), max_entries = get_u32(o, "maxEntries", 0), per_port = get_u32(o, "maxPerPort", 0);
  run(info.Env(), [&](Dataplane& dp) {
    Domain& d = dp.domains().get_or_throw(id);
    if (has_aging) d.aging_seconds = aging;
    if (has_max) d.macs.set_max_entries(max_entries);
    if (has_per_port) d.macs.set_max_per_port(per_port);
  });
  return info.Env().Undefined();
}

namespace {
PortRole role_option(const Napi::Object& o) {
  const std::string role = get_string(o, "role", "container");
  for (int r = 0; r < kPortRoleCount; r++)
    if (role == port_role_name(PortRole(r)) && PortRole(r) != PortRole::uplink && PortRole(r) != PortRole::underlay && PortRole(r) != PortRole::tunnel)
      return PortRole(r);
  throw_js(o.Env(), ErrorCode::bad_argument, "role must be \"container\", \"host\", \"parent\" or \"demuxed\" (the uplink is set with setUplink)");
}
}  // namespace

// Opening a port (on the calling thread: it may take the kernel's RTNL lock)
// is each kind's own; linking it into the engine is common. If the engine
// refuses, the port is destroyed here, which closes its fd: no device or
// socket is left behind.
uint32_t EngineBinding::Attach(Napi::Env env, std::unique_ptr<Port> port, PortRole role, uint32_t domain) {
  uint32_t id = 0;
  run(env, [&](Dataplane& dp) {
    id = role == PortRole::parent || role == PortRole::demuxed ? dp.attach_demux_port(std::move(port), role)
                                                                : dp.attach_bridge_port(std::move(port), role, domain);
  });
  return id;
}

Napi::Value EngineBinding::AddTapPort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = object_arg(info, 0);
  TapOptions opts;
  opts.name = get_string(o, "name", "");
  opts.netns_path = get_string(o, "netns", "");
  opts.tx_queue_len = int(get_u32(o, "txQueueLen", 0));
  opts.mtu = get_u32(o, "mtu", 0);
  if (opts.mtu && (opts.mtu < 68 || opts.mtu > 65535)) throw_js(env, ErrorCode::bad_argument, "mtu must be 68..65535");
  opts.persist = get_bool(o, "persist", false);
  opts.offloads = get_bool(o, "offloads", true);
  const PortRole role = role_option(o);
  uint32_t domain = get_u32(o, "domain", kNoPort);
  std::string error;
  std::unique_ptr<TapPort> tap(TapPort::open(opts, &error));
  if (!tap) throw_js(env, ErrorCode::tap_open, error);
  Napi::Object result = Napi::Object::New(env);
  result.Set("name", tap->name);
  result.Set("offloads", tap->offloads());
  result.Set("ifindex", tap->ifindex());
  result.Set("mtu", tap->mtu);
  result.Set("id", Attach(env, std::move(tap), role, domain));
  return result;
}

Napi::Value EngineBinding::AddPacketPort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = object_arg(info, 0);
  PacketPortOptions opts;
  opts.ifname = get_string(o, "ifname", "");
  opts.netns_path = get_string(o, "netns", "");
  const PortRole role = role_option(o);
  opts.vlan_tags = role == PortRole::parent;
  uint32_t domain = get_u32(o, "domain", kNoPort);
  std::string error;
  std::unique_ptr<PacketPort> port(PacketPort::open(opts, &error));
  if (!port) throw_js(env, ErrorCode::packet_open, error);
  Napi::Object result = Napi::Object::New(env);
  result.Set("id", Attach(env, std::move(port), role, domain));
  result.Set("name", opts.ifname);
  return result;
}

Napi::Value EngineBinding::RemovePort(const Napi::CallbackInfo& info) {
  uint32_t id = u32_arg(info, 0, "port");
  // keepDevice: let go of a persistent TAP without deleting it (daemon handing over).
  bool keep = get_bool(object_arg(info, 1), "keepDevice", false);
  run(info.Env(), [&](Dataplane& dp) { dp.detach_port(id, !keep); });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::PortNetns(const Napi::CallbackInfo& info) {
  uint32_t id = u32_arg(info, 0, "port");
  int fd = -1;
  run(info.Env(), [&](Dataplane& dp) {
    Port& port = dp.engine().port_or_throw(id);
    if (std::strcmp(port.kind(), "tap") != 0) throw ControlError(ErrorCode::bad_argument, "port " + std::to_string(id) + " is not a TAP");
    fd = static_cast<const TapPort&>(port).open_netns();
    if (fd < 0) throw ControlError(ErrorCode::netns, std::string("TUNGETDEVNETNS on port ") + std::to_string(id) + ": " + std::strerror(errno));
  });
  return Napi::Number::New(info.Env(), fd);
}

static uint64_t mac_arg(const Napi::CallbackInfo& info, size_t i) {
  uint64_t mac;
  std::string text = info.Length() > i && info[i].IsString() ? info[i].As<Napi::String>().Utf8Value() : "";
  if (!parse_mac(text, &mac) || mac == 0)
    throw_js(info.Env(), ErrorCode::bad_argument, "MAC \"" + text + "\" is not of the form aa:bb:cc:dd:ee:ff (non-zero)");
  return mac;
}

Napi::Value EngineBinding::AddStaticMac(const Napi::CallbackInfo& info) {
  uint32_t domain = u32_arg(info, 0, "domain");
  uint64_t mac = mac_arg(info, 1);
  uint32_t port = u32_arg(info, 2, "port");
  run(info.Env(), [&](Dataplane& dp) {
    Domain& d = dp.domains().get_or_throw(domain);
    dp.engine().port_or_throw(port);
    if (dp.domains().domain_id_of_port(port) != domain)
      throw ControlError(ErrorCode::port_not_in_domain, "port " + std::to_string(port) + " is not in bridge domain " + std::to_string(domain));
    if (!d.macs.add_static(mac, port))
      throw ControlError(ErrorCode::mac_table_full, "the MAC table of bridge domain " + std::to_string(domain) + " is full (" +
                                                        std::to_string(d.macs.max_entries()) + " entries)");
  });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::RemoveMac(const Napi::CallbackInfo& info) {
  uint32_t domain = u32_arg(info, 0, "domain");
  uint64_t mac = mac_arg(info, 1);
  bool removed = false;
  run(info.Env(), [&](Dataplane& dp) { removed = dp.domains().get_or_throw(domain).macs.remove(mac); });
  return Napi::Boolean::New(info.Env(), removed);
}

Napi::Value EngineBinding::MacTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t domain = u32_arg(info, 0, "domain");
  std::vector<MacEntry> entries;
  uint32_t now = 0;
  run(env, [&](Dataplane& dp) {
    Domain& d = dp.domains().get_or_throw(domain);
    entries.reserve(d.macs.size());
    d.macs.for_each([&](const MacEntry& m) { entries.push_back(m); });
    now = dp.engine().now_seconds();
  });
  Napi::Array out = Napi::Array::New(env, entries.size());
  for (size_t i = 0; i < entries.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("mac", format_mac(entries[i].mac));
    o.Set("port", entries[i].port);
    o.Set("static", entries[i].is_static);
    o.Set("ageSeconds", entries[i].is_static ? 0 : now - entries[i].last_seen);
    out.Set(uint32_t(i), o);
  }
  return out;
}

Napi::Value EngineBinding::PinWorker(const Napi::CallbackInfo& info) {
  int cpu = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : -1;
  run(info.Env(), [&](Dataplane& dp) { dp.engine().pin_worker(cpu < 0 ? -1 : cpu); });
  return info.Env().Undefined();
}

// setRateLimit(port, {bytesPerSecond | packetsPerSecond, burst?}) or (port, null) to clear.
Napi::Value EngineBinding::SetRateLimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t port = u32_arg(info, 0, "port");
  const bool clear = info.Length() < 2 || info[1].IsNull() || info[1].IsUndefined();
  RateLimit limit;
  if (!clear) {
    Napi::Object o = object_arg(info, 1);
    const bool bytes = o.Has("bytesPerSecond"), packets = o.Has("packetsPerSecond");
    if (bytes == packets) throw_js(env, ErrorCode::bad_argument, "give one of bytesPerSecond or packetsPerSecond");
    auto rate = [&](const char* key) {
      Napi::Value v = o.Get(key);
      const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
      if (!(d >= 1 && d <= 1e12)) throw_js(env, ErrorCode::bad_argument, std::string(key) + " must be a number from 1 to 1e12");
      return uint64_t(d);
    };
    limit.unit = bytes ? RateLimit::Unit::bytes : RateLimit::Unit::packets;
    limit.per_second = rate(bytes ? "bytesPerSecond" : "packetsPerSecond");
    limit.burst = get_u32(o, "burst", 0);
  }
  run(env, [&](Dataplane& dp) {
    dp.engine().port_or_throw(port);
    dp.set_rate_limit(port, clear ? nullptr : &limit);
  });
  return env.Undefined();
}

// setPortIdentity(port, {mac, ipv4?, ipv6?: [...]}) or (port, null): port security.
Napi::Value EngineBinding::SetPortIdentity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t port = u32_arg(info, 0, "port");
  const bool clear = info.Length() < 2 || info[1].IsNull() || info[1].IsUndefined();
  PortIdentity id;
  if (!clear) {
    Napi::Object o = object_arg(info, 1);
    if (!o.Get("mac").IsString() || !parse_mac(o.Get("mac").As<Napi::String>().Utf8Value(), &id.mac) || id.mac == 0)
      throw_js(env, ErrorCode::bad_argument, "mac must be a MAC address such as 02:42:ac:11:00:02");
    if (o.Has("ipv4") && !o.Get("ipv4").IsUndefined()) id.ipv4 = ipv4_arg(env, o.Get("ipv4"), "ipv4");
    if (o.Has("ipv6") && o.Get("ipv6").IsArray()) {
      Napi::Array list = o.Get("ipv6").As<Napi::Array>();
      for (uint32_t i = 0; i < list.Length(); i++) {
        std::array<uint8_t, 16> a{};
        if (!list.Get(i).IsString() || inet_pton(AF_INET6, list.Get(i).As<Napi::String>().Utf8Value().c_str(), a.data()) != 1)
          throw_js(env, ErrorCode::bad_argument, "ipv6 must be a list of IPv6 addresses");
        id.ipv6.push_back(a);
      }
    }
  }
  run(env, [&](Dataplane& dp) {
    dp.engine().port_or_throw(port);
    dp.set_identity(port, clear ? nullptr : &id);
  });
  return env.Undefined();
}

Napi::Value EngineBinding::Shutdown(const Napi::CallbackInfo& info) {
  dp_->engine().shutdown();
  return info.Env().Undefined();
}

}  // namespace ferry
