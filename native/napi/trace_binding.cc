// ferry trace: arm the tracer for the next N packets (on a port or any),
// read what the stages recorded, formatted by each stage; and inject one
// frame through the graph, as a dry run or for real, returning its path.
#include "dataplane/drops.h"
#include "napi/convert.h"
#include "napi/engine_binding.h"

namespace ferry {

namespace {

struct TraceLine {
  uint32_t packet;
  double t_us;
  std::string kind, stage, text;
};

std::string port_label(const Engine& e, uint32_t id) {
  const Port* p = e.port(id);
  return "port " + std::to_string(id) + (p ? " (" + p->name + ", " + port_role_name(p->role) + ")" : "");
}

// Runs on the worker: stage names and formatters, port names as they are now.
std::vector<TraceLine> format(Engine& e, const std::vector<TraceEntry>& entries) {
  std::vector<TraceLine> out;
  uint64_t t0 = 0;
  uint32_t packet = 0;
  for (const TraceEntry& x : entries) {
    if (x.packet != packet || x.kind == TraceEntry::rx) {
      packet = x.packet;
      t0 = x.t_ns;
    }
    TraceLine l{x.packet, double(x.t_ns - t0) / 1000.0, "", "", ""};
    const Graph& g = e.graph();
    switch (x.kind) {
      case TraceEntry::rx: {
        TraceRx r;
        std::memcpy(&r, x.data, sizeof r);
        l.kind = "rx";
        l.text = std::string(r.injected ? "injected on " : "received on ") + port_label(e, r.port) + ", " + std::to_string(r.len) + " bytes";
        if (vnet_is_gso(VnetHdr{0, r.gso_type, 0, r.gso_size, 0, 0})) l.text += ", GSO segments of " + std::to_string(r.gso_size);
        break;
      }
      case TraceEntry::stage:
        l.kind = "stage";
        l.stage = g.node_name(x.node);
        l.text = g.stage(x.node).format_trace(x.data, x.len);
        break;
      case TraceEntry::decision: {
        TraceDecision d;
        std::memcpy(&d, x.data, sizeof d);
        l.kind = "next";
        l.stage = g.node_name(x.node);
        if (d.next == kNodeDrop) l.text = std::string("drop: ") + drop_reason_name(d.drop_reason) + " (" + drop_reason_help(d.drop_reason) + ")";
        else l.text = std::string("-> ") + g.node_name(d.next);
        break;
      }
      case TraceEntry::tx: {
        TraceTx t;
        std::memcpy(&t, x.data, sizeof t);
        l.kind = "tx";
        l.stage = x.node < g.size() ? g.node_name(x.node) : "";
        l.text = std::string(t.suppressed ? "would send on " : "queued on ") + port_label(e, t.port);
        break;
      }
    }
    out.push_back(std::move(l));
  }
  return out;
}

Napi::Array to_js(Napi::Env env, const std::vector<TraceLine>& lines) {
  Napi::Array packets = Napi::Array::New(env);
  Napi::Array current;
  uint32_t last = 0;
  for (const TraceLine& l : lines) {
    if (l.packet != last || current.IsEmpty()) {
      Napi::Object p = Napi::Object::New(env);
      p.Set("id", l.packet);
      current = Napi::Array::New(env);
      p.Set("steps", current);
      packets.Set(packets.Length(), p);
      last = l.packet;
    }
    Napi::Object s = Napi::Object::New(env);
    s.Set("us", l.t_us);
    s.Set("kind", l.kind);
    s.Set("stage", l.stage);
    s.Set("text", l.text);
    current.Set(current.Length(), s);
  }
  return packets;
}

}  // namespace

Napi::Value EngineBinding::TraceStart(const Napi::CallbackInfo& info) {
  Napi::Object o = object_arg(info, 0);
  const uint32_t count = get_u32(o, "count", 10);
  const uint32_t port = get_u32(o, "port", kNoPort);
  if (count == 0 || count > 100000) throw_js(info.Env(), ErrorCode::bad_argument, "count must be 1..100000");
  run(info.Env(), [&](Dataplane& dp) {
    if (port != kNoPort) dp.engine().port_or_throw(port);
    dp.engine().tracer().take();
    dp.engine().tracer().arm(count, port);
  });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::TraceStop(const Napi::CallbackInfo& info) {
  run(info.Env(), [&](Dataplane& dp) { dp.engine().tracer().disarm(); });
  return info.Env().Undefined();
}

Napi::Value EngineBinding::TraceRead(const Napi::CallbackInfo& info) {
  std::vector<TraceLine> lines;
  uint32_t pending = 0;
  double lost = 0;
  run(info.Env(), [&](Dataplane& dp) {
    lines = format(dp.engine(), dp.engine().tracer().take());
    pending = dp.engine().tracer().pending();
    lost = double(dp.engine().tracer().lost());
  });
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("packets", to_js(info.Env(), lines));
  out.Set("pending", pending);
  out.Set("lost", lost);
  return out;
}

Napi::Value EngineBinding::Inject(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = object_arg(info, 0);
  const uint32_t port = get_u32(o, "port", kNoPort);
  if (!o.Get("frame").IsBuffer()) throw_js(env, ErrorCode::bad_argument, "frame must be a Buffer");
  Napi::Buffer<uint8_t> frame = o.Get("frame").As<Napi::Buffer<uint8_t>>();
  const bool dry_run = get_bool(o, "dryRun", true);
  VnetHdr vnet{};
  std::vector<uint8_t> bytes(frame.Data(), frame.Data() + frame.Length());
  std::vector<TraceLine> lines;
  run(env, [&](Dataplane& dp) {
    Engine& e = dp.engine();
    e.inject(port, bytes.data(), uint32_t(bytes.size()), vnet, dry_run);
    lines = format(e, e.tracer().take(e.tracer().last_id()));
  });
  Napi::Array packets = to_js(env, lines);
  return packets.Length() ? packets.Get(uint32_t(0)) : env.Null();
}

}  // namespace ferry
