// 802.1Q tags put on and taken off a frame in place. The packet's headroom
// takes a pushed tag; the MAC addresses move by 4 bytes, nothing else. The
// virtio-net header's offsets count from the frame's first byte, so they move
// with the payload.
#pragma once
#include <cstring>

#include "core/packet.h"
#include "l2/ethernet.h"

namespace ferry {

inline void vnet_shift(VnetHdr& h, int by) {
  if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) h.csum_start = uint16_t(h.csum_start + by);
  if (h.hdr_len) h.hdr_len = uint16_t(h.hdr_len + by);
}

// Tags p with VLAN vid (TPID 0x8100, priority 0). False if the headroom is gone.
inline bool push_vlan(Packet* p, uint16_t vid, uint16_t tpid = kEtherTypeVlan) {
  if (p->data - p->buffer < int(kVlanTagLen)) return false;
  std::memmove(p->data - kVlanTagLen, p->data, 12);
  p->data -= kVlanTagLen;
  store16(p->data + EthOffsets::ethertype, tpid);
  store16(p->data + EthOffsets::vlan_tci, vid);
  p->len += kVlanTagLen;
  vnet_shift(p->vnet, int(kVlanTagLen));
  return true;
}

// Removes the outer tag of a tagged frame (the caller has checked it is one).
inline void pop_vlan(Packet* p) {
  std::memmove(p->data + kVlanTagLen, p->data, 12);
  p->data += kVlanTagLen;
  p->len -= kVlanTagLen;
  vnet_shift(p->vnet, -int(kVlanTagLen));
}

}  // namespace ferry
