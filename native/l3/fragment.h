// IPv4 fragmentation at an egress MTU (RFC 791, as Linux's ip_do_fragment):
// after the NAT has translated a reassembled datagram, it leaves in pieces
// no larger than the next hop's MTU, each a whole frame of its own. The
// payload is cut on 8-byte boundaries; every fragment carries the header,
// with options not marked "copied" turned to no-ops after the first; the
// transport checksum, computed over the whole datagram, stays in the first.
// Only datagrams without DF and not GSO are cut: the router answers the
// others with fragmentation needed.
#pragma once
#include <cstdint>
#include <cstring>

#include "core/packet.h"
#include "l2/ethernet.h"
#include "l3/ipv4.h"

namespace ferry {

// Writes fragment `index` of p (Ethernet + IPv4) into q; returns false past
// the last one. `mtu` is the largest IP packet allowed.
bool write_ipv4_fragment(const Packet& p, uint32_t mtu, uint32_t index, Packet* q);

}  // namespace ferry
