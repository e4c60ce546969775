import { describe, expect, it } from 'vitest';
import { TunOffload } from '../../src/dataplane';
import { listLinks } from '../../src/netns';
import { useLab } from '../harness/lab';

/** Two namespaces on one Ferry bridge domain: ping, and a TSO TCP stream. */
describe('two namespaces on one bridge', () => {
  const lab = useLab();
  let domain: number;

  it('attaches both with the offloads the kernel accepts', async () => {
    domain = lab().engine.createDomain();
    const a = await lab().endpoint('a', domain, ['192.0.2.1/24']);
    const b = await lab().endpoint('b', domain, ['192.0.2.2/24']);
    for (const ep of [a, b]) {
      expect(ep.port.offloads & (TunOffload.CSUM | TunOffload.TSO4 | TunOffload.TSO6)).toBe(TunOffload.CSUM | TunOffload.TSO4 | TunOffload.TSO6);
    }
  });

  it('pings both ways', async () => {
    const out = await lab().check('a', ['ping', '-c', '3', '-i', '0.05', '-W', '1', '192.0.2.2']);
    expect(out).toMatch(/3 received/);
    expect(await lab().check('b', ['ping', '-c', '1', '-W', '1', '192.0.2.1'])).toMatch(/1 received/);
  });

  it('carries a TCP stream as GSO frames, without a retransmission storm', async () => {
    const server = lab().exec('b', ['iperf3', '-s', '-1', '-B', '192.0.2.2'], 30_000);
    await new Promise((r) => setTimeout(r, 300));
    const before = lab().engine.stats().ports;
    const client = await lab().check('a', ['iperf3', '-c', '192.0.2.2', '-t', '3', '-J'], 30_000);
    await server;
    const result = JSON.parse(client) as { end: { sum_sent: { retransmits: number; bytes: number; bits_per_second: number } } };
    const sent = result.end.sum_sent;
    expect(sent.bytes).toBeGreaterThan(100e6);
    // A storm would be thousands; a healthy stream over a lossless bridge has next to none.
    expect(sent.retransmits).toBeLessThan(100);

    const after = lab().engine.stats().ports;
    const aPort = after.find((p) => p.name === 'eth0' && p.id === before[0]!.id)!;
    const frames = aPort.rxPackets - before[0]!.rxPackets;
    const bytes = aPort.rxBytes - before[0]!.rxBytes;
    // 64 KB segments arrive whole: far larger on average than the 1500-byte MTU.
    expect(bytes / frames).toBeGreaterThan(8000);
    // Only the stream's own interval: a frame flooded before b was attached is no drop of this stream's.
    const dropped = Object.entries(aPort.drops).filter(([reason, n]) => n !== before[0]!.drops[reason as keyof typeof aPort.drops]);
    expect(dropped).toEqual([]);

    // The TAP's queue towards Ferry is sized so the stream never overflows it:
    // the kernel counts such overflow as TX drops on the container's eth0.
    const links = await listLinks(lab().name('a'));
    expect(links.find((l) => l.ifname === 'eth0')!.stats64!.tx.dropped).toBe(0);
  });
});
