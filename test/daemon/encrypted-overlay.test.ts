import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execIn } from '../../src/netns';
import { useCluster, waitFor } from '../harness/etcd';

const FLIP = path.join(__dirname, '..', 'fixtures', 'flip-forwarder.py');
const REPLAY = path.join(__dirname, '..', 'fixtures', 'udp-replay.py');

type Port = { role: string; carries?: string; txPackets: number; drops: Record<string, number> };
type Keys = { epoch: number; peers: { peer: string; sendEpoch: number; sent: number; receiveSpis: number[] }[] };

/**
 * Encrypted overlay networks (issue 14): Docker's `--opt encrypted` between
 * two hosts, one daemon entered with nsenter, one with ip netns exec, on an
 * underlay 192.0.2.0/24 with a real etcd. What crosses the underlay is ESP
 * in UDP; nothing of the payload shows; altered and replayed datagrams are
 * dropped and counted; keys rotate under a TCP stream without loss; a plain
 * overlay between the same hosts goes on as it was. The store is etcd with
 * TLS and client certificates: only the daemons read the keyring.
 */
describe('encrypted overlay networks', () => {
  // etcd with TLS and client certificates: the keys of encrypted networks are the daemons' alone.
  const { underlay, hosts } = useCluster([{ ip: '192.0.2.1' }, { ip: '192.0.2.2', enter: 'ip-netns-exec' }], { tls: true });
  const [host1, host2] = hosts as [(typeof hosts)[0], (typeof hosts)[0]];
  const ports = async (d: typeof host1) => (JSON.parse(await d().ok('stats', '--json')) as { ports: Port[] }).ports;
  const sealedDrops = async (d: typeof host1) => (await ports(d)).find((p) => p.role === 'sealed_underlay')!.drops;
  const keys = async (d: typeof host1) => JSON.parse(await d().ok('node', 'keys', '--json')) as Keys;
  /** tcpdump on host2's underlay interface while fn runs: the hex dump. */
  const onTheWire = async (filter: string, fn: () => Promise<unknown>) => {
    const dump = execIn(host2().hostNs, ['sh', '-c', `timeout 4 tcpdump -c 40 -nn -X -i eth0 '${filter}' 2>/dev/null; true`], { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 500));
    await fn();
    return (await dump).stdout;
  };
  const PATTERN = 'c0ffee11c0ffee11';
  /** ICMP echo requests the container's stack took in (/proc/net/snmp). */
  const inEchos = async (d: typeof host1, c: string) => {
    const snmp = (await d().ok('exec', c, '--', 'cat', '/proc/net/snmp')).split('\n').filter((l) => l.startsWith('Icmp:'));
    const [names, values] = snmp.map((l) => l.split(/\s+/));
    return Number(values![names!.indexOf('InEchos')]);
  };
  /** c1 reaches c2 by name (after anything that may have cost host2 its lease). */
  const reachable = async () => expect(await waitFor(async () => (await host1().ferry('exec', 'c1', '--', 'ping', '-c', '1', '-W', '1', 'c2')).code === 0, 10_000)).toBe(true);

  it('the tutorial, encrypted: ping by name across hosts, and the underlay carries ESP with none of the payload', async () => {
    await host1().ok('network', 'create', '-d', 'overlay', '-o', 'encrypted', '--attachable', 'secnet');
    expect(await waitFor(async () => (await host2().ok('network', 'ls', '--format', '{{.Name}}')).includes('secnet'), 3000)).toBe(true);
    expect(JSON.parse(await host2().ok('network', 'inspect', 'secnet'))[0].Options).toMatchObject({ encrypted: '' });
    await host1().ok('run', '-d', '--name', 'c1', '--network', 'secnet', '--', 'sleep', 'infinity');
    await host2().ok('run', '-d', '--name', 'c2', '--network', 'secnet', '--', 'sleep', 'infinity');
    // The underlay's 1500 less VXLAN's 50 and ESP's 45.
    expect(await host1().ok('exec', 'c1', '--', 'ip', '-o', 'link', 'show', 'eth0')).toMatch(/mtu 1405 /);
    const wire = await onTheWire('udp', async () => {
      expect(await host1().ok('exec', 'c1', '--', 'ping', '-c', '2', '-W', '2', '-p', PATTERN, 'c2')).toMatch(/2 received/);
    });
    expect(await host2().ok('exec', 'c2', '--', 'ping', '-c', '2', '-W', '2', 'c1.secnet')).toMatch(/2 received/);
    expect(wire).toMatch(/192\.0\.2\.1\.\d+ > 192\.0\.2\.2\.4500: UDP-encap: ESP\(spi=0x[0-9a-f]+,seq=0x[0-9a-f]+\)/);
    expect(wire).not.toMatch(/VXLAN|ICMP/);
    expect(wire.replace(/\s+/g, '')).not.toContain(PATTERN);
    const k = await keys(host1);
    expect(k.epoch).toBe(1);
    expect(k.peers).toMatchObject([{ peer: '192.0.2.2', sendEpoch: 1 }]);
    expect(k.peers[0]!.sent).toBeGreaterThan(0);
    expect(k.peers[0]!.receiveSpis).toHaveLength(2); // epochs 1 and 2 (the next)
    // As a user reads it.
    const text = await host1().ok('node', 'keys');
    expect(text).toMatch(/^epoch 1 since \S+, rotated every 43200s\n/);
    expect(text).toMatch(/^PEER +SEAL EPOCH +SEAL SPI +SEALED +OPEN SPIS\n192\.0\.2\.2 +1 +0x[0-9a-f]{8} +\d+ +0x[0-9a-f]{8},0x[0-9a-f]{8}$/m);
  });

  it('the keyring is in etcd for the daemons alone: a client without a certificate is refused, and no API shows a secret', async () => {
    const withCert = await underlay.get('keyring/secrets/1');
    expect(Buffer.from(withCert.value!, 'base64')).toHaveLength(32);
    const without = await underlay.get('keyring/secrets/1', false);
    expect(without.value).toBeUndefined();
    expect(without.error).toBeDefined();
    const secret = withCert.value!;
    for (const args of [['node', 'keys', '--json'], ['network', 'inspect', 'secnet'], ['info', '--json'], ['stats', '--json']]) expect(await host1().ok(...args)).not.toContain(secret);
  });

  it('a plain overlay between the same hosts goes on in VXLAN beside it, its payload in the clear', async () => {
    await host2().ok('network', 'create', '-d', 'overlay', 'plainnet');
    await host1().ok('run', '-d', '--name', 'p1', '--network', 'plainnet', '--', 'sleep', 'infinity');
    await host2().ok('run', '-d', '--name', 'p2', '--network', 'plainnet', '--', 'sleep', 'infinity');
    const wire = await onTheWire('udp port 4789', async () => {
      expect(await host1().ok('exec', 'p1', '--', 'ping', '-c', '2', '-W', '2', '-p', PATTERN, 'p2')).toMatch(/2 received/);
    });
    expect(wire).toMatch(/VXLAN/);
    expect(wire.replace(/\s+/g, '')).toContain(PATTERN); // what the encrypted network's check would have seen
    expect(await host1().ok('exec', 'c1', '--', 'ping', '-c', '1', '-W', '2', 'c2')).toMatch(/1 received/);
  });

  it('a datagram altered on the underlay is dropped and counted (decrypt_failed), never delivered', async () => {
    // host2's switch port, through a forwarder that flips a byte of every ESP packet towards host2.
    const sw = underlay.switchNs;
    const sh = async (ns: string, cmd: string) => {
      const r = await execIn(ns, ['sh', '-c', cmd]);
      if (r.code !== 0) throw new Error(`${cmd}: ${r.stderr}`);
      return r.stdout;
    };
    const peerIndex = /eth0@if(\d+)/.exec(await sh(host2().hostNs, 'ip -o link show eth0'))![1];
    const port = /^\d+: ([^:@]+)/m.exec(await sh(sw, `ip -o link | grep '^${peerIndex}:'`))![1]!;
    await sh(sw, `ip link set ${port} nomaster && ip link add fa type veth peer name fb && ip link set fa master br0 && ip link set fa up && ip link set fb up`);
    // Frames no larger than the MTU both ways: the forwarder cannot cut a GSO frame.
    const offloads = (on: 'on' | 'off') => `ethtool -K eth0 tso ${on} gso ${on} tx-udp-segmentation ${on} >/dev/null 2>&1; true`;
    await sh(sw, `for i in fa fb ${port}; do ethtool -K $i tso off gso off gro off tx-udp-segmentation off >/dev/null 2>&1; done; true`);
    await sh(host2().hostNs, offloads('off'));
    const flipper = spawn('ip', ['netns', 'exec', sw, '/usr/bin/python3', FLIP, 'fb', port], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise((r) => flipper.stdout!.once('data', r));
      const before = await sealedDrops(host2);
      const echoes = await inEchos(host2, 'c2');
      const r = await host1().ferry('exec', 'c1', '--', 'ping', '-c', '3', '-i', '0.3', '-W', '1', 'c2');
      expect(r.stdout).toMatch(/0 received/);
      const after = await sealedDrops(host2);
      expect(after.decrypt_failed! - before.decrypt_failed!).toBeGreaterThanOrEqual(3);
      expect(await inEchos(host2, 'c2')).toBe(echoes); // not one echo request reached c2's stack
    } finally {
      flipper.kill();
      await sh(sw, `ip link del fa; ip link set ${port} master br0`);
      await sh(host2().hostNs, offloads('on'));
      // The forwarder may have slowed host2's lease renewals enough to lose it: back once renewed.
      await reachable();
    }
  });

  it('a replayed datagram is dropped and counted (replayed)', async () => {
    await reachable();
    const capture = path.join(host2().dir, 'esp.pcap');
    const dump = execIn(host2().hostNs, ['sh', '-c', `timeout 5 tcpdump -c 3 -w ${capture} -i eth0 'src host 192.0.2.1 and udp dst port 4500' 2>/dev/null; true`], { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 500));
    await host1().ok('exec', 'c1', '--', 'ping', '-c', '3', '-i', '0.2', '-W', '2', 'c2');
    await dump;
    const before = (await sealedDrops(host2)).replayed!;
    const sent = Number((await host1().host(['/usr/bin/python3', REPLAY, capture, '192.0.2.2', '4500'])).stdout.trim());
    expect(sent).toBe(3);
    expect(await waitFor(async () => (await sealedDrops(host2)).replayed! - before === 3, 2000)).toBe(true);
  });

  it('keys rotate during an iperf3 stream without loss: no ESP drop, retransmissions no higher than without rotation', async () => {
    await host2().ok('run', '-d', '--name', 'sink', '--network', 'secnet', '--', 'iperf3', '-s');
    await waitFor(async () => (await host2().ferry('exec', 'sink', '--', 'ss', '-ltn')).stdout.includes(':5201'), 3000);
    await reachable();
    const stream = async (seconds: number) => {
      const r = await host1().ferry('exec', 'c1', '--', 'iperf3', '-c', 'sink', '-t', String(seconds), '-J');
      const out = JSON.parse(r.stdout) as { error?: string; end: { sum_sent: { retransmits: number }; sum_received: { bytes: number } } };
      if (out.error) throw new Error(`iperf3: ${out.error}`);
      return out.end;
    };
    const calm = await stream(4);
    const drops = await Promise.all([sealedDrops(host1), sealedDrops(host2)]);
    const epoch = (await keys(host1)).epoch;
    const rotating = stream(4);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await host2().ok('node', 'rotate-keys')).toBe(`epoch ${epoch + 1}`);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await host1().ok('node', 'rotate-keys')).toBe(`epoch ${epoch + 2}`);
    const rotated = await rotating;
    for (const d of [host1, host2]) {
      const k = await keys(d);
      expect(k.epoch).toBe(epoch + 2);
      expect(k.peers[0]!.sendEpoch).toBe(epoch + 2);
    }
    const after = await Promise.all([sealedDrops(host1), sealedDrops(host2)]);
    for (const i of [0, 1])
      for (const reason of ['decrypt_failed', 'replayed', 'esp_unknown_spi', 'esp_no_key']) expect({ reason, lost: after[i]![reason]! - drops[i]![reason]! }).toEqual({ reason, lost: 0 });
    expect(rotated.sum_received.bytes).toBeGreaterThan(1e6);
    expect(rotated.sum_sent.retransmits).toBeLessThanOrEqual(calm.sum_sent.retransmits + 5);
  });

  it('a restarted daemon comes back with new keys, and the network works at once both ways (under ip netns exec, then nsenter)', async () => {
    for (const [restarted, other] of [[host2, host1], [host1, host2]] as const) {
      const spis = (await keys(other)).peers[0]!.receiveSpis;
      await restarted().stop();
      await restarted().start();
      expect(await waitFor(async () => (await keys(other)).peers[0]!.receiveSpis.join() !== spis.join(), 5000)).toBe(true);
      expect(await host1().ok('exec', 'c1', '--', 'ping', '-c', '2', '-W', '2', 'c2')).toMatch(/2 received/);
      expect(await host2().ok('exec', 'c2', '--', 'ping', '-c', '2', '-W', '2', 'c1')).toMatch(/2 received/);
    }
  });
});
