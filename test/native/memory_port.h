// A port in memory, for stage tests without root, TAP or kernel: what the
// test hands it comes in; what the graph sends it is kept, bytes and vnet
// header, for the test to check.
#pragma once
#include <deque>
#include <vector>

#include "core/port.h"

namespace ferry {

struct SentFrame {
  std::vector<uint8_t> bytes;
  VnetHdr vnet;
};

class MemoryPort : public Port {
 public:
  uint32_t rx_burst(PacketPool&, Packet**, uint32_t) override { return 0; }  // frames come in by Engine::inject
  void tx_burst(Packet* const* pkts, uint32_t n) override {
    for (uint32_t i = 0; i < n; i++) {
      sent.push_back({std::vector<uint8_t>(pkts[i]->data, pkts[i]->data + pkts[i]->len), pkts[i]->vnet});
      counters.tx_packets++;
      counters.tx_bytes += pkts[i]->len;
    }
  }
  int rx_fd() const override { return -1; }
  const char* kind() const override { return "memory"; }

  std::vector<SentFrame>& sent;  // owned by the test, so it outlives the port
  MemoryPort(std::string n, std::vector<SentFrame>& out) : sent(out) { name = std::move(n); }
};

}  // namespace ferry
