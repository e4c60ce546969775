import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ferryCliOk, launchDaemon, stopDaemon } from '../daemon/launch';
import { createNetns, sweep } from '../netns';

/**
 * The demo's second part: the control plane as a user drives it. A daemon in
 * a namespace of its own (playing the host), a user-defined network, two
 * containers that find each other by name through the embedded resolver.
 * Everything is named with `prefix` and removed at the end.
 */
export async function controlPlaneDemo(prefix: string, print: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-demo-'));
  const socket = path.join(dir, 'ferry.sock');
  writeFileSync(path.join(dir, 'resolv.conf'), ''); // the demo never asks a real resolver
  const hostNs = `${prefix}-host`;
  let daemon: Awaited<ReturnType<typeof launchDaemon>> | undefined;
  const ferry = async (...args: string[]) => (await ferryCliOk(socket, args)).trim();
  const show = async (...args: string[]) => {
    print(`$ ferry ${args.join(' ')}`);
    const out = await ferry(...args);
    if (out) print(out);
    return out;
  };
  try {
    await createNetns(hostNs);
    daemon = await launchDaemon({ netns: hostNs, stateDir: path.join(dir, 'state'), socket, netnsPrefix: `${prefix}-c`, resolvConf: path.join(dir, 'resolv.conf') });
    print(`ferry daemon running in namespace ${hostNs} (the "host"), socket ${socket}\n`);
    await show('network', 'ls');
    await show('network', 'create', '--subnet', '192.0.2.0/24', 'demo-net');
    await show('run', '-d', '--name', 'web', '--network', 'demo-net', '--', 'sleep', 'infinity');
    await show('run', '-d', '--name', 'client', '--network', 'demo-net', '--', 'sleep', 'infinity');
    await show('ps');
    const ping = await ferry('exec', 'client', '--', 'ping', '-c', '2', '-i', '0.2', '-W', '1', 'web');
    print('$ ferry exec client -- ping -c 2 web');
    print(ping.split('\n').filter((l) => /^PING|received/.test(l)).join('\n'));
    await show('exec', 'client', '--', 'dig', '+short', 'web');
    const stats = JSON.parse(await ferry('dns', 'stats')) as Record<string, number>;
    print(`resolver: ${stats.queries} queries, ${stats.answered} answered, ${stats.nxdomain} NXDOMAIN, ${stats.forwarded} forwarded`);
    await show('rm', '-f', 'web', 'client');
    await show('network', 'rm', 'demo-net');
  } finally {
    await stopDaemon(daemon);
    sweep(prefix);
    rmSync(dir, { recursive: true, force: true });
  }
}
