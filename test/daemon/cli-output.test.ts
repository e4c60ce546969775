import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';
import { UPLINK_ARGS, outside } from '../harness/outside';

const ferry = path.join(__dirname, '..', '..', 'bin', 'ferry');

/**
 * Output is never cut: 20,000 NAT flows listed by `ferry conntrack` (and as
 * JSON) arrive whole through a pipe whose reader starts a second late and
 * then reads slowly. Writing and then calling process.exit() used to cut a
 * pipe's output at 64 KiB, with exit code 0.
 */
describe('ferry output through a slow pipe', () => {
  const d = useDaemon(UPLINK_ARGS, outside);
  /** What a slow reader got of `ferry ARGS`; the pipeline (ferry included) must succeed. */
  const throughSlowPipe = async (...args: string[]) => {
    // The reader starts after a second, then takes a chunk every 2 ms.
    const reader = "setTimeout(()=>process.stdin.on('data',c=>{process.stdin.pause();process.stdout.write(c);setTimeout(()=>process.stdin.resume(),2)}),1000)";
    const r = await d().shell(`set -o pipefail; ${ferry} ${args.join(' ')} | ${process.execPath} -e "${reader}"`);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };

  it('20,000 flows from a container', async () => {
    await d().ok('network', 'create', 'many');
    await d().ok('run', '-d', '--name', 'spray', '--network', 'many', '--', 'sleep', 'infinity');
    // One UDP datagram to each of 20,000 ports outside: 20,000 SNAT flows.
    const script = "const s=require('dgram').createSocket('udp4');let p=1;(function go(){for(let i=0;i<500&&p<=20000;i++,p++)s.send('x',p,'198.51.100.2');if(p<=20000)setImmediate(go);else setTimeout(()=>process.exit(0),300)})()";
    await d().ok('exec', 'spray', '--', process.execPath, '-e', script);
    expect((JSON.parse(await d().ok('stats', '--json')) as { conntrack: { entries: number } }).conntrack.entries).toBeGreaterThanOrEqual(20_000);
  }, 120_000);

  it('ferry conntrack arrives whole, one line per flow', async () => {
    const text = await throughSlowPipe('conntrack');
    expect(text.length).toBeGreaterThan(1 << 20);
    expect(text.trimEnd().split('\n').filter((l) => /^udp /.test(l)).length).toBeGreaterThanOrEqual(20_000);
  }, 120_000);

  it('ferry conntrack --json and ferry stats --json parse whole', async () => {
    expect((JSON.parse(await throughSlowPipe('conntrack', '--json')) as unknown[]).length).toBeGreaterThanOrEqual(20_000);
    expect(JSON.parse(await throughSlowPipe('stats', '--json'))).toHaveProperty('ports');
  }, 120_000);
});
