// libFuzzer target: ESP opening and sealing (native/crypto/esp.h), each
// record one buffer (records.h). An even port byte: the buffer as an ESP
// packet from the network, opened by the receiver. An odd one: the buffer
// as a payload, sealed by the sender and opened again.
//
// Besides the sanitizers: a sealed payload opens to the same bytes; a packet
// that opened never opens a second time (replay); an opened payload lies
// inside the packet. The keys are fixed and the receiver new for each input,
// so an input means the same thing whenever it runs.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "crypto/esp.h"
#include "records.h"

using namespace ferry;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const EspKey& key() {
  static const EspKey k = [] {
    uint8_t secret[32];
    for (int i = 0; i < 32; i++) secret[i] = uint8_t(i + 1);
    EspKey k;
    std::string error;
    check(derive_esp_key(secret, sizeof secret, {0xc0000201, 0xc0000202, 1, 1, 1}, &k, &error));
    return k;
  }();
  return k;
}

EspReceiver::Opened open(EspReceiver& r, std::vector<uint8_t> b, std::vector<uint8_t>* payload) {
  uint8_t* p;
  uint32_t len;
  uint8_t nh;
  const EspReceiver::Opened result = r.open(b.data(), uint32_t(b.size()), &p, &len, &nh);
  if (result == EspReceiver::Opened::ok) {
    check(p >= b.data() && p + len <= b.data() + b.size());
    payload->assign(p, p + len);
  }
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  EspSender sender(key());
  EspReceiver receiver(key());
  fuzz::Records records(data, size);
  fuzz::Record rec;
  for (int i = 0; i < 16 && records.next(rec); i++) {
    std::vector<uint8_t> payload;
    if (rec.port % 2 == 0) {
      const std::vector<uint8_t> packet(rec.frame, rec.frame + rec.len);
      if (open(receiver, packet, &payload) == EspReceiver::Opened::ok) check(open(receiver, packet, &payload) == EspReceiver::Opened::replayed);
      continue;
    }
    std::vector<uint8_t> b(kEspHeaderLen + kEspIvLen + rec.len + kEspTrailerMax + kEspIcvLen);
    if (rec.len) std::memcpy(b.data() + kEspHeaderLen + kEspIvLen, rec.frame, rec.len);
    const uint32_t n = sender.seal(b.data(), rec.len, 17);
    check(n > 0 && n <= b.size());
    b.resize(n);
    check(open(receiver, b, &payload) == EspReceiver::Opened::ok);
    check(payload.size() == rec.len && (rec.len == 0 || std::memcmp(payload.data(), rec.frame, rec.len) == 0));
  }
  return 0;
}
