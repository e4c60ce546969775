// libFuzzer target: the parse stage and the L2 stages behind it (port
// security, the learning bridge with its per-port limit and its MTU check),
// on one plain bridge domain of three containers and a host port: each input
// is up to four frames (records.h), with or without a virtio-net header, as
// TAP hands them. Nothing routes here; fuzz/targets/router_fuzz.cc does.
//
// Besides the sanitizers: every frame the bridge sends is at least an
// Ethernet header long, and no frame with a multicast source ever leaves.
#include <cstdlib>
#include <memory>
#include <vector>

#include "dataplane/dataplane.h"
#include "l2/ethernet.h"
#include "memory_port.h"
#include "records.h"

using namespace ferry;

namespace {

constexpr int kPorts = 4;

struct Bridge {
  Dataplane dp{DataplaneConfig{}};
  std::vector<SentFrame> out[kPorts];
  uint32_t port[kPorts];
  uint32_t domain = 0;

  Bridge() {
    dp.engine().run([&](Engine&) {
      domain = dp.domains().create(1024, 300);
      for (int i = 0; i < kPorts; i++) {
        port[i] = dp.attach_bridge_port(std::make_unique<MemoryPort>("m" + std::to_string(i), out[i]), i == 3 ? PortRole::host : PortRole::container, domain);
        dp.engine().port(port[i])->mtu = 1500;
      }
      // Port 0 is a secured container: the golden frames' A.
      PortIdentity id;
      id.mac = 0x02000000000aull;
      id.ipv4 = 0xc0000201;
      id.ipv6.push_back({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
      dp.set_identity(port[0], &id);
      dp.domains().get(domain)->macs.add_static(id.mac, port[0]);
    });
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Bridge* bridge = new Bridge();  // lives for the process: the engine's worker keeps running
  fuzz::Records records(data, size);
  fuzz::Record rec;
  bridge->dp.engine().run([&](Engine& e) {
    for (int i = 0; i < 4 && records.next(rec); i++) e.inject(bridge->port[rec.port % kPorts], rec.frame, rec.len, rec.vnet, rec.dry);
    bridge->dp.domains().get(bridge->domain)->macs.age(e.now_seconds(), 0);  // learned MACs go: the next input starts alike
  });
  for (auto& o : bridge->out) {
    for (const SentFrame& f : o)
      if (f.bytes.size() < 14 || (f.bytes[6] & 1)) std::abort();
    o.clear();
  }
  return 0;
}
