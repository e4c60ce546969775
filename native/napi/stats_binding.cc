// stats(): every counter of the dataplane, copied on the worker in one
// command (a consistent snapshot) and turned into JavaScript on the Node
// thread. Names come from the X-macros beside each counter.
#include "dataplane/drops.h"
#include "napi/convert.h"
#include "napi/engine_binding.h"

namespace ferry {

namespace {

struct PortSnapshot {
  uint32_t id, domain;
  std::string name;
  const char* kind;
  PortRole role;
  PortCounters counters;
};
struct DomainSnapshot {
  uint32_t id, ports, entries, max_entries, aging;
  BridgeCounters counters;
};
struct StageSnapshot {
  std::string name;
  StageStats stats;
  std::vector<std::pair<const char*, uint64_t>> counters;
};

Napi::Object port_to_js(Napi::Env env, const PortSnapshot& p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", p.id);
  o.Set("name", p.name);
  o.Set("kind", p.kind);
  o.Set("role", port_role_name(p.role));
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

}  // namespace

Napi::Value EngineBinding::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<PortSnapshot> ports;
  std::vector<DomainSnapshot> domains;
  std::vector<StageSnapshot> stages;
  struct SegmentSnapshot {
    uint32_t id, parent, vlan, members;
    DemuxCounters counters;
  };
  std::vector<SegmentSnapshot> segments;
  WorkerCounters w;
  struct TableSnapshot {
    ConntrackCounters counters;
    uint32_t size = 0, max = 0;
    double memory = 0;
  } ct, ct6;
  double uptime = 0;
  size_t neighbors = 0;
  run(env, [&](Dataplane& dp) {
    Engine& e = dp.engine();
    for (const auto& p : e.ports())
      if (p) ports.push_back({p->id, dp.domains().domain_id_of_port(p->id), p->name, p->kind(), p->role, p->counters});
    for (const auto& d : dp.domains().all())
      if (d) domains.push_back({d->id, uint32_t(d->ports.size()), d->macs.size(), d->macs.max_entries(), d->aging_seconds, d->counters});
    for (const auto& s : dp.segments().all())
      if (s) segments.push_back({s->id, s->config.parent, s->config.vlan, uint32_t(s->members.size()), s->counters});
    for (NodeId s = 0; s < e.graph().size(); s++) {
      StageSnapshot snap{e.graph().stage(s).name(), e.graph().stats(s), {}};
      e.graph().stage(s).for_each_counter([&](const char* name, const char*, uint64_t v) { snap.counters.emplace_back(name, v); });
      stages.push_back(std::move(snap));
    }
    w = e.worker_counters();
    uptime = double(e.uptime_ns());
    auto snapshot = [](const auto& table) { return TableSnapshot{table.counters, table.size(), table.max_entries(), double(table.memory_bytes())}; };
    ct = snapshot(dp.nat().ct);
    ct6 = snapshot(dp.nat6().ct);
    neighbors = dp.neighbors().size();
  });

  Napi::Object out = Napi::Object::New(env);
  Napi::Array js_ports = Napi::Array::New(env, ports.size());
  for (size_t i = 0; i < ports.size(); i++) js_ports.Set(uint32_t(i), port_to_js(env, ports[i]));
  out.Set("ports", js_ports);

  Napi::Array js_domains = Napi::Array::New(env, domains.size());
  for (size_t i = 0; i < domains.size(); i++) {
    const DomainSnapshot& d = domains[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("id", d.id);
    o.Set("ports", d.ports);
    o.Set("macEntries", d.entries);
    o.Set("maxEntries", d.max_entries);
    o.Set("agingSeconds", d.aging);
    Napi::Object bridge = Napi::Object::New(env);
    const BridgeCounters& c = d.counters;
#define FERRY_X(name, help) bridge.Set(#name, double(c.name));
    FERRY_BRIDGE_OUTCOMES(FERRY_X)
#undef FERRY_X
    o.Set("bridge", bridge);
    js_domains.Set(uint32_t(i), o);
  }
  out.Set("domains", js_domains);

  Napi::Array js_segments = Napi::Array::New(env, segments.size());
  for (size_t i = 0; i < segments.size(); i++) {
    const SegmentSnapshot& s = segments[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("id", s.id);
    o.Set("parent", s.parent);
    o.Set("vlan", s.vlan);
    o.Set("members", s.members);
    Napi::Object demux = Napi::Object::New(env);
#define FERRY_X(name, help) demux.Set(#name, double(s.counters.name));
    FERRY_DEMUX_OUTCOMES(FERRY_X)
#undef FERRY_X
    o.Set("demux", demux);
    js_segments.Set(uint32_t(i), o);
  }
  out.Set("segments", js_segments);

  Napi::Object js_stages = Napi::Object::New(env);
  for (const StageSnapshot& s : stages) {
    Napi::Object o = Napi::Object::New(env);
    for (const auto& c : s.counters) o.Set(c.first, double(c.second));
    o.Set("packets", double(s.stats.packets));
    o.Set("batches", double(s.stats.batches));
    o.Set("nsPerPacket", s.stats.sampled_packets ? double(s.stats.sampled_ns) / double(s.stats.sampled_packets) : 0.0);
    js_stages.Set(s.name, o);
  }
  out.Set("stages", js_stages);

  Napi::Object worker = Napi::Object::New(env);
  worker.Set("wakeups", double(w.wakeups));
  worker.Set("polls", double(w.polls));
  worker.Set("batches", double(w.batches));
  worker.Set("packets", double(w.packets));
  worker.Set("commands", double(w.commands));
  worker.Set("ticks", double(w.ticks));
  worker.Set("poolEmpty", double(w.pool_empty));
  worker.Set("busyNs", double(w.busy_ns));
  worker.Set("gapNs", double(w.gap_ns));
  worker.Set("uptimeNs", uptime);
  out.Set("worker", worker);

  auto table_to_js = [&](const TableSnapshot& t) {
    Napi::Object o = Napi::Object::New(env);
#define FERRY_X(name, help) o.Set(#name, double(t.counters.name));
    FERRY_CONNTRACK_COUNTERS(FERRY_X)
#undef FERRY_X
    o.Set("entries", t.size);
    o.Set("maxEntries", t.max);
    o.Set("memoryBytes", t.memory);
    return o;
  };
  out.Set("conntrack", table_to_js(ct));
  out.Set("conntrack6", table_to_js(ct6));
  out.Set("neighbors", double(neighbors));
  return out;
}

}  // namespace ferry
