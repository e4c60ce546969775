import { describe, expect, it } from 'vitest';
import { execIn } from '../../src/netns';
import { useDaemon } from '../harness/daemon';
import { UPLINK_ARGS, outside } from '../harness/outside';

/** A UDP echo server: every datagram back to its sender, as it came. */
const ECHO = (port: number) => `import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('', ${port}))
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(data, peer)`;

/** Sends `count` datagrams of `size` random bytes and checks each answer byte for byte. */
const EXCHANGE = (host: string, port: number, size: number, count: number) => `import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(${count}):
    data = os.urandom(${size})
    s.sendto(data, ('${host}', ${port}))
    back, _ = s.recvfrom(65535)
    if back != data:
        sys.exit('datagram %d came back different: %d bytes' % (i, len(back)))
print('ok')`;

/** Fragments crafted with scapy from the far host, to the published port. */
const CRAFT = (script: string) => `from scapy.all import IP, UDP, Raw, send, conf
conf.verb = 0
${script}`;

describe('IPv4 fragments through the NAT: reassembly, translation, fragmentation again', () => {
  const d = useDaemon([...UPLINK_ARGS, '--ipfrag-time', '2'], outside);
  const far = (argv: string[]) => execIn(`${d().prefix}-far`, argv, { timeoutMs: 30_000 });
  const router = (argv: string[]) => execIn(`${d().prefix}-out`, argv, { timeoutMs: 30_000 });
  const stats = async () => JSON.parse(await d().ok('stats', '--json')) as { stages: Record<string, Record<string, number>>; ports: { drops: Record<string, number> }[] };
  const drops = async (reason: string) => (await stats()).ports.reduce((a, p) => a + (p.drops[reason] ?? 0), 0);
  const reassembly = async () => (await stats()).stages['ip4-reassembly']!;

  it('4,000-byte UDP datagrams through SNAT, both directions, come back byte for byte', async () => {
    const server = far(['python3', '-c', ECHO(7100)]);
    try {
      await d().ok('run', '-d', '--name', 'client', '--', 'sleep', 'infinity');
      await new Promise((r) => setTimeout(r, 300));
      expect(await d().ok('exec', 'client', '--', 'python3', '-c', EXCHANGE('198.51.100.2', 7100, 4000, 5))).toBe('ok');
    } finally {
      await far(['pkill', '-f', '7100\\)\\)']); // the echo server's bind line
      await server;
    }
    const s = await stats();
    // Out: the container's fragments made whole, then cut again for the uplink; back: the far host's, then cut for the container.
    expect(s.stages['ip4-reassembly']!.reassembled).toBeGreaterThanOrEqual(10);
    expect(s.stages['ip4-forward']!.fragmented).toBeGreaterThanOrEqual(10);
  });

  it('a published UDP port takes fragmented datagrams from outside and its answers leave fragmented', async () => {
    await d().ok('run', '-d', '--name', 'echo', '-p', '7200:7200/udp', '--', 'python3', '-c', ECHO(7200));
    await new Promise((r) => setTimeout(r, 500));
    expect((await far(['python3', '-c', EXCHANGE('192.0.2.10', 7200, 4000, 5)])).stdout.trim()).toBe('ok');
  });

  it('overlapping fragments drop the datagram, an incomplete one times out, both counted', async () => {
    const overlap = await drops('frag_overlap');
    const timeout = await drops('frag_timeout');
    const crafted = CRAFT(`payload = bytes(2000)
first = IP(dst='192.0.2.10', id=4242, flags='MF', frag=0) / UDP(sport=5000, dport=7200) / Raw(payload[:1000])
second = IP(dst='192.0.2.10', id=4242, proto=17, frag=64) / Raw(payload[500:1300])  # offset 512 < 1008: overlaps
send([first, second])
send(IP(dst='192.0.2.10', id=4343, flags='MF', frag=0) / UDP(sport=5001, dport=7200) / Raw(payload[:1000]))  # never completed`);
    const r = await far(['/usr/bin/python3', '-c', crafted]);
    expect(r.code, r.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(await drops('frag_overlap')).toBe(overlap + 2); // the overlapping fragment and the datagram it spoiled
    expect((await reassembly()).in_progress).toBe(1);
    await new Promise((r) => setTimeout(r, 3500));
    expect(await drops('frag_timeout')).toBe(timeout + 1);
    expect((await reassembly()).in_progress).toBe(0);
  });

  it('a flood of fragments stays within its bound while other traffic goes on', async () => {
    const poolEmpty = (await d().ok('stats', '--json').then((t) => JSON.parse(t) as { worker: { poolEmpty: number } })).worker.poolEmpty;
    const limited = await drops('frag_limit');
    const flood = CRAFT(`send([IP(dst='192.0.2.10', id=i, flags='MF', frag=0) / UDP(sport=6000, dport=7200) / Raw(bytes(1000)) for i in range(300)])`);
    const r = await far(['/usr/bin/python3', '-c', flood]);
    expect(r.code, r.stderr).toBe(0);
    const during = await reassembly();
    expect(during.in_progress).toBeLessThanOrEqual(16); // one source: at most 16 datagrams held
    expect((await drops('frag_limit')) - limited).toBeGreaterThanOrEqual(300 - 16);
    // The flooding source has used its share; whole datagrams from it, and fragmented ones from another source, still pass.
    expect((await far(['python3', '-c', EXCHANGE('192.0.2.10', 7200, 1000, 3)])).stdout.trim()).toBe('ok');
    expect((await router(['python3', '-c', EXCHANGE('192.0.2.10', 7200, 4000, 3)])).stdout.trim()).toBe('ok');
    const after = JSON.parse(await d().ok('stats', '--json')) as { worker: { poolEmpty: number } };
    expect(after.worker.poolEmpty).toBe(poolEmpty);
  });
});
