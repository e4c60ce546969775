import { describe, expect, it } from 'vitest';
import type { TracedPacket } from '../../src/dataplane';
import { parseRateLimit } from '../../src/container/rate-limit';
import { useDaemon } from '../harness/daemon';

/** The rate-limit stage (docs/stages.md's worked example) through `ferry run --rate-limit`. */
describe('--rate-limit', () => {
  const d = useDaemon();
  const portOf = async (name: string) => {
    const stats = JSON.parse(await d().ok('stats', '--json')) as { ports: { carries?: string; drops: Record<string, number>; rxBytes: number }[] };
    return stats.ports.find((p) => p.carries === `${name}/eth0 on rl`)!;
  };

  it('parses tc-style rates', () => {
    expect(parseRateLimit('100mbit')).toEqual({ bytesPerSecond: 12_500_000 });
    expect(parseRateLimit('2MBps')).toEqual({ bytesPerSecond: 2_000_000 });
    expect(parseRateLimit('20kpps')).toEqual({ packetsPerSecond: 20_000 });
    expect(() => parseRateLimit('fast')).toThrow(/--rate-limit fast: expected NUMBER followed by bit, kbit/);
  });

  it('polices what a limited container sends, and only its', async () => {
    await d().ok('network', 'create', '--subnet', '10.95.0.0/24', 'rl');
    await d().ok('run', '-d', '--name', 'sink', '--network', 'rl', '--', 'sh', '-c', 'iperf3 -s -D; sleep infinity');
    await d().ok('run', '-d', '--name', 'slow', '--network', 'rl', '--rate-limit', '20mbit', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'fast', '--network', 'rl', '--', 'sleep', 'infinity');
    const sink = await d().ip('sink', 'rl');
    await new Promise((r) => setTimeout(r, 300));
    const before = await portOf('slow');
    const slow = JSON.parse(await d().ok('exec', 'slow', '--', 'iperf3', '-c', sink, '-t', '2', '-J')) as { end: { sum_received: { bytes: number } } };
    const after = await portOf('slow');
    expect(after.drops.rate_limited - before.drops.rate_limited).toBeGreaterThan(0);
    // 20 Mbit/s for 2 s is 5 MB; with the bucket's depth and TCP's probing, well under twice that.
    expect(slow.end.sum_received.bytes).toBeLessThan(10e6);
    const fast = JSON.parse(await d().ok('exec', 'fast', '--', 'iperf3', '-c', sink, '-t', '1', '-J')) as { end: { sum_received: { bytes: number } } };
    expect(fast.end.sum_received.bytes).toBeGreaterThan(50e6);
    expect((await portOf('fast')).drops.rate_limited).toBe(0);
    expect(((await d().inspect('slow')) as unknown as { HostConfig: { FerryRateLimit: string } }).HostConfig.FerryRateLimit).toBe('20mbit');
  });

  it('shows in a trace; ports without a limit are told so', async () => {
    const p = JSON.parse(await d().ok('trace', '--json', '--inject', 'slow', '--', 'icmp', await d().ip('slow', 'rl'), '>', await d().ip('sink', 'rl'))) as TracedPacket;
    expect(p.steps.filter((s) => s.kind === 'next').map((s) => `${s.stage} ${s.text}`).slice(0, 3)).toEqual(['parse -> port-security', 'port-security -> rate-limit', 'rate-limit -> bridge']);
    expect(p.steps.find((s) => s.kind === 'stage' && s.stage === 'rate-limit')!.text).toMatch(/^within the limit of 2500000 bytes\/s: costs \d+, \d+ in the bucket$/);
    const q = JSON.parse(await d().ok('trace', '--json', '--inject', 'fast', '--', 'icmp', await d().ip('fast', 'rl'), '>', await d().ip('sink', 'rl'))) as TracedPacket;
    expect(q.steps.find((s) => s.kind === 'stage' && s.stage === 'rate-limit')!.text).toBe('no limit on this port');
  });

  it('the stage is bypassed again once no container has a limit', async () => {
    await d().ok('rm', '-f', 'slow');
    const p = JSON.parse(await d().ok('trace', '--json', '--inject', 'fast', '--', 'icmp', await d().ip('fast', 'rl'), '>', await d().ip('sink', 'rl'))) as TracedPacket;
    expect(p.steps.filter((s) => s.kind === 'next').map((s) => `${s.stage} ${s.text}`).slice(0, 2)).toEqual(['parse -> port-security', 'port-security -> bridge']);
  });

  it('refuses a rate it cannot read, creating nothing', async () => {
    const r = await d().ferry('run', '-d', '--name', 'bad', '--rate-limit', '10 furlongs', '--', 'sleep', '1');
    expect(r.stderr).toBe('ferry: --rate-limit 10 furlongs: expected NUMBER followed by bit, kbit, mbit, gbit, bps, kbps, mbps, gbps, pps, kpps or mpps (for example 100mbit)\n');
    expect((await d().ferry('inspect', 'bad')).code).not.toBe(0);
  });
});
