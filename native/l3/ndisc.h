// IPv6 neighbour discovery (RFC 4861), as much as a neighbour table needs:
// neighbour solicitations to a target's solicited-node multicast group, sent
// from the asker's link-local address with its link-layer address, and the
// advertisements that answer them read back. The second protocol of
// NeighborTable (l3/neighbors.h), beside ARP.
#pragma once
#include <cstdint>

#include "l3/icmpv6.h"
#include "l3/ip_key.h"
#include "l3/neighbors.h"

namespace ferry {

constexpr uint8_t kNdSolicitation = 135, kNdAdvertisement = 136;

// Writes Ethernet + IPv6 + ICMPv6 neighbour solicitation for target, from
// s.ip (the asker's link-local address) and s.mac; returns its length.
uint32_t write_neighbor_solicitation(uint8_t* f, const NeighborSourceOf<IpKey>& s, const IpKey& target);

// Writes Ethernet + IPv6 + ICMPv6 neighbour advertisement: `target` is at
// `mac`, sent to `to` (solicited: the asker; else all nodes) at `to_mac`;
// returns its length.
uint32_t write_neighbor_advertisement(uint8_t* f, uint64_t mac, const IpKey& target, uint64_t to_mac, const IpKey& to);

// Reads a neighbour solicitation or advertisement: the address it speaks for
// (an advertisement's target, a solicitation's source) and its link-layer
// address (the option, else the frame's source MAC). False if it is neither,
// or is cut short. `l3` is where the IPv6 header starts.
bool read_neighbor_message(const uint8_t* frame, uint32_t len, uint32_t l3, uint8_t* type, IpKey* who, uint64_t* mac, IpKey* target);

struct Ndisc {
  using Addr = IpKey;
  using Hash = IpKeyHash;
  static uint32_t write_request(uint8_t* f, const NeighborSourceOf<IpKey>& s, const IpKey& target) {
    return write_neighbor_solicitation(f, s, target);
  }
};

using Neighbors6 = NeighborTable<Ndisc>;

}  // namespace ferry
