#include "l3/ndisc.h"

#include <algorithm>
#include <cstring>

#include "core/checksum.h"
#include "l3/icmpv6.h"
#include "l2/ethernet.h"

namespace ferry {

namespace {

constexpr uint32_t kSolicitationLen = 32;  // type, code, checksum, reserved, target, source link-layer option

}  // namespace

uint32_t write_neighbor_solicitation(uint8_t* f, const NeighborSourceOf<IpKey>& s, const IpKey& target) {
  // ff02::1:ffXX:XXXX and its MAC 33:33:ff:XX:XX:XX, from the target's last 24 bits.
  const uint32_t low24 = uint32_t(target.lo) & 0xffffff;
  const IpKey group{0xff02000000000000ull, 0x00000001ff000000ull | low24};
  store_mac(f, 0x3333ff000000ull | low24);
  store_mac(f + 6, s.mac);
  store16(f + 12, kEtherTypeIPv6);
  uint8_t* ip = f + kEthHdrLen;
  store32(ip, 0x60000000);
  store16(ip + 4, kSolicitationLen);
  ip[6] = kIpProtoIcmpv6;
  ip[7] = 255;  // hop limit 255: RFC 4861 makes receivers check it
  s.ip.store_v6(ip + 8);
  group.store_v6(ip + 24);
  uint8_t* m = ip + kIpv6HdrLen;
  std::memset(m, 0, kSolicitationLen);
  m[0] = kNdSolicitation;
  target.store_v6(m + 8);
  m[24] = 1;  // source link-layer address, 8 bytes
  m[25] = 1;
  store_mac(m + 26, s.mac);
  store16(m + 2, icmpv6_checksum(ip, m, kSolicitationLen));
  return kEthHdrLen + kIpv6HdrLen + kSolicitationLen;
}

uint32_t write_neighbor_advertisement(uint8_t* f, uint64_t mac, const IpKey& target, uint64_t to_mac, const IpKey& to) {
  store_mac(f, to_mac);
  store_mac(f + 6, mac);
  store16(f + 12, kEtherTypeIPv6);
  uint8_t* ip = f + kEthHdrLen;
  store32(ip, 0x60000000);
  store16(ip + 4, kSolicitationLen);  // an advertisement with one option is as long
  ip[6] = kIpProtoIcmpv6;
  ip[7] = 255;
  target.store_v6(ip + 8);
  to.store_v6(ip + 24);
  uint8_t* m = ip + kIpv6HdrLen;
  std::memset(m, 0, kSolicitationLen);
  m[0] = kNdAdvertisement;
  const bool solicited = !to.is_multicast_v6();
  m[4] = uint8_t((solicited ? 0x40 : 0) | 0x20);  // solicited, override
  target.store_v6(m + 8);
  m[24] = 2;  // target link-layer address, 8 bytes
  m[25] = 1;
  store_mac(m + 26, mac);
  store16(m + 2, icmpv6_checksum(ip, m, kSolicitationLen));
  return kEthHdrLen + kIpv6HdrLen + kSolicitationLen;
}

bool read_neighbor_message(const uint8_t* frame, uint32_t len, uint32_t l3, uint8_t* type, IpKey* who, uint64_t* mac, IpKey* target) {
  if (len < l3 + kIpv6HdrLen + 24) return false;
  const uint8_t* ip = frame + l3;
  if (ip[6] != kIpProtoIcmpv6 || ip[7] != 255) return false;
  const uint8_t* m = ip + kIpv6HdrLen;
  if (m[0] != kNdSolicitation && m[0] != kNdAdvertisement) return false;
  *type = m[0];
  *target = IpKey::v6(m + 8);
  *who = m[0] == kNdAdvertisement ? *target : IpKey::v6(ip + 8);
  *mac = load_mac(frame + EthOffsets::src);
  const uint8_t wanted = m[0] == kNdAdvertisement ? 2 : 1;  // target / source link-layer address
  const uint32_t end = std::min<uint32_t>(len, l3 + kIpv6HdrLen + load16(ip + 4));
  for (uint32_t at = l3 + kIpv6HdrLen + 24; at + 8 <= end;) {
    const uint8_t* opt = frame + at;
    if (opt[1] == 0) break;  // a zero length would loop forever: malformed
    if (opt[0] == wanted && opt[1] == 1) *mac = load_mac(opt + 2);
    at += uint32_t(opt[1]) * 8;
  }
  return true;
}

}  // namespace ferry
