#!/usr/bin/env node
// A Ferry engine from one build's addon, forwarding between two existing
// namespaces' eth0 (TAPs it creates there), for a measurement run under
// valgrind --tool=callgrind: it forwards until it has seen `packets` frames
// or `seconds` pass, prints how many it forwarded, and exits.
//   node forwarder.js ADDON NETNS_A NETNS_B PACKETS SECONDS
'use strict';
const [addonPath, nsA, nsB, packets, seconds] = process.argv.slice(2);
const { NativeEngine } = require(addonPath);
const engine = new NativeEngine({});
const domain = engine.createDomain({});
for (const ns of [nsA, nsB]) engine.addTapPort({ name: 'eth0', netns: `/run/netns/${ns}`, domain, persist: true });
process.stdout.write('ready\n');
const deadline = Date.now() + Number(seconds) * 1000;
const tick = () => {
  const s = engine.stats();
  const forwarded = s.worker.packets;
  if (forwarded >= Number(packets) || Date.now() > deadline) {
    process.stdout.write(`forwarded ${forwarded}\n`);
    engine.shutdown();
    return;
  }
  setTimeout(tick, 200);
};
setTimeout(tick, 200);
