// The one list of drop reasons: the core's, then each stage's, in graph
// order. Its names are what `stats()` shows per port and what TypeScript
// reads from the addon (no copy of it exists on that side).
#pragma once
#include "core/drop_reasons.h"
#include "crypto/esp.h"
#include "demux/demux_stage.h"
#include "vxlan/decap_stage.h"
#include "l2/bridge_stage.h"
#include "l3/ip4_forward_stage.h"
#include "l3/ip4_input_stage.h"
#include "l3/ip6_forward_stage.h"
#include "l3/ip6_input_stage.h"
#include "l3/neighbor_stage.h"
#include "l3/reassembly_stage.h"
#include "l3/uplink_stage.h"
#include "nat/nat_stage.h"
#include "parse/parse_stage.h"
#include "police/rate_limit_stage.h"
#include "resolver/resolver_stages.h"
#include "security/port_security_stage.h"

#define FERRY_DROP_REASONS(X) \
  FERRY_CORE_DROPS(X)         \
  FERRY_ESP_DROPS(X)          \
  FERRY_VXLAN_DROPS(X)        \
  FERRY_PARSE_DROPS(X)        \
  FERRY_PORT_SECURITY_DROPS(X) \
  FERRY_RATE_LIMIT_DROPS(X)   \
  FERRY_BRIDGE_DROPS(X)       \
  FERRY_UPLINK_DROPS(X)       \
  FERRY_IP4_INPUT_DROPS(X)    \
  FERRY_RESOLVER_DROPS(X)     \
  FERRY_REASSEMBLY_DROPS(X)   \
  FERRY_NAT_DROPS(X)          \
  FERRY_IP4_FORWARD_DROPS(X)  \
  FERRY_NEIGHBOR_DROPS(X)     \
  FERRY_IP6_INPUT_DROPS(X)    \
  FERRY_IP6_FORWARD_DROPS(X)  \
  FERRY_DEMUX_DROPS(X)

namespace ferry {

enum class DropReason : uint16_t {
#define FERRY_X(name, help) name,
  FERRY_DROP_REASONS(FERRY_X)
#undef FERRY_X
      count
};
constexpr int kDropReasonCount = static_cast<int>(DropReason::count);
static_assert(kDropReasonCount <= kMaxDropReasons, "raise kMaxDropReasons in core/drop_reasons.h");

// The core counts its own reasons by CoreDrop; they must be the list's first.
#define FERRY_X(name, help) static_assert(int(DropReason::name) == int(CoreDrop::name), "core drops first");
FERRY_CORE_DROPS(FERRY_X)
#undef FERRY_X
// The sealed underlay and the tunnel count the ESP reasons by EspDrop, right after the core's (vxlan/sealed.h).
#define FERRY_X(name, help) static_assert(int(DropReason::name) == int(CoreDrop::count) + int(EspDrop::name), "ESP drops after the core's");
FERRY_ESP_DROPS(FERRY_X)
#undef FERRY_X

const char* drop_reason_name(int r);
const char* drop_reason_help(int r);

}  // namespace ferry
