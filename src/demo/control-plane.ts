import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ferryCliOk, launchDaemon, stopDaemon } from './launch';
import { configureInterface, createNetns, execIn } from '../netns';
import { sweep } from './sweep';

/**
 * The demo's second part: the control plane as a user drives it. A daemon in
 * a namespace of its own (playing the host), a user-defined network, two
 * containers that find each other by name through the embedded resolver,
 * and a web server on a published port reached from a simulated outside host
 * (a namespace behind the daemon's uplink, 203.0.113.0/24), through Ferry's
 * NAT. Everything is named with `prefix` and removed at the end.
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
    const outNs = `${prefix}-out`;
    await createNetns(outNs);
    const link = await execIn(hostNs, ['ip', 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outNs]);
    if (link.code !== 0) throw new Error(`cannot make the uplink: ${link.stderr}`);
    await configureInterface(outNs, { ifname: 'eth0', addresses: ['203.0.113.2/24'] });
    daemon = await launchDaemon({
      netns: hostNs,
      stateDir: path.join(dir, 'state'),
      socket,
      netnsPrefix: `${prefix}-c`,
      resolvConf: path.join(dir, 'resolv.conf'),
      extraArgs: ['--uplink', 'up0', '--external-ip', '203.0.113.10/24'],
    });
    print(`ferry daemon running in namespace ${hostNs} (the "host"), socket ${socket}`);
    print(`uplink up0 with external address 203.0.113.10; an outside host ${outNs} at 203.0.113.2\n`);
    await show('network', 'ls');
    await show('network', 'create', '--subnet', '192.0.2.0/24', 'demo-net');
    await show('run', '-d', '--name', 'web', '--network', 'demo-net', '--', 'sleep', 'infinity');
    await show('run', '-d', '--name', 'client', '--network', 'demo-net', '--', 'sleep', 'infinity');
    await show('ps');
    const ping = await ferry('exec', 'client', '--', 'ping', '-c', '2', '-i', '0.2', '-W', '1', 'web');
    print('$ ferry exec client -- ping -c 2 web');
    print(ping.split('\n').filter((l) => /^PING|received/.test(l)).join('\n'));
    await show('exec', 'client', '--', 'dig', '+short', 'web');
    const stats = JSON.parse(await ferry('dns', 'stats', '--format', 'json')) as Record<string, number>;
    print(`resolver: ${stats.queries} queries, ${stats.answered} answered, ${stats.nxdomain} NXDOMAIN, ${stats.forwarded} forwarded`);
    await show('run', '-d', '--name', 'site', '--network', 'demo-net', '-p', '8080:80', '--', 'python3', '-m', 'http.server', '--bind', '0.0.0.0', '80');
    print('outside$ python3 -c "urllib.request.urlopen(\'http://203.0.113.10:8080/\')" | head -2');
    let page = '';
    for (let i = 0; i < 50 && !page; i++) {
      // (busybox wget crashes on this Debian release; Python asks instead)
      const r = await execIn(outNs, ['python3', '-c', "import urllib.request,sys;sys.stdout.write(urllib.request.urlopen('http://203.0.113.10:8080/',timeout=1).read().decode())"]);
      page = r.code === 0 ? r.stdout : '';
      if (!page) await new Promise((r) => setTimeout(r, 100));
    }
    if (!page) throw new Error('the published port did not answer from outside');
    print(page.split('\n').slice(0, 2).join('\n'));
    print('$ ferry logs site   (the server sees the outside client\'s own address)');
    print((await ferry('logs', 'site')).split('\n').filter((l) => l.includes('GET')).join('\n'));
    await show('conntrack');
    await show('rm', '-f', 'web', 'client', 'site');
    await show('network', 'rm', 'demo-net');
  } finally {
    await stopDaemon(daemon);
    sweep(prefix);
    rmSync(dir, { recursive: true, force: true });
  }
}
