import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configureInterface, createNetns, deleteNetns, run } from '../../src/netns';
import { macOf } from './measure';
import { sh, type Pair } from './topology';

/**
 * The reference for encrypted overlays: userspace WireGuard (Debian's
 * wireguard-go; this kernel has neither ESP nor WireGuard) between the same
 * two hosts as bench/lib/overlay-topology.ts, a veth underlay 192.0.2.1 and
 * .2. Each container sits on a veth to its host, which routes the other
 * container's subnet into its wg device (the kernel forwards between them in
 * these lab namespaces). WireGuard is layer 3, so this is a routed path, not
 * an L2 overlay: the closest thing to compare sealing cost with. MTU 1420,
 * wireguard-go's default over a 1500 underlay.
 */
const MTU = 1420;
const sides = [
  { underlay: '192.0.2.1', subnet: '10.201.1', device: 'fywg1' },
  { underlay: '192.0.2.2', subnet: '10.201.2', device: 'fywg2' },
] as const;


export async function wireguardPair(prefix: string): Promise<Pair> {
  const hostNs = [`${prefix}-wh1`, `${prefix}-wh2`];
  const ctrNs = [`${prefix}-wc1`, `${prefix}-wc2`];
  for (const ns of [...hostNs, ...ctrNs]) await createNetns(ns);
  const daemons: ChildProcess[] = [];
  const keyDir = mkdtempSync(path.join(tmpdir(), 'ferry-wg-'));
  const destroy = async () => {
    rmSync(keyDir, { recursive: true, force: true });
    for (const d of daemons) d.kill('SIGTERM');
    for (const ns of [...ctrNs, ...hostNs]) await deleteNetns(ns).catch(() => undefined);
  };
  try {
    await sh(hostNs[0]!, `ip link add ul0 type veth peer name ul0 netns ${hostNs[1]}`);
    const keys = await Promise.all([0, 1].map(async () => {
      const priv = (await run('wg', ['genkey'])).stdout.trim();
      return { priv, pub: (await run('wg', ['pubkey'], { input: priv + '\n' })).stdout.trim() };
    }));
    for (const i of [0, 1]) {
      const me = sides[i]!;
      const peer = sides[1 - i]!;
      await configureInterface(hostNs[i]!, { ifname: 'ul0', addresses: [`${me.underlay}/24`] });
      const d = spawn('ip', ['netns', 'exec', hostNs[i]!, 'wireguard-go', me.device], { env: { ...process.env, WG_PROCESS_FOREGROUND: '1' }, stdio: 'ignore' });
      daemons.push(d);
      for (let tries = 0; (await run('ip', ['-n', hostNs[i]!, 'link', 'show', me.device])).code !== 0; tries++) {
        if (tries > 50) throw new Error(`wireguard-go made no ${me.device} in ${hostNs[i]}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // wg reads the private key from a file (node's stdin pipe is a socket it cannot open).
      const keyFile = path.join(keyDir, `${me.device}.key`);
      writeFileSync(keyFile, keys[i]!.priv + '\n', { mode: 0o600 });
      const set = await run('ip', ['netns', 'exec', hostNs[i]!, 'wg', 'set', me.device, 'private-key', keyFile, 'listen-port', '51820', 'peer', keys[1 - i]!.pub, 'endpoint', `${peer.underlay}:51820`, 'allowed-ips', `${peer.subnet}.0/24`]);
      if (set.code !== 0) throw new Error(`wg set ${me.device}: ${set.stderr}`);
      await sh(hostNs[i]!, [
        `ip link set ${me.device} mtu ${MTU} up && ip route add ${peer.subnet}.0/24 dev ${me.device}`,
        `ip link add v0 type veth peer name eth0 netns ${ctrNs[i]} && ip addr add ${me.subnet}.1/24 dev v0 && ip link set v0 up`,
        'sysctl -qw net.ipv4.ip_forward=1',
      ].join(' && '));
      await configureInterface(ctrNs[i]!, { ifname: 'eth0', mtu: MTU, addresses: [`${me.subnet}.2/24`] });
      await sh(ctrNs[i]!, `ip route add default via ${me.subnet}.1`);
    }
    return {
      label: 'wireguard-go',
      clientNs: ctrNs[0]!,
      serverNs: ctrNs[1]!,
      clientIp: `${sides[0].subnet}.2`,
      serverIp: `${sides[1].subnet}.2`,
      clientMac: await macOf(ctrNs[0]!, 'eth0'),
      // A routed path: the client's frames go to its gateway, h1's end of the veth.
      serverMac: (await sh(hostNs[0]!, 'cat /sys/class/net/v0/address')).trim(),
      destroy,
    };
  } catch (e) {
    await destroy();
    throw e;
  }
}
