#pragma once
#include <napi.h>

#include <map>
#include <memory>

#include "dataplane/dataplane.h"

namespace ferry {

// The N-API face of the dataplane: control calls only, nothing per packet.
// Every call is a closure run on the worker between batches (Engine::run), so
// what JavaScript sees is always a consistent snapshot.
class EngineBinding : public Napi::ObjectWrap<EngineBinding> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit EngineBinding(const Napi::CallbackInfo& info);
  ~EngineBinding() override;

 private:
  // Bridge domains and ports (engine_binding.cc).
  Napi::Value CreateDomain(const Napi::CallbackInfo& info);
  Napi::Value RemoveDomain(const Napi::CallbackInfo& info);
  Napi::Value ConfigureDomain(const Napi::CallbackInfo& info);
  Napi::Value AddTapPort(const Napi::CallbackInfo& info);
  Napi::Value AddPacketPort(const Napi::CallbackInfo& info);
  Napi::Value RemovePort(const Napi::CallbackInfo& info);
  Napi::Value PortNetns(const Napi::CallbackInfo& info);
  Napi::Value AddStaticMac(const Napi::CallbackInfo& info);
  Napi::Value RemoveMac(const Napi::CallbackInfo& info);
  Napi::Value MacTable(const Napi::CallbackInfo& info);
  Napi::Value PinWorker(const Napi::CallbackInfo& info);
  Napi::Value SetRateLimit(const Napi::CallbackInfo& info);
  Napi::Value SetPortIdentity(const Napi::CallbackInfo& info);
  Napi::Value Shutdown(const Napi::CallbackInfo& info);
  // Counters of ports, domains, stages and the worker (stats_binding.cc).
  Napi::Value Stats(const Napi::CallbackInfo& info);
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
  Napi::Value SetReassemblyTimeout(const Napi::CallbackInfo& info);
  // macvlan/ipvlan segments (demux_binding.cc).
  Napi::Value CreateSegment(const Napi::CallbackInfo& info);
  Napi::Value RemoveSegment(const Napi::CallbackInfo& info);
  Napi::Value AddSegmentMember(const Napi::CallbackInfo& info);
  // VXLAN: the underlay socket and overlay networks' tunnels (vxlan_binding.cc).
  Napi::Value AddUnderlay(const Napi::CallbackInfo& info);
  Napi::Value AddTunnel(const Napi::CallbackInfo& info);
  Napi::Value SetTunnelHosts(const Napi::CallbackInfo& info);
  Napi::Value SetTunnelRemote(const Napi::CallbackInfo& info);
  Napi::Value SetNeighborProxy(const Napi::CallbackInfo& info);
  Napi::Value SetEspPeer(const Napi::CallbackInfo& info);
  Napi::Value EspPeerStates(const Napi::CallbackInfo& info);
  // Packet trace (trace_binding.cc).
  Napi::Value TraceStart(const Napi::CallbackInfo& info);
  Napi::Value TraceStop(const Napi::CallbackInfo& info);
  Napi::Value TraceRead(const Napi::CallbackInfo& info);
  Napi::Value Inject(const Napi::CallbackInfo& info);
  // Packet capture (capture_binding.cc).
  Napi::Value CaptureStart(const Napi::CallbackInfo& info);
  Napi::Value CaptureRead(const Napi::CallbackInfo& info);
  Napi::Value CaptureStop(const Napi::CallbackInfo& info);
  Napi::Value CaptureClose(const Napi::CallbackInfo& info);

  // Runs fn on the worker with the dataplane, turning a ControlError into a coded JS error.
  void run(Napi::Env env, const std::function<void(Dataplane&)>& fn);
  uint32_t Attach(Napi::Env env, std::unique_ptr<Port> port, PortRole role, uint32_t domain);

  // Shared with nothing but a weak_ptr in the env's cleanup hook: the hook
  // may run after this object is garbage-collected, and must then find nothing.
  std::shared_ptr<Dataplane> dp_;
  // Captures by id; read on this thread, written by the worker (lock-free ring).
  std::map<uint32_t, std::shared_ptr<CaptureTap>> captures_;
  uint32_t next_capture_ = 1;
};

// Exported at load: every name TypeScript needs from this side (names.cc).
Napi::Object Names(Napi::Env env);

}  // namespace ferry
