// The last hop of a routed packet for a container, the same for both
// families (ip4-forward, ip6-forward): the endpoint's domain, network and
// MAC, and delivery into that domain from the gateway's side of it.
#pragma once
#include "core/stage.h"
#include "l2/domains.h"
#include "l2/ethernet.h"
#include "l3/routes.h"

namespace ferry {

struct ContainerHop {
  const Domain* domain = nullptr;
  const NetworkL3* network = nullptr;
  uint64_t mac = 0;
};

// False if dst is no container's address (or its network is gone).
template <typename Addr>
bool container_hop(const Routes& routes, const Domains& domains, const Addr& dst, ContainerHop* hop) {
  const Endpoint* ep = routes.endpoint(dst);
  if (!ep) return false;
  hop->domain = domains.get(ep->domain);
  hop->network = routes.network(ep->domain);
  hop->mac = ep->mac;
  return hop->domain && hop->network;
}

// The frame comes from the gateway's MAC and goes to the container's.
inline void address_from_gateway(Packet* p, const ContainerHop& hop) {
  store_mac(p->data + EthOffsets::dst, hop.mac);
  store_mac(p->data + EthOffsets::src, hop.network->router_mac);
}

// Queues p into the container's domain; false (with *too_big when that was why) if it could not go.
inline bool output_to_container(StageContext& ctx, const ContainerHop& hop, Packet* p, bool* too_big) {
  return Domains::output(ctx, *hop.domain, p, hop.mac, hop.network->host_port, too_big);
}

}  // namespace ferry
