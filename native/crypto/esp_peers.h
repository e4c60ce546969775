// The security associations of the sealed underlay (encrypted overlay
// networks, `-o encrypted`): for each peer host, the sender of the epoch
// this host seals with, and receivers for every epoch the control plane
// says the peer may seal with. The control plane keeps three epochs'
// secrets (src/cluster/keyring.ts): the one before, the current and the
// next. Receivers for the next exist before any host seals with it, and
// those for the one before stay until the rotation after: a rotation loses
// no packet in flight, whichever host changes first.
//
// The control plane sends the whole configuration of a peer each time;
// what did not change is kept as it is. That matters: a sender made anew
// with the same key would count its sequence numbers from 1 again and
// reuse GCM nonces, and a receiver made anew would forget its replay
// window. For the same reason a key that goes is remembered (by SPI, with
// its last sequence number): should it come back, its sender goes on
// counting and its receiver takes nothing up to there. Keys are derived
// here (esp.h), from the secrets, the two addresses and the two daemons'
// generations.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/esp.h"

namespace ferry {

struct EspEpochSecret {
  uint32_t epoch = 0;
  std::vector<uint8_t> secret;
};

struct EspPeerConfig {
  uint32_t peer = 0;  // IPv4, host order
  uint32_t peer_generation = 0;
  uint32_t send_epoch = 0;               // one of the secrets' epochs
  std::vector<EspEpochSecret> secrets;   // what the peer may seal with
};

// What a peer's associations are now, for statistics and tests.
struct EspPeerState {
  uint32_t peer = 0;
  uint32_t send_epoch = 0, send_spi = 0;
  uint64_t sent = 0;  // sequence numbers used by the sender
  std::vector<uint32_t> receive_spis;
};

class EspPeers {
 public:
  EspPeers(uint32_t local, uint32_t generation) : local_(local), generation_(generation) {}

  // Installs the peer's associations, keeping those whose key is unchanged.
  // False (nothing changed) with *error when a secret is short, the send
  // epoch has none, or an SPI is another peer's.
  bool set_peer(const EspPeerConfig& c, std::string* error);
  void remove_peer(uint32_t peer);

  // The sender towards a peer, nullptr when there is none.
  EspSender* sender(uint32_t peer) const {
    auto it = peers_.find(peer);
    return it == peers_.end() ? nullptr : it->second.sender.get();
  }
  // The receiver an SPI names, nullptr when there is none.
  EspReceiver* receiver(uint32_t spi) const {
    auto it = receivers_.find(spi);
    return it == receivers_.end() ? nullptr : it->second.get();
  }
  std::vector<EspPeerState> state() const;
  uint32_t local() const { return local_; }
  uint32_t generation() const { return generation_; }

 private:
  struct Peer {
    uint32_t send_epoch = 0;
    std::unique_ptr<EspSender> sender;
    std::vector<uint32_t> spis;  // its receivers
  };

  uint32_t local_, generation_;
  std::unordered_map<uint32_t, Peer> peers_;
  std::unordered_map<uint32_t, std::unique_ptr<EspReceiver>> receivers_;  // by SPI
  // Keys that went, by SPI: the last sequence number sent, or the highest received. A few bytes per epoch.
  struct Retired {
    EspKey key;
    uint64_t sequence;
  };
  std::unordered_map<uint32_t, Retired> sent_before_, received_before_;
  void retire(std::unique_ptr<EspSender>& s);
  void retire(uint32_t spi);
  // Where a key's count resumes: its retired sequence number, or 0.
  static uint64_t resume(const std::unordered_map<uint32_t, Retired>& before, const EspKey& k);
};

}  // namespace ferry
