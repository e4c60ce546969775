// The N-API face of the engine: control calls only, nothing per packet. Every
// call is a closure run on the worker between batches (Engine::run), so what
// JavaScript sees is always a consistent snapshot.
#include "napi/engine_binding.h"

#include <memory>

#include "napi/convert.h"
#include "ports/packet_port.h"
#include "ports/tap_port.h"

namespace ferry {

namespace {


Napi::Object bridge_counters_to_js(Napi::Env env, const BridgeCounters& c) {
  Napi::Object o = Napi::Object::New(env);
#define FERRY_X(name, help) o.Set(#name, double(c.name));
  FERRY_BRIDGE_OUTCOMES(FERRY_X)
#undef FERRY_X
  return o;
}

void add_bridge_counters(BridgeCounters& sum, const BridgeCounters& c) {
#define FERRY_X(name, help) sum.name += c.name;
  FERRY_BRIDGE_OUTCOMES(FERRY_X)
#undef FERRY_X
}

}  // namespace

Napi::Function EngineBinding::Init(Napi::Env env) {
  return DefineClass(env, "NativeEngine",
                     {
                         InstanceMethod<&EngineBinding::CreateDomain>("createDomain"),
                         InstanceMethod<&EngineBinding::RemoveDomain>("removeDomain"),
                         InstanceMethod<&EngineBinding::ConfigureDomain>("configureDomain"),
                         InstanceMethod<&EngineBinding::AddTapPort>("addTapPort"),
                         InstanceMethod<&EngineBinding::AddPacketPort>("addPacketPort"),
                         InstanceMethod<&EngineBinding::RemovePort>("removePort"),
                         InstanceMethod<&EngineBinding::AddStaticMac>("addStaticMac"),
                         InstanceMethod<&EngineBinding::RemoveMac>("removeMac"),
                         InstanceMethod<&EngineBinding::MacTable>("macTable"),
                         InstanceMethod<&EngineBinding::Stats>("stats"),
                         InstanceMethod<&EngineBinding::PinWorker>("pinWorker"),
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
                         InstanceMethod<&EngineBinding::RouterStats>("routerStats"),
                         InstanceMethod<&EngineBinding::Shutdown>("shutdown"),
                     });
}

EngineBinding::EngineBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineBinding>(info) {
  Napi::Env env = info.Env();
  EngineConfig config;
  if (info.Length() > 0 && info[0].IsObject()) {
    Napi::Object o = info[0].As<Napi::Object>();
    config.burst = get_u32(o, "burst", config.burst);
    config.spin_us = get_u32(o, "spinMicros", config.spin_us);
    if (o.Has("cpu") && o.Get("cpu").IsNumber()) config.cpu = o.Get("cpu").As<Napi::Number>().Int32Value();
    config.conntrack_max = get_u32(o, "conntrackMax", config.conntrack_max);
    if (config.conntrack_max == 0 || config.conntrack_max > (1u << 30))
      throw_js(env, "bad_argument", "conntrackMax must be between 1 and 1073741824");
  }
  engine_ = guarded(env, [&] { return std::make_shared<Engine>(config); });
  // A worker thread must not outlive its environment (worker_threads, process
  // exit). The hook holds a weak_ptr, not `this`: if the JS object was
  // collected first, the engine is already gone and the hook does nothing.
  std::weak_ptr<Engine> weak = engine_;
  env.AddCleanupHook([weak] {
    if (auto engine = weak.lock()) engine->shutdown();
  });
}

EngineBinding::~EngineBinding() {
  if (engine_) engine_->shutdown();
}

Napi::Value EngineBinding::CreateDomain(const Napi::CallbackInfo& info) {
  Napi::Object o = info.Length() > 0 && info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(info.Env());
  uint32_t max_entries = get_u32(o, "maxEntries", MacTable::kDefaultMaxEntries);
  uint32_t aging = get_u32(o, "agingSeconds", Domain::kDefaultAgingSeconds);
  if (max_entries == 0) throw_js(info.Env(), "bad_argument", "maxEntries must be at least 1");
  uint32_t id = 0;
  guarded(info.Env(), [&] { engine_->run([&](Engine& e) { id = e.create_domain(max_entries, aging); }); });
  return Napi::Number::New(info.Env(), id);
}

Napi::Value EngineBinding::RemoveDomain(const Napi::CallbackInfo& info) {
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  guarded(info.Env(), [&] { engine_->run([&](Engine& e) { e.remove_domain(id); }); });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::ConfigureDomain(const Napi::CallbackInfo& info) {
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  Napi::Object o = info[1].As<Napi::Object>();
  const bool has_aging = o.Has("agingSeconds"), has_max = o.Has("maxEntries");
  uint32_t aging = get_u32(o, "agingSeconds", 0), max_entries = get_u32(o, "maxEntries", 0);
  guarded(info.Env(), [&] {
    engine_->run([&](Engine& e) {
      Domain& d = e.domain_or_throw(id);
      if (has_aging) d.aging_seconds = aging;
      if (has_max) d.macs.set_max_entries(max_entries);
    });
  });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::AddTapPort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  TapOptions opts;
  opts.name = get_string(o, "name", "");
  opts.netns_path = get_string(o, "netns", "");
  opts.tx_queue_len = int(get_u32(o, "txQueueLen", 0));
  opts.persist = o.Has("persist") && o.Get("persist").ToBoolean().Value();
  uint32_t domain = get_u32(o, "domain", kNoPort);
  std::string error;
  std::unique_ptr<TapPort> tap(TapPort::open(opts, &error));
  if (!tap) throw_js(env, "tap_open", error);
  Napi::Object result = Napi::Object::New(env);
  result.Set("name", tap->name);
  result.Set("offloads", tap->offloads());
  result.Set("ifindex", tap->ifindex());
  result.Set("id", Attach(env, std::move(tap), domain));
  return result;
}

// Opening a port (on the calling thread: it may take the kernel's RTNL lock)
// is each kind's own; linking it into the engine is common. If the engine
// refuses, the port is destroyed here, which closes its fd: no device or
// socket is left behind.
uint32_t EngineBinding::Attach(Napi::Env env, std::unique_ptr<Port> port, uint32_t domain) {
  uint32_t id = 0;
  guarded(env, [&] { engine_->run([&](Engine& e) { id = e.attach_port(std::move(port), domain); }); });
  return id;
}

Napi::Value EngineBinding::AddPacketPort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  PacketPortOptions opts;
  opts.ifname = get_string(o, "ifname", "");
  opts.netns_path = get_string(o, "netns", "");
  uint32_t domain = get_u32(o, "domain", kNoPort);
  std::string error;
  std::unique_ptr<PacketPort> port(PacketPort::open(opts, &error));
  if (!port) throw_js(env, "packet_open", error);
  Napi::Object result = Napi::Object::New(env);
  result.Set("id", Attach(env, std::move(port), domain));
  result.Set("name", opts.ifname);
  return result;
}

Napi::Value EngineBinding::RemovePort(const Napi::CallbackInfo& info) {
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  // keepDevice: let go of a persistent TAP without deleting it (daemon handing over).
  bool keep = info.Length() > 1 && info[1].IsObject() && info[1].As<Napi::Object>().Get("keepDevice").ToBoolean().Value();
  guarded(info.Env(), [&] { engine_->run([&](Engine& e) { e.detach_port(id, !keep); }); });
  return info.Env().Undefined();
}

static uint64_t mac_arg(const Napi::CallbackInfo& info, size_t i) {
  uint64_t mac;
  std::string text = info[i].IsString() ? info[i].As<Napi::String>().Utf8Value() : "";
  if (!parse_mac(text, &mac) || mac == 0)
    throw_js(info.Env(), "bad_argument", "MAC \"" + text + "\" is not of the form aa:bb:cc:dd:ee:ff (non-zero)");
  return mac;
}

Napi::Value EngineBinding::AddStaticMac(const Napi::CallbackInfo& info) {
  uint32_t domain = info[0].As<Napi::Number>().Uint32Value();
  uint64_t mac = mac_arg(info, 1);
  uint32_t port = info[2].As<Napi::Number>().Uint32Value();
  guarded(info.Env(), [&] {
    engine_->run([&](Engine& e) {
      Domain& d = e.domain_or_throw(domain);
      if (e.port_or_throw(port).domain != domain)
        throw ControlError("port_not_in_domain", "port " + std::to_string(port) + " is not in bridge domain " +
                                                     std::to_string(domain));
      if (!d.macs.add_static(mac, port))
        throw ControlError("mac_table_full", "the MAC table of bridge domain " + std::to_string(domain) +
                                                 " is full (" + std::to_string(d.macs.max_entries()) + " entries)");
    });
  });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::RemoveMac(const Napi::CallbackInfo& info) {
  uint32_t domain = info[0].As<Napi::Number>().Uint32Value();
  uint64_t mac = mac_arg(info, 1);
  bool removed = false;
  guarded(info.Env(), [&] { engine_->run([&](Engine& e) { removed = e.domain_or_throw(domain).macs.remove(mac); }); });
  return Napi::Boolean::New(info.Env(), removed);
}

Napi::Value EngineBinding::MacTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t domain = info[0].As<Napi::Number>().Uint32Value();
  std::vector<MacEntry> entries;
  uint32_t now = 0;
  guarded(env, [&] {
    engine_->run([&](Engine& e) {
      Domain& d = e.domain_or_throw(domain);
      entries.reserve(d.macs.size());
      d.macs.for_each([&](const MacEntry& m) { entries.push_back(m); });
      now = e.now_seconds();
    });
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

namespace {
// Copied on the worker, turned into JS on the Node thread.
struct PortSnapshot {
  uint32_t id, domain;
  std::string name;
  const char* kind;
  PortCounters counters;
};
Napi::Object port_to_js(Napi::Env env, const PortSnapshot& p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", p.id);
  o.Set("name", p.name);
  o.Set("kind", p.kind);
  o.Set("domain", p.domain);
  o.Set("rxPackets", double(p.counters.rx_packets));
  o.Set("rxBytes", double(p.counters.rx_bytes));
  o.Set("txPackets", double(p.counters.tx_packets));
  o.Set("txBytes", double(p.counters.tx_bytes));
  Napi::Object drops = Napi::Object::New(env);
  for (int r = 0; r < kDropReasonCount; r++) drops.Set(drop_reason_name(r), double(p.counters.drops[r]));
  o.Set("drops", drops);
  return o;
}
struct DomainSnapshot {
  uint32_t id, ports, entries, max_entries, aging;
  BridgeCounters counters;
};
}  // namespace

Napi::Value EngineBinding::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<PortSnapshot> ports;
  std::vector<DomainSnapshot> domains;
  ParseCounters parse;
  WorkerCounters w;
  guarded(env, [&] {
    engine_->run([&](Engine& e) {
      for (const auto& p : e.fabric().ports)
        if (p) ports.push_back({p->id, p->domain, p->name, p->kind(), p->counters});
      for (const auto& d : e.fabric().domains)
        if (d)
          domains.push_back({d->id, uint32_t(d->ports.size()), d->macs.size(), d->macs.max_entries(),
                             d->aging_seconds, d->counters});
      parse = e.parse_stage().counters;
      w = e.worker_counters();
    });
  });
  Napi::Object out = Napi::Object::New(env);
  Napi::Array js_ports = Napi::Array::New(env, ports.size());
  for (size_t i = 0; i < ports.size(); i++) js_ports.Set(uint32_t(i), port_to_js(env, ports[i]));
  out.Set("ports", js_ports);
  Napi::Array js_domains = Napi::Array::New(env, domains.size());
  BridgeCounters total;
  for (size_t i = 0; i < domains.size(); i++) {
    const DomainSnapshot& d = domains[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("id", d.id);
    o.Set("ports", d.ports);
    o.Set("macEntries", d.entries);
    o.Set("maxEntries", d.max_entries);
    o.Set("agingSeconds", d.aging);
    o.Set("bridge", bridge_counters_to_js(env, d.counters));
    js_domains.Set(uint32_t(i), o);
    add_bridge_counters(total, d.counters);
  }
  out.Set("domains", js_domains);
  Napi::Object stages = Napi::Object::New(env);
  Napi::Object js_parse = Napi::Object::New(env);
  js_parse.Set("accepted", double(parse.accepted));
  js_parse.Set("dropped", double(parse.dropped));
  stages.Set("parse", js_parse);
  stages.Set("bridge", bridge_counters_to_js(env, total));
  out.Set("stages", stages);
  Napi::Object worker = Napi::Object::New(env);
  worker.Set("wakeups", double(w.wakeups));
  worker.Set("polls", double(w.polls));
  worker.Set("batches", double(w.batches));
  worker.Set("packets", double(w.packets));
  worker.Set("commands", double(w.commands));
  worker.Set("ageSweeps", double(w.age_sweeps));
  out.Set("worker", worker);
  return out;
}

Napi::Value EngineBinding::PinWorker(const Napi::CallbackInfo& info) {
  int cpu = info[0].As<Napi::Number>().Int32Value();
  guarded(info.Env(), [&] { engine_->run([&](Engine& e) { e.pin_worker(cpu < 0 ? -1 : cpu); }); });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::Shutdown(const Napi::CallbackInfo& info) {
  engine_->shutdown();
  return info.Env().Undefined();
}

}  // namespace ferry
