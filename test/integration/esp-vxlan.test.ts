import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/dataplane';
import { attachEndpoint } from '../../src/endpoint';
import { configureInterface, netnsPath } from '../../src/netns';
import { useLab } from '../harness/lab';

const REPLAY = path.join(__dirname, '..', 'fixtures', 'udp-replay.py');

/**
 * Encrypted VXLAN between two engines (two Ferry "hosts", h1 and h2, on an
 * underlay 192.0.2.0/24): each has a sealed underlay (ESP in UDP, port 4500)
 * keyed for the other, a tunnel for VNI 4200 in a bridge domain, and a
 * container. Checked on the wire and in the counters: nothing readable
 * crosses, TSO frames still cross, and forged, altered or replayed
 * datagrams are dropped and counted.
 */
describe('encrypted VXLAN: ESP between two engines', () => {
  const lab = useLab();
  let engine2: Engine;
  const sealed: number[] = [];
  const generations = [0x1111, 0x2222];
  const secrets = [1, 2, 3, 4].map(() => randomBytes(32));
  const hosts = ['192.0.2.1', '192.0.2.2'];
  const sh = async (ns: string, cmd: string) => lab().check(ns, ['sh', '-c', cmd]);
  const ping = async (ns: string, ip: string, extra: string[] = []) => (await lab().exec(ns, ['ping', '-c', '2', '-i', '0.2', '-W', '1', ...extra, ip])).code === 0;
  const engines = () => [lab().engine, engine2] as const;
  /** Host i keyed for the other: it seals with sendEpoch and opens the given epochs. */
  const key = (i: number, sendEpoch: number, epochs: number[]) =>
    engines()[i]!.setEspPeer(sealed[i]!, { peer: hosts[1 - i]!, peerGeneration: generations[1 - i]!, sendEpoch, secrets: epochs.map((e) => ({ epoch: e, secret: secrets[e - 1]! })) });
  /** The sealed underlay's drops since set-up (what the hosts sent each other before both were keyed had no key). */
  const base: Record<string, number>[] = [];
  const counted = (i: number) => engines()[i]!.stats().ports.find((p) => p.id === sealed[i])!.drops as Record<string, number>;
  const drops = (i: number) => Object.fromEntries(Object.entries(counted(i)).map(([k, v]) => [k, v - (base[i]?.[k] ?? 0)]));

  it('sets up two hosts with sealed underlays, keyed for each other', async () => {
    engine2 = new Engine();
    lab().defer(() => engine2.shutdown());
    const h = [await lab().netns('h1'), await lab().netns('h2')];
    await sh(h[0]!, `ip link add u1 type veth peer name u2 netns ${h[1]}`);
    await configureInterface(h[0]!, { ifname: 'u1', addresses: ['192.0.2.1/24'] });
    await configureInterface(h[1]!, { ifname: 'u2', addresses: ['192.0.2.2/24'] });
    for (const i of [0, 1]) {
      const e = engines()[i]!;
      sealed[i] = e.addUnderlay({ address: hosts[i]!, port: 4500, sealed: true, generation: generations[i]!, netns: netnsPath(h[i]!) });
      e.addUnderlay({ address: hosts[i]!, netns: netnsPath(h[i]!) }); // a plain one beside it, as a daemon with plain networks has
      const domain = e.createDomain();
      const tunnel = e.addTunnel({ underlay: sealed[i]!, vni: 4200, domain });
      e.setTunnelHosts(tunnel, [hosts[1 - i]!]);
      await attachEndpoint(e, { netns: lab().name(`c${i + 1}`), domain, mtu: 1400, addresses: [`10.42.0.${i + 1}/24`] });
      key(i, 1, [1, 2]);
    }
    expect(lab().engine.stats().ports.find((p) => p.id === sealed[0])!.role).toBe('sealed_underlay');
    for (const i of [0, 1]) base[i] = counted(i);
    expect(lab().engine.espPeers(sealed[0]!)).toMatchObject([{ peer: '192.0.2.2', sendEpoch: 1, receiveSpis: [expect.any(Number), expect.any(Number)] }]);
  });

  it('ping both ways; the wire carries ESP on port 4500 and none of the payload', async () => {
    const dump = sh(lab().name('h2'), 'timeout 4 tcpdump -c 8 -nn -X -i u2 udp 2>/dev/null; true');
    await new Promise((r) => setTimeout(r, 500));
    // A pattern in the pings' payload: plain VXLAN would show it in the hex dump.
    expect(await ping(lab().name('c1'), '10.42.0.2', ['-p', 'c0ffee11c0ffee11'])).toBe(true);
    expect(await ping(lab().name('c2'), '10.42.0.1')).toBe(true);
    const wire = await dump;
    expect(wire).toMatch(/192\.0\.2\.1\.\d+ > 192\.0\.2\.2\.4500: UDP-encap: ESP\(spi=0x[0-9a-f]+,seq=0x[0-9a-f]+\)/);
    expect(wire).not.toMatch(/4789|VXLAN|ICMP/);
    expect(wire.replace(/\s+/g, '')).not.toMatch(/c0ffee11/);
  });

  it('TSO frames are cut and sealed datagram by datagram, and cross both ways', async () => {
    for (const [client, server, ip] of [['c1', 'c2', '10.42.0.2'], ['c2', 'c1', '10.42.0.1']] as const) {
      const srv = lab().exec(server, ['iperf3', '-s', '-1', '-B', ip], 30_000);
      await new Promise((r) => setTimeout(r, 300));
      const r = JSON.parse(await lab().check(client, ['iperf3', '-c', ip, '-t', '2', '-J'], 30_000));
      await srv;
      expect(r.end.sum_received.bytes).toBeGreaterThan(5e6);
    }
    // More datagrams left h1 than frames entered its tunnel: 64 KB frames went out as MSS-sized ESP packets.
    const ports = lab().engine.stats().ports;
    expect(ports.find((p) => p.id === sealed[0])!.txPackets).toBeGreaterThan(2 * ports.find((p) => p.role === 'tunnel')!.txPackets);
    for (const i of [0, 1]) expect(drops(i)).toMatchObject({ decrypt_failed: 0, replayed: 0, esp_unknown_spi: 0, esp_malformed: 0 });
  });

  it('a rotation heard by one host first loses nothing: each opens the epochs around its own', async () => {
    key(0, 2, [1, 2, 3]); // h1 seals with epoch 2 already, h2 still with 1
    expect(await ping(lab().name('c1'), '10.42.0.2')).toBe(true);
    expect(lab().engine.espPeers(sealed[0]!)[0]!.sendEpoch).toBe(2);
    key(1, 2, [1, 2, 3]);
    key(0, 2, [2, 3]); // epoch 1 retired
    key(1, 2, [2, 3]);
    expect(await ping(lab().name('c2'), '10.42.0.1')).toBe(true);
    for (const i of [0, 1]) expect(drops(i)).toMatchObject({ decrypt_failed: 0, replayed: 0, esp_unknown_spi: 0 });
  });

  it('replayed, forged and plain datagrams are dropped and counted, never delivered', async () => {
    const capture = `/tmp/${lab().prefix}-esp.pcap`;
    lab().defer(() => sh(lab().name('h2'), `rm -f ${capture}`));
    const dump = sh(lab().name('h2'), `timeout 4 tcpdump -c 4 -w ${capture} -i u2 'src host 192.0.2.1 and udp dst port 4500' 2>/dev/null; true`);
    await new Promise((r) => setTimeout(r, 500));
    await ping(lab().name('c1'), '10.42.0.2');
    await dump;
    const rx = () => engine2.stats().ports.find((p) => p.role === 'container')!.txPackets;
    const delivered = rx();
    const replayed = Number((await lab().check('h1', ['/usr/bin/python3', REPLAY, capture, '192.0.2.2', '4500'])).trim());
    expect(replayed).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(drops(1).replayed).toBe(replayed);
    // A forged packet under a real SPI does not authenticate; one under an unknown SPI has no key.
    const spi = engine2.espPeers(sealed[1]!)[0]!.receiveSpis[0]!;
    const forged = Buffer.concat([Buffer.from([spi >>> 24, (spi >>> 16) & 255, (spi >>> 8) & 255, spi & 255, 0, 0, 0, 9]), randomBytes(120)]);
    const send = (port: number, payload: Buffer) =>
      lab().check('h1', ['/usr/bin/python3', '-c', `import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(bytes.fromhex(sys.argv[1]), ("192.0.2.2", ${port}))`, payload.toString('hex')]);
    await send(4500, forged);
    await send(4500, Buffer.concat([Buffer.from([0, 0, 0, 7, 0, 0, 0, 1]), randomBytes(64)]));
    // A plain VXLAN datagram for the encrypted network's VNI, to the plain underlay.
    const frame = Buffer.concat([Buffer.from('ffffffffffff02000000000108060001080006040001', 'hex'), randomBytes(28)]);
    await send(4789, Buffer.concat([Buffer.from([0x08, 0, 0, 0, 0, 0x10, 0x68, 0]), frame]));
    await new Promise((r) => setTimeout(r, 300));
    expect(drops(1)).toMatchObject({ decrypt_failed: 1, esp_unknown_spi: 1 });
    const plain = engine2.stats().ports.find((p) => p.role === 'underlay')!.drops as Record<string, number>;
    expect(plain.vxlan_wrong_sealing).toBe(1);
    expect(rx()).toBe(delivered);
    expect(await ping(lab().name('c1'), '10.42.0.2')).toBe(true);
  });
});
