// The addon's entry point: it only registers the classes and the names. Each
// instance of the addon (main thread or a worker_thread) gets its own classes
// and engines.
#include <napi.h>

#include "napi/engine_binding.h"
#include "tools/netns_file.h"
#include "tools/packet_socket.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeEngine", ferry::EngineBinding::Init(env));
  exports.Set("PacketSocket", ferry::PacketSocket::Init(env));
  exports.Set("names", ferry::Names(env));
  exports.Set("writeInNetns", Napi::Function::New(env, ferry::WriteInNetns, "writeInNetns"));
  exports.Set("openListenSockets", Napi::Function::New(env, ferry::OpenListenSockets, "openListenSockets"));
  return exports;
}

NODE_API_MODULE(ferry_native, Init)
