// ESP (RFC 4303) with AES-256-GCM (RFC 4106), the sealing of encrypted
// overlay networks (`-o encrypted`): each VXLAN datagram between two hosts
// becomes an ESP packet carried in UDP on port 4500 (RFC 3948).
//
// Why ESP and not a framing of our own: its format, nonce rules and replay
// window are specified and reviewed, tcpdump and Wireshark decode it, and a
// host whose kernel has ESP could in principle hold the same security
// association. The protected payload is what a transport-mode SA would
// carry for a UDP datagram to port 4789: a UDP header (checksum 0) and the
// VXLAN header and frame, with Next Header 17. That costs 8 bytes a datagram
// and keeps the packet meaningful to any ESP implementation.
//
// Layout: SPI (4) | sequence, low 32 bits (4) | IV (8) | ciphertext |
// ICV (16). The IV is the 64-bit sequence number: unique per key, as GCM
// requires. Sequence numbers are 64-bit (extended sequence numbers, RFC
// 4303 section 2.2.1): only the low half travels; both halves are
// authenticated (AAD = SPI, high, low, RFC 4106 section 5), and the
// receiver infers the high half from its window (RFC 4303 appendix A). A
// 32-bit counter would wrap in 72 minutes at a million packets a second,
// within the 12-hour key lifetime.
//
// Replay (RFC 4303 section 3.4.3): a window of kReplayWindow sequence
// numbers behind the highest seen; a packet below the window or already
// marked is dropped before decryption, and the window moves only after the
// packet has authenticated. 1024, not the RFC's default 64: the sender's
// batches leave through several sockets and GRO merges by flow, so packets
// arrive reordered by more than 64.
#pragma once
#include <sys/uio.h>

#include <cstdint>
#include <string>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace ferry {

constexpr uint32_t kEspHeaderLen = 8;  // SPI, sequence (low)
constexpr uint32_t kEspIvLen = 8;
constexpr uint32_t kEspIcvLen = 16;
constexpr uint32_t kEspTrailerMax = 3 + 2;  // padding to 4 bytes, pad length, next header
constexpr uint32_t kEspOverhead = kEspHeaderLen + kEspIvLen + kEspTrailerMax + kEspIcvLen;  // at most, around a payload
constexpr uint16_t kEspInUdpPort = 4500;

// One direction's key material: AES-256 key, the 4-byte salt of the GCM
// nonce, and the SPI the receiver knows it by (never below 256: RFC 4303
// reserves 1-255).
struct EspKey {
  uint8_t key[32];
  uint8_t salt[4];
  uint32_t spi;
};

// Where one key is used: from one host to another (IPv4, host order), in
// one epoch (the cluster's rotation number), between one run of each of
// their daemons (a generation: random, new at every start). Derived with
// HKDF-SHA256 from the epoch's cluster secret; both hosts derive the same
// key, so nothing is exchanged. The generations make a restarted daemon's
// keys new: its sequence numbers start again at 1, and reusing a key with
// them would reuse GCM nonces.
struct EspDirection {
  uint32_t from, to, epoch, from_generation, to_generation;
};
bool derive_esp_key(const uint8_t* secret, uint32_t secret_len, const EspDirection& d, EspKey* out, std::string* error);

// Why an ESP packet was not opened: counted on the sealed underlay port
// (native/dataplane/drops.h puts these right after the core's reasons).
#define FERRY_ESP_DROPS(X)                                                                             \
  X(esp_malformed, "an ESP packet too short, misaligned, or not carrying a VXLAN datagram in UDP")    \
  X(esp_unknown_spi, "an ESP packet whose SPI no key of this host has (another cluster, or a retired epoch)") \
  X(decrypt_failed, "an ESP packet that did not authenticate: altered, or sealed with another key")   \
  X(replayed, "an ESP packet whose sequence number was already seen or is behind the replay window") \
  X(esp_no_key, "a datagram for a host no key to seal with is installed for (not sent)")

enum class EspDrop : uint16_t {
#define FERRY_X(name, help) name,
  FERRY_ESP_DROPS(FERRY_X)
#undef FERRY_X
      count
};

class EspSender {
 public:
  // `last_sequence`: where the count starts (the first packet is one more); tests start near 2^32.
  explicit EspSender(const EspKey& key, uint64_t last_sequence = 0);
  ~EspSender();
  EspSender(const EspSender&) = delete;
  EspSender& operator=(const EspSender&) = delete;

  // Seals in place: the payload (len bytes) is at esp + kEspHeaderLen +
  // kEspIvLen; the header and IV are written in front of it, the trailer
  // and ICV after it (room for kEspTrailerMax + kEspIcvLen). Returns the ESP
  // packet's length, 0 if the sequence numbers are spent (a new key is due).
  uint32_t seal(uint8_t* esp, uint32_t len, uint8_t next_header);
  // Seals the payload gathered from pieces[0..n) into out: header, IV,
  // ciphertext, trailer and ICV (room for kEspOverhead + the payload).
  // The pieces may be where the payload of seal() lies (in place).
  uint32_t seal_pieces(uint8_t* out, const struct iovec* pieces, uint32_t n, uint8_t next_header);
  uint64_t sequence() const { return seq_; }
  uint32_t spi() const { return key_.spi; }
  const EspKey& key() const { return key_; }

 private:
  EspKey key_;
  EVP_CIPHER_CTX* ctx_;
  uint64_t seq_ = 0;  // the last one used; the first packet is 1
};

class EspReceiver {
 public:
  static constexpr uint32_t kReplayWindow = 1024;
  enum class Opened { ok, malformed, replayed, auth_failed };

  // `seen_up_to`: sequence numbers up to it count as seen (a receiver made
  // again for a key it had before: what it accepted then is not accepted again).
  explicit EspReceiver(const EspKey& key, uint64_t seen_up_to = 0);
  ~EspReceiver();
  EspReceiver(const EspReceiver&) = delete;
  EspReceiver& operator=(const EspReceiver&) = delete;

  // Opens in place the ESP packet at esp (len bytes, SPI already matched):
  // on ok, the payload is at *payload (inside esp), *payload_len bytes,
  // with its next header.
  Opened open(uint8_t* esp, uint32_t len, uint8_t** payload, uint32_t* payload_len, uint8_t* next_header);
  uint32_t spi() const { return key_.spi; }
  const EspKey& key() const { return key_; }
  uint64_t highest() const { return top_; }

 private:
  uint64_t infer(uint32_t low) const;
  bool seen(uint64_t seq) const;
  void mark(uint64_t seq);

  EspKey key_;
  EVP_CIPHER_CTX* ctx_;
  uint64_t top_ = 0;  // the highest sequence number authenticated
  uint64_t window_[kReplayWindow / 64] = {};  // bit (seq % kReplayWindow): seen
};

}  // namespace ferry
