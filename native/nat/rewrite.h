// Header rewriting for NAT, with checksums kept right by incremental update
// (RFC 1624), whatever the offload state of the packet:
//  - a complete checksum gets the change of addresses (pseudo-header) and
//    ports;
//  - a CHECKSUM_PARTIAL one (virtio-net NEEDS_CSUM, csum_start at this L4
//    header) holds only the pseudo-header sum: it gets the address change,
//    uncomplemented, and no port change (the ports are summed later with the
//    data, by the kernel or the NIC, per segment for a GSO frame);
//  - a UDP datagram sent without a checksum (0) keeps 0.
#pragma once
#include "core/packet.h"
#include "l3/ipv4.h"
#include "l3/ipv6.h"
#include "nat/conntrack.h"
#include "nat/l4_fields.h"

namespace ferry {

// The flow key of a TCP, UDP or ICMP echo packet (other protocols: ports 0).
// False if the transport header the key needs is missing.
bool flow_key_of(const Ipv4Packet& ip, FlowKey* key, bool* is_icmp_error);

// Rewrites the packet from flow key `from` to `to` (addresses, ports or the
// ICMP echo identifier) and fixes the IP and transport checksums.
void rewrite_flow(Packet* p, Ipv4Packet& ip, const FlowKey& from, const FlowKey& to);

// TTL - 1 with the header checksum updated.
void decrement_ttl(Ipv4Packet& ip);

// An ICMP error quoting a translated flow: the quoted header becomes `inner`
// (as its sender sent it), the outer addresses become src/dst, and every
// checksum involved (quoted IP, quoted L4 when quoted whole enough, ICMP,
// outer IP) is made right again.
void rewrite_icmp_error(Ipv4Packet& outer, Ipv4Packet& quoted, const FlowKey& inner, uint32_t src, uint32_t dst);

// The same for IPv6 (nat/rewrite6.cc). IPv6 has no header checksum, and
// ICMPv6's checksum covers a pseudo-header, so an address change reaches it
// as it reaches TCP's and UDP's.
bool flow_key_of(const Ipv6Packet& ip, FlowKey6* key, bool* is_icmp_error);
void rewrite_flow(Packet* p, Ipv6Packet& ip, const FlowKey6& from, const FlowKey6& to);
void decrement_hop_limit(Ipv6Packet& ip);
void rewrite_icmp_error(Ipv6Packet& outer, Ipv6Packet& quoted, const FlowKey6& inner, const IpKey& src, const IpKey& dst);

}  // namespace ferry
