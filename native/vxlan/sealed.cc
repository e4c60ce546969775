#include "vxlan/sealed.h"

namespace ferry {

bool EspOpener::open(uint8_t* d, uint32_t len, uint8_t** vxlan, uint32_t* vxlan_len) {
  if (len < kEspHeaderLen) return refuse(EspDrop::esp_malformed);
  EspReceiver* r = peers_.receiver(load32(d));
  if (!r) return refuse(EspDrop::esp_unknown_spi);
  uint8_t* payload;
  uint32_t n;
  uint8_t next_header;
  switch (r->open(d, len, &payload, &n, &next_header)) {
    case EspReceiver::Opened::ok: break;
    case EspReceiver::Opened::malformed: return refuse(EspDrop::esp_malformed);
    case EspReceiver::Opened::replayed: return refuse(EspDrop::replayed);
    case EspReceiver::Opened::auth_failed: return refuse(EspDrop::decrypt_failed);
  }
  // Authentic, so sealed by a host of the cluster: still checked, as any input.
  if (next_header != kProtoUdp || n < kSealedUdpLen + kVxlanHdrLen || load16(payload + 4) != n || load16(payload + 2) != kVxlanUdpPort)
    return refuse(EspDrop::esp_malformed);
  *vxlan = payload + kSealedUdpLen;
  *vxlan_len = n - kSealedUdpLen;
  return true;
}

}  // namespace ferry
