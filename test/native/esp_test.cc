// ESP with AES-256-GCM in memory (native/crypto/esp.h): a sealed datagram
// opens to the same bytes and hides them; any flipped bit fails; a replay,
// or a packet behind the window, is refused while reordering inside it is
// not; extended sequence numbers carry across 2^32; both hosts of a pair
// derive the same keys, and each direction its own.
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "crypto/esp.h"

using namespace ferry;

static const uint8_t kSecret[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
constexpr uint32_t kHostA = 0xc0000201, kHostB = 0xc0000202;  // 192.0.2.1, .2

static EspPairKeys keys(uint32_t epoch = 1) {
  EspPairKeys k;
  std::string error;
  CHECK(derive_pair_keys(kSecret, sizeof kSecret, kHostA, kHostB, epoch, &k, &error), "keys derive");
  return k;
}

// A sealed packet of `len` payload bytes, the payload a known pattern.
static std::vector<uint8_t> sealed(EspSender& s, uint32_t len) {
  std::vector<uint8_t> b(kEspHeaderLen + kEspIvLen + len + kEspTrailerMax + kEspIcvLen);
  for (uint32_t i = 0; i < len; i++) b[kEspHeaderLen + kEspIvLen + i] = uint8_t('F' + i % 7);
  b.resize(s.seal(b.data(), len, 17));
  return b;
}

static EspReceiver::Opened open_copy(EspReceiver& r, std::vector<uint8_t> b, std::vector<uint8_t>* out = nullptr) {
  uint8_t* payload;
  uint32_t len;
  uint8_t nh;
  const auto result = r.open(b.data(), uint32_t(b.size()), &payload, &len, &nh);
  if (result == EspReceiver::Opened::ok && out) *out = std::vector<uint8_t>(payload, payload + len);
  if (result == EspReceiver::Opened::ok) CHECK(nh == 17, "the next header comes back");
  return result;
}

static void seals_and_opens() {
  const EspPairKeys k = keys();
  EspSender s(k.low_to_high);
  EspReceiver r(k.low_to_high);
  for (uint32_t len : {0u, 1u, 2u, 3u, 4u, 1400u, 9000u}) {
    const std::vector<uint8_t> p = sealed(s, len);
    CHECK((p.size() - kEspHeaderLen - kEspIvLen - kEspIcvLen) % 4 == 0, "the ciphertext ends on a 4-byte boundary");
    std::vector<uint8_t> back;
    CHECK(open_copy(r, p, &back) == EspReceiver::Opened::ok, "a sealed packet opens");
    std::vector<uint8_t> want(len);
    for (uint32_t i = 0; i < len; i++) want[i] = uint8_t('F' + i % 7);
    CHECK(back == want, "to the same bytes");
  }
  const std::vector<uint8_t> p = sealed(s, 1400);
  const uint8_t pattern[] = {'F', 'G', 'H', 'I', 'J', 'K', 'L'};
  CHECK(std::search(p.begin(), p.end(), pattern, pattern + sizeof pattern) == p.end(), "the payload's pattern is nowhere in the packet");
  EspReceiver other_direction(k.high_to_low);
  CHECK(open_copy(other_direction, p) == EspReceiver::Opened::auth_failed, "the other direction's key does not open it");
  CHECK(k.low_to_high.spi != k.high_to_low.spi && k.low_to_high.spi >= 256 && k.high_to_low.spi >= 256, "two SPIs, none reserved");
}

static void any_flipped_bit_fails() {
  const EspPairKeys k = keys();
  EspSender s(k.low_to_high);
  EspReceiver r(k.low_to_high);
  const std::vector<uint8_t> p = sealed(s, 64);
  uint32_t refused = 0;
  for (size_t byte = 4; byte < p.size(); byte++) {  // the SPI picked the receiver; every other byte is protected
    std::vector<uint8_t> q = p;
    q[byte] ^= 0x10;
    refused += open_copy(r, q) != EspReceiver::Opened::ok;
  }
  CHECK(refused == p.size() - 4, "a flipped bit in the sequence, IV, ciphertext or ICV is refused");
  CHECK(open_copy(r, p) == EspReceiver::Opened::ok, "and did not move the window: the real packet still opens");
  std::vector<uint8_t> cut(p.begin(), p.end() - 1);
  CHECK(open_copy(r, cut) == EspReceiver::Opened::malformed, "a packet cut short is malformed");
}

static void replays_refused_reordering_kept() {
  const EspPairKeys k = keys();
  EspSender s(k.low_to_high);
  EspReceiver r(k.low_to_high);
  std::vector<std::vector<uint8_t>> ps;
  for (int i = 0; i < 2000; i++) ps.push_back(sealed(s, 16));
  CHECK(open_copy(r, ps[1500]) == EspReceiver::Opened::ok, "a packet far ahead opens");
  CHECK(open_copy(r, ps[1000]) == EspReceiver::Opened::ok, "one 500 behind, inside the window, opens");
  CHECK(open_copy(r, ps[1000]) == EspReceiver::Opened::replayed, "the same one again is a replay");
  // Behind the window, its low half reads as the next 2^32 (RFC 4303 appendix A2) and fails authentication.
  CHECK(open_copy(r, ps[100]) != EspReceiver::Opened::ok, "one behind the window is refused");
  CHECK(open_copy(r, ps[1999]) == EspReceiver::Opened::ok && open_copy(r, ps[1501]) == EspReceiver::Opened::ok, "the window moves on");
}

static void sequence_numbers_cross_2_pow_32() {
  const EspPairKeys k = keys();
  EspSender s(k.low_to_high, (uint64_t(1) << 32) - 3000);
  EspReceiver r(k.low_to_high);
  bool all = true;
  for (int i = 0; i < 6000; i++) all &= open_copy(r, sealed(s, 8)) == EspReceiver::Opened::ok;
  CHECK(all, "every packet opens across the boundary: the high half is inferred");
  CHECK(r.highest() == (uint64_t(1) << 32) + 3000, "the receiver counts past 2^32");
}

static void both_hosts_derive_the_same_keys() {
  EspPairKeys ab, ba, next;
  std::string error;
  CHECK(derive_pair_keys(kSecret, sizeof kSecret, kHostA, kHostB, 7, &ab, &error), "A derives");
  CHECK(derive_pair_keys(kSecret, sizeof kSecret, kHostB, kHostA, 7, &ba, &error), "B derives");
  CHECK(std::memcmp(&ab, &ba, sizeof ab) == 0, "the same keys on both hosts");
  CHECK(derive_pair_keys(kSecret, sizeof kSecret, kHostA, kHostB, 8, &next, &error), "the next epoch derives");
  CHECK(std::memcmp(ab.low_to_high.key, next.low_to_high.key, 32) != 0 && ab.low_to_high.spi != next.low_to_high.spi, "a new epoch, new keys and SPIs");
  CHECK(!derive_pair_keys(kSecret, 16, kHostA, kHostB, 7, &ab, &error) && error.find("32 bytes") != std::string::npos, "a short secret is refused");
}

// Sealed by an independent implementation (test/fixtures/esp-known-answer.js: Node's hkdfSync and
// aes-256-gcm, following the layout in esp.h) from this file's secret, hosts
// 192.0.2.1 -> .2, epoch 1, sequence 1, payload "ferry esp known answer".
static const char kKnownAnswer[] = "f242dd50000000010000000000000001a0201bb02a23b2ea74c6547e59ec2ecab36c3453edaac1a07a5ba97196c0b59105ab008340955c52";

static std::vector<uint8_t> from_hex(const char* h) {
  std::vector<uint8_t> out;
  for (size_t i = 0; h[i] && h[i + 1]; i += 2) out.push_back(uint8_t(std::stoi(std::string(h + i, 2), nullptr, 16)));
  return out;
}

static void agrees_with_another_implementation() {
  const EspPairKeys k = keys(1);
  const std::vector<uint8_t> known = from_hex(kKnownAnswer);
  const std::string text = "ferry esp known answer";
  EspReceiver r(k.low_to_high);
  std::vector<uint8_t> back;
  CHECK(open_copy(r, known, &back) == EspReceiver::Opened::ok && back == std::vector<uint8_t>(text.begin(), text.end()), "a packet sealed elsewhere opens here");
  EspSender s(k.low_to_high);
  std::vector<uint8_t> b(kEspHeaderLen + kEspIvLen + text.size() + kEspTrailerMax + kEspIcvLen);
  std::memcpy(b.data() + kEspHeaderLen + kEspIvLen, text.data(), text.size());
  b.resize(s.seal(b.data(), uint32_t(text.size()), 17));
  CHECK(b == known, "and sealing here gives the same bytes");
}

int main() {
  agrees_with_another_implementation();
  seals_and_opens();
  any_flipped_bit_fails();
  replays_refused_reordering_kept();
  sequence_numbers_cross_2_pow_32();
  both_hosts_derive_the_same_keys();
  return verdict();
}
