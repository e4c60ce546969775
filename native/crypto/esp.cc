#include "crypto/esp.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <cstring>
#include <stdexcept>

#include "core/bytes.h"

namespace ferry {

namespace {

constexpr uint32_t kNonceLen = 12;  // salt and IV (RFC 4106 section 4)

void nonce_of(const EspKey& k, const uint8_t* iv, uint8_t* nonce) {
  std::memcpy(nonce, k.salt, 4);
  std::memcpy(nonce + 4, iv, kEspIvLen);
}

// SPI, high and low halves of the sequence number (RFC 4106 section 5, with ESN).
void aad_of(uint32_t spi, uint64_t seq, uint8_t* aad) {
  store32(aad, spi);
  store32(aad + 4, uint32_t(seq >> 32));
  store32(aad + 8, uint32_t(seq));
}

EVP_CIPHER_CTX* new_gcm(const EspKey& k, bool encrypt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) throw std::bad_alloc();
  const int ok = encrypt ? EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, k.key, nullptr)
                         : EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, k.key, nullptr);
  if (ok != 1) {
    EVP_CIPHER_CTX_free(ctx);
    throw std::runtime_error("AES-256-GCM is not available from libcrypto");
  }
  return ctx;
}

bool hkdf(const uint8_t* secret, uint32_t secret_len, const uint8_t* info, uint32_t info_len, uint8_t* out, size_t out_len) {
  static const uint8_t kSalt[] = "ferry overlay esp";
  EVP_PKEY_CTX* p = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
  if (!p) return false;
  const bool ok = EVP_PKEY_derive_init(p) == 1 && EVP_PKEY_CTX_set_hkdf_md(p, EVP_sha256()) == 1 &&
                  EVP_PKEY_CTX_set1_hkdf_salt(p, kSalt, sizeof kSalt - 1) == 1 && EVP_PKEY_CTX_set1_hkdf_key(p, secret, int(secret_len)) == 1 &&
                  EVP_PKEY_CTX_add1_hkdf_info(p, info, int(info_len)) == 1 && EVP_PKEY_derive(p, out, &out_len) == 1;
  EVP_PKEY_CTX_free(p);
  return ok;
}

}  // namespace

bool derive_esp_key(const uint8_t* secret, uint32_t secret_len, const EspDirection& d, EspKey* out, std::string* error) {
  if (secret_len < 32) {
    *error = "the cluster secret must be at least 32 bytes";
    return false;
  }
  uint8_t info[24];  // "fry1", from, to, epoch, the generations of from and to
  std::memcpy(info, "fry1", 4);
  store32(info + 4, d.from);
  store32(info + 8, d.to);
  store32(info + 12, d.epoch);
  store32(info + 16, d.from_generation);
  store32(info + 20, d.to_generation);
  uint8_t material[40];
  if (!hkdf(secret, secret_len, info, sizeof info, material, sizeof material)) {
    *error = "HKDF-SHA256 is not available from libcrypto";
    return false;
  }
  std::memcpy(out->key, material, 32);
  std::memcpy(out->salt, material + 32, 4);
  out->spi = load32(material + 36);
  if (out->spi < 256) out->spi += 256;  // 1-255 are reserved (RFC 4303 section 2.1), 0 is none
  return true;
}

EspSender::EspSender(const EspKey& key, uint64_t last_sequence) : key_(key), ctx_(new_gcm(key, true)), seq_(last_sequence) {}
EspSender::~EspSender() { EVP_CIPHER_CTX_free(ctx_); }

uint32_t EspSender::seal(uint8_t* esp, uint32_t len, uint8_t next_header) {
  const iovec payload{esp + kEspHeaderLen + kEspIvLen, len};
  return seal_pieces(esp, &payload, 1, next_header);
}

uint32_t EspSender::seal_pieces(uint8_t* out, const iovec* pieces, uint32_t n, uint8_t next_header) {
  if (seq_ == UINT64_MAX) return 0;
  const uint64_t seq = ++seq_;
  uint8_t iv[kEspIvLen], nonce[kNonceLen], aad[12];
  store32(iv, uint32_t(seq >> 32));
  store32(iv + 4, uint32_t(seq));
  nonce_of(key_, iv, nonce);
  aad_of(key_.spi, seq, aad);
  // The header and IV go in front of the payload: written last, after the pieces are read (in place, they lie behind them).
  uint8_t* text = out + kEspHeaderLen + kEspIvLen;
  int w = 0;
  if (EVP_EncryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce) != 1 || EVP_EncryptUpdate(ctx_, nullptr, &w, aad, sizeof aad) != 1) return 0;
  uint32_t len = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (EVP_EncryptUpdate(ctx_, text + len, &w, static_cast<const uint8_t*>(pieces[i].iov_base), int(pieces[i].iov_len)) != 1) return 0;
    len += uint32_t(w);
  }
  // GCM is a stream: what went in came out, byte for byte.
  const uint32_t pad = (4 - (len + 2) % 4) % 4;
  uint8_t trailer[kEspTrailerMax] = {1, 2, 3};  // padding 1, 2, 3 (RFC 4303 section 2.4)
  trailer[pad] = uint8_t(pad);
  trailer[pad + 1] = next_header;
  int tail = 0;
  if (EVP_EncryptUpdate(ctx_, text + len, &w, trailer, int(pad + 2)) != 1) return 0;
  const uint32_t plain = len + pad + 2;
  if (EVP_EncryptFinal_ex(ctx_, text + plain, &tail) != 1 || EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_GET_TAG, kEspIcvLen, text + plain) != 1) return 0;
  store32(out, key_.spi);
  store32(out + 4, uint32_t(seq));
  std::memcpy(out + kEspHeaderLen, iv, kEspIvLen);
  return kEspHeaderLen + kEspIvLen + plain + kEspIcvLen;
}

EspReceiver::EspReceiver(const EspKey& key, uint64_t seen_up_to) : key_(key), ctx_(new_gcm(key, false)), top_(seen_up_to) {
  if (seen_up_to) std::memset(window_, 0xff, sizeof window_);
}
EspReceiver::~EspReceiver() { EVP_CIPHER_CTX_free(ctx_); }

// The high half of a sequence number whose low half is `low`, as RFC 4303
// appendix A2.1 infers it from the window; 0 for one that cannot be (before
// the first).
uint64_t EspReceiver::infer(uint32_t low) const {
  const uint32_t tl = uint32_t(top_), th = uint32_t(top_ >> 32);
  const uint32_t bottom = tl - (kReplayWindow - 1);  // may wrap: then the window spans two subspaces
  uint32_t high;
  if (tl >= kReplayWindow - 1) {
    high = low >= bottom ? th : th + 1;
  } else {
    if (low >= bottom) {
      if (th == 0) return 0;
      high = th - 1;
    } else {
      high = th;
    }
  }
  return uint64_t(high) << 32 | low;
}

bool EspReceiver::seen(uint64_t seq) const {
  if (seq > top_) return false;
  if (top_ - seq >= kReplayWindow) return true;  // behind the window: taken as replayed
  const uint64_t bit = seq % kReplayWindow;
  return window_[bit / 64] >> (bit % 64) & 1;
}

void EspReceiver::mark(uint64_t seq) {
  if (seq > top_) {
    if (seq - top_ >= kReplayWindow) {
      std::memset(window_, 0, sizeof window_);
    } else {
      for (uint64_t s = top_ + 1; s <= seq; s++) window_[(s % kReplayWindow) / 64] &= ~(uint64_t(1) << (s % 64));
    }
    top_ = seq;
  }
  const uint64_t bit = seq % kReplayWindow;
  window_[bit / 64] |= uint64_t(1) << (bit % 64);
}

EspReceiver::Opened EspReceiver::open(uint8_t* esp, uint32_t len, uint8_t** payload, uint32_t* payload_len, uint8_t* next_header) {
  const uint32_t overhead = kEspHeaderLen + kEspIvLen + kEspIcvLen;
  if (len < overhead + 4 || (len - overhead) % 4) return Opened::malformed;
  const uint64_t seq = infer(load32(esp + 4));
  if (seq == 0 || seen(seq)) return Opened::replayed;
  uint8_t* iv = esp + kEspHeaderLen;
  uint8_t* text = iv + kEspIvLen;
  const uint32_t plain = len - overhead;
  uint8_t nonce[kNonceLen], aad[12];
  nonce_of(key_, iv, nonce);
  aad_of(key_.spi, seq, aad);
  int n = 0, tail = 0;
  if (EVP_DecryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce) != 1 || EVP_DecryptUpdate(ctx_, nullptr, &n, aad, sizeof aad) != 1 ||
      EVP_DecryptUpdate(ctx_, text, &n, text, int(plain)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_SET_TAG, kEspIcvLen, text + plain) != 1 || EVP_DecryptFinal_ex(ctx_, text + n, &tail) != 1)
    return Opened::auth_failed;
  mark(seq);  // only now: a forged packet must not move the window
  const uint32_t pad = text[plain - 2];
  if (pad + 2 > plain) return Opened::malformed;
  *next_header = text[plain - 1];
  *payload = text;
  *payload_len = plain - 2 - pad;
  return Opened::ok;
}

}  // namespace ferry
