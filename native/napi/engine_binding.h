#pragma once
#include <napi.h>

#include <memory>

#include "core/engine.h"

namespace ferry {

class EngineBinding : public Napi::ObjectWrap<EngineBinding> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit EngineBinding(const Napi::CallbackInfo& info);
  ~EngineBinding() override;

 private:
  Napi::Value CreateDomain(const Napi::CallbackInfo& info);
  Napi::Value RemoveDomain(const Napi::CallbackInfo& info);
  Napi::Value ConfigureDomain(const Napi::CallbackInfo& info);
  Napi::Value AddTapPort(const Napi::CallbackInfo& info);
  Napi::Value AddPacketPort(const Napi::CallbackInfo& info);
  Napi::Value RemovePort(const Napi::CallbackInfo& info);
  Napi::Value AddStaticMac(const Napi::CallbackInfo& info);
  Napi::Value RemoveMac(const Napi::CallbackInfo& info);
  Napi::Value MacTable(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value PinWorker(const Napi::CallbackInfo& info);
  // The gateway router and NAT (router_binding.cc).
  Napi::Value ConfigureNetwork(const Napi::CallbackInfo& info);
  Napi::Value SetUplink(const Napi::CallbackInfo& info);
  Napi::Value SetHostAddresses(const Napi::CallbackInfo& info);
  Napi::Value SetEndpoint(const Napi::CallbackInfo& info);
  Napi::Value RemoveEndpoint(const Napi::CallbackInfo& info);
  Napi::Value Publish(const Napi::CallbackInfo& info);
  Napi::Value Unpublish(const Napi::CallbackInfo& info);
  Napi::Value Conntrack(const Napi::CallbackInfo& info);
  Napi::Value ConntrackFlush(const Napi::CallbackInfo& info);
  Napi::Value SetConntrackTimeouts(const Napi::CallbackInfo& info);
  Napi::Value RouterStats(const Napi::CallbackInfo& info);
  Napi::Value Shutdown(const Napi::CallbackInfo& info);

  // Shared with nothing but a weak_ptr in the env's cleanup hook: the hook
  // may run after this object is garbage-collected, and must then find nothing.
  uint32_t Attach(Napi::Env env, std::unique_ptr<Port> port, uint32_t domain);

  std::shared_ptr<Engine> engine_;
};

}  // namespace ferry
