#include "l3/neighbors.h"

#include "core/bytes.h"

namespace ferry {

uint32_t write_arp(uint8_t* f, uint16_t op, uint64_t eth_dst, uint64_t sha, uint32_t spa, uint64_t tha, uint32_t tpa) {
  store_mac(f, eth_dst);
  store_mac(f + 6, sha);
  store16(f + 12, kEtherTypeARP);
  uint8_t* a = f + kEthHdrLen;
  store16(a, 1);  // Ethernet
  store16(a + 2, kEtherTypeIPv4);
  a[4] = 6;
  a[5] = 4;
  store16(a + 6, op);
  store_mac(a + 8, sha);
  store32(a + 14, spa);
  store_mac(a + 18, tha);
  store32(a + 24, tpa);
  return kEthHdrLen + kArpLen;
}

}  // namespace ferry
