// ferry capture: a tap on some ports, its BPF filter compiled here by
// libpcap (on the Node thread, never in the worker), its ring read here
// without a command to the worker (core/capture.h).
#include <pcap/pcap.h>

#include "napi/convert.h"
#include "napi/engine_binding.h"

namespace ferry {

namespace {

constexpr uint32_t kDefaultSnaplen = 262144;  // tcpdump's: a 64 KB GSO frame fits whole
constexpr uint32_t kMinRing = 1u << 20;
constexpr size_t kReadMax = 8u << 20;

std::vector<bpf_insn> compile_filter(Napi::Env env, const std::string& expr, uint32_t snaplen) {
  if (expr.empty()) return {};
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, int(snaplen));
  if (!dead) throw_js(env, ErrorCode::bad_argument, "libpcap could not be initialised to compile the filter");
  bpf_program prog{};
  if (pcap_compile(dead, &prog, expr.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    std::string why = pcap_geterr(dead);
    pcap_close(dead);
    throw_js(env, ErrorCode::bad_argument, "filter \"" + expr + "\": " + why);
  }
  std::vector<bpf_insn> insns(prog.bf_insns, prog.bf_insns + prog.bf_len);
  pcap_freecode(&prog);
  pcap_close(dead);
  return insns;
}

}  // namespace

Napi::Value EngineBinding::CaptureStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = object_arg(info, 0);
  if (!o.Get("ports").IsArray()) throw_js(env, ErrorCode::bad_argument, "ports must be an array of port ids");
  Napi::Array a = o.Get("ports").As<Napi::Array>();
  std::vector<uint32_t> ports;
  for (uint32_t i = 0; i < a.Length(); i++) {
    if (!a.Get(i).IsNumber()) throw_js(env, ErrorCode::bad_argument, "ports must be an array of port ids");
    ports.push_back(a.Get(i).As<Napi::Number>().Uint32Value());
  }
  const uint32_t snaplen = get_u32(o, "snaplen", kDefaultSnaplen);
  if (snaplen < 14 || snaplen > kDefaultSnaplen) throw_js(env, ErrorCode::bad_argument, "snaplen must be 14..262144");
  const uint32_t ring = get_u32(o, "bufferBytes", 32u << 20);
  if (ring < kMinRing) throw_js(env, ErrorCode::bad_argument, "bufferBytes must be at least 1048576");
  auto tap = std::make_shared<CaptureTap>(ring, snaplen, get_bool(o, "drops", false), compile_filter(env, get_string(o, "filter", ""), snaplen));
  run(env, [&](Dataplane& dp) { dp.engine().attach_tap(tap.get(), ports); });
  const uint32_t id = next_capture_++;
  captures_[id] = tap;
  return Napi::Number::New(env, id);
}

Napi::Value EngineBinding::CaptureRead(const Napi::CallbackInfo& info) {
  auto it = captures_.find(u32_arg(info, 0, "capture"));
  if (it == captures_.end()) throw_js(info.Env(), ErrorCode::bad_argument, "no such capture");
  std::vector<uint8_t> buf(kReadMax);
  const size_t n = it->second->read(buf.data(), buf.size());
  if (!n) return info.Env().Null();
  return Napi::Buffer<uint8_t>::Copy(info.Env(), buf.data(), n);
}

Napi::Value EngineBinding::CaptureStop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto it = captures_.find(u32_arg(info, 0, "capture"));
  if (it == captures_.end()) throw_js(env, ErrorCode::bad_argument, "no such capture");
  CaptureTap* tap = it->second.get();
  run(env, [&](Dataplane& dp) { dp.engine().detach_tap(tap); });
  Napi::Object out = Napi::Object::New(env);
  out.Set("captured", double(tap->counters.captured.load()));
  out.Set("lost", double(tap->counters.lost.load()));
  out.Set("filtered", double(tap->counters.filtered.load()));
  return out;
}

Napi::Value EngineBinding::CaptureClose(const Napi::CallbackInfo& info) {
  captures_.erase(u32_arg(info, 0, "capture"));
  return info.Env().Undefined();
}

}  // namespace ferry
