// Every name TypeScript needs from the native side, exported at load:
// src/dataplane/names.ts reads them, a build step writes the TypeScript types
// from them (scripts/gen-names.js), and test/native/names.test.ts fails if
// the two ever differ. Nothing here is retyped on the other side.
#include "dataplane/drops.h"
#include "l2/domains.h"
#include "napi/convert.h"
#include "dataplane/dataplane.h"
#include "napi/engine_binding.h"
#include "vxlan/sealed.h"

namespace ferry {

namespace {

Napi::Array named(Napi::Env env, std::initializer_list<std::pair<const char*, const char*>> items) {
  Napi::Array a = Napi::Array::New(env, items.size());
  uint32_t i = 0;
  for (const auto& it : items) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", it.first);
    o.Set("help", it.second);
    a.Set(i++, o);
  }
  return a;
}

}  // namespace

Napi::Object Names(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
#define FERRY_X(name, help) {#name, help},
  o.Set("dropReasons", named(env, {FERRY_DROP_REASONS(FERRY_X)}));
  o.Set("errorCodes", named(env, {FERRY_CONTROL_ERRORS(FERRY_X)}));
  o.Set("portRoles", named(env, {FERRY_PORT_ROLES(FERRY_X)}));
  o.Set("bridgeOutcomes", named(env, {FERRY_BRIDGE_OUTCOMES(FERRY_X)}));
  o.Set("demuxOutcomes", named(env, {FERRY_DEMUX_OUTCOMES(FERRY_X)}));
  o.Set("conntrackCounters", named(env, {FERRY_CONNTRACK_COUNTERS(FERRY_X)}));
  Napi::Object stages = Napi::Object::New(env);
  stages.Set(VxlanDecapStage::kName, named(env, {FERRY_VXLAN_COUNTERS(FERRY_X)}));
  stages.Set(ParseStage::kName, named(env, {FERRY_PARSE_COUNTERS(FERRY_X)}));
  stages.Set(PortSecurityStage::kName, named(env, {FERRY_PORT_SECURITY_COUNTERS(FERRY_X)}));
  stages.Set(RateLimitStage::kName, named(env, {FERRY_RATE_LIMIT_COUNTERS(FERRY_X)}));
  stages.Set(NeighborProxyStage::kName, named(env, {FERRY_NEIGHBOR_PROXY_COUNTERS(FERRY_X)}));
  stages.Set(ResolverReplyStage::kName, named(env, {FERRY_RESOLVER_REPLY_COUNTERS(FERRY_X)}));
  stages.Set(BridgeStage::kName, named(env, {FERRY_BRIDGE_OUTCOMES(FERRY_X)}));
  stages.Set(UplinkStage::kName, named(env, {FERRY_UPLINK_COUNTERS(FERRY_X)}));
  stages.Set(Ip4InputStage::kName, named(env, {FERRY_IP4_INPUT_COUNTERS(FERRY_X)}));
  stages.Set(ResolverQueryStage::kName, named(env, {FERRY_RESOLVER_QUERY_COUNTERS(FERRY_X)}));
  stages.Set(Ip4ReassemblyStage::kName, named(env, {FERRY_REASSEMBLY_COUNTERS(FERRY_X)}));
  stages.Set(NatStage::kName, named(env, {FERRY_NAT_COUNTERS(FERRY_X)}));
  stages.Set(Ip4ForwardStage::kName, named(env, {FERRY_IP4_FORWARD_COUNTERS(FERRY_X)}));
  stages.Set(NeighborStage::kName, named(env, {FERRY_NEIGHBOR_COUNTERS(FERRY_X)}));
  stages.Set(Ip6InputStage::kName, named(env, {FERRY_IP6_INPUT_COUNTERS(FERRY_X)}));
  stages.Set(Nat6Stage::kName, named(env, {FERRY_NAT_COUNTERS(FERRY_X)}));
  stages.Set(Ip6ForwardStage::kName, named(env, {FERRY_IP6_FORWARD_COUNTERS(FERRY_X)}));
  stages.Set(Neighbor6Stage::kName, named(env, {FERRY_NEIGHBOR_COUNTERS(FERRY_X)}));
  stages.Set(DemuxStage::kName, named(env, {FERRY_DEMUX_OUTCOMES(FERRY_X)}));
  o.Set("stageCounters", stages);
#undef FERRY_X
#define FERRY_X(field, name, seconds) {name, #field},
  o.Set("conntrackTimeouts", named(env, {FERRY_CT_TIMEOUTS(FERRY_X)}));
#undef FERRY_X
  // Numbers the control plane computes with (an encrypted overlay's MTU, the port it names).
  Napi::Object constants = Napi::Object::New(env);
  constants.Set("espUdpPort", kEspInUdpPort);
  constants.Set("sealedOverhead", kSealedOverhead);
  o.Set("constants", constants);
  return o;
}

}  // namespace ferry
