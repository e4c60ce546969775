#include "crypto/esp_peers.h"

#include <algorithm>
#include <cstring>

namespace ferry {

namespace {
bool same_key(const EspKey& a, const EspKey& b) { return std::memcmp(&a, &b, sizeof a) == 0; }
}  // namespace

bool EspPeers::set_peer(const EspPeerConfig& c, std::string* error) {
  // Everything is derived first: a refusal changes nothing.
  EspKey send{};
  bool have_send = false;
  std::vector<EspKey> receive;
  for (const EspEpochSecret& s : c.secrets) {
    EspKey k;
    if (!derive_esp_key(s.secret.data(), uint32_t(s.secret.size()), {c.peer, local_, s.epoch, c.peer_generation, generation_}, &k, error)) return false;
    receive.push_back(k);
    if (s.epoch == c.send_epoch) {
      if (!derive_esp_key(s.secret.data(), uint32_t(s.secret.size()), {local_, c.peer, s.epoch, generation_, c.peer_generation}, &send, error)) return false;
      have_send = true;
    }
  }
  if (!have_send) {
    *error = "no secret for the epoch to seal with (" + std::to_string(c.send_epoch) + ")";
    return false;
  }
  Peer& p = peers_[c.peer];
  for (const EspKey& k : receive) {
    auto it = receivers_.find(k.spi);
    if (it != receivers_.end() && !same_key(it->second->key(), k) && std::find(p.spis.begin(), p.spis.end(), k.spi) == p.spis.end()) {
      if (!p.sender) peers_.erase(c.peer);
      *error = "SPI " + std::to_string(k.spi) + " is already another peer's; rotate the keys";
      return false;
    }
  }
  // Receivers: keep the unchanged, make the new, retire the rest.
  std::vector<uint32_t> spis;
  for (const EspKey& k : receive) {
    auto it = receivers_.find(k.spi);
    if (it == receivers_.end() || !same_key(it->second->key(), k)) {
      if (it != receivers_.end()) retire(k.spi);
      receivers_[k.spi] = std::make_unique<EspReceiver>(k, resume(received_before_, k));
    }
    spis.push_back(k.spi);
  }
  for (uint32_t spi : p.spis)
    if (std::find(spis.begin(), spis.end(), spi) == spis.end()) retire(spi);
  p.spis = spis;
  if (!p.sender || !same_key(p.sender->key(), send)) {
    retire(p.sender);
    p.sender = std::make_unique<EspSender>(send, resume(sent_before_, send));
  }
  p.send_epoch = c.send_epoch;
  return true;
}

uint64_t EspPeers::resume(const std::unordered_map<uint32_t, Retired>& before, const EspKey& k) {
  auto it = before.find(k.spi);
  return it != before.end() && same_key(it->second.key, k) ? it->second.sequence : 0;
}

void EspPeers::retire(std::unique_ptr<EspSender>& s) {
  if (!s) return;
  sent_before_[s->spi()] = {s->key(), s->sequence()};
  s.reset();
}

void EspPeers::retire(uint32_t spi) {
  auto it = receivers_.find(spi);
  if (it == receivers_.end()) return;
  received_before_[spi] = {it->second->key(), std::max(resume(received_before_, it->second->key()), it->second->highest())};
  receivers_.erase(it);
}

void EspPeers::remove_peer(uint32_t peer) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  for (uint32_t spi : it->second.spis) retire(spi);
  retire(it->second.sender);
  peers_.erase(it);
}

std::vector<EspPeerState> EspPeers::state() const {
  std::vector<EspPeerState> out;
  for (const auto& [host, p] : peers_) out.push_back({host, p.send_epoch, p.sender->spi(), p.sender->sequence(), p.spis});
  std::sort(out.begin(), out.end(), [](const EspPeerState& a, const EspPeerState& b) { return a.peer < b.peer; });
  return out;
}

}  // namespace ferry
