import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/dataplane/native';
import { execIn, run } from '../../src/netns';
import { useDaemon } from '../harness/daemon';

/**
 * `ferry capture`: pcapng from the worker at the port boundary, read back by
 * tcpdump and tshark, compared byte for byte with what tcpdump inside the
 * container saw; BPF filters; dropped frames with their reason; and a reader
 * that stops reading never stalls forwarding.
 */
describe('ferry capture', () => {
  const d = useDaemon();
  const file = (name: string) => path.join(d().dir, name);

  /** Starts `ferry capture ARGS` in the background; resolves with its stderr once it ends. */
  function capture(args: string[]): { proc: ChildProcess; done: Promise<{ code: number; stderr: string }> } {
    const proc = spawn(process.execPath, [path.join(packageRoot(), 'bin', 'ferry'), 'capture', ...args], { env: { ...process.env, FERRY_SOCKET: d().socket }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.stdout!.resume();
    const done = new Promise<{ code: number; stderr: string }>((resolve) => proc.once('close', (code) => resolve({ code: code ?? 1, stderr })));
    return { proc, done };
  }
  /** tcpdump's reading of a capture file: one hex block per frame, timestamps left out. */
  async function frames(f: string, filter: string[] = []): Promise<string[]> {
    const r = await run('tcpdump', ['-r', f, '-n', '-xx', '-tt', ...filter]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout
      .split(/\n(?=\d+\.\d+ )/)
      .filter(Boolean)
      .map((b) => b.split('\n').slice(1).map((l) => l.replace(/^\s*0x[0-9a-f]+:\s*/, '').replace(/\s+/g, '')).join(''));
  }

  let a2 = '';

  it('sets up two containers on one network and one on another', async () => {
    await d().ok('network', 'create', '--subnet', '10.80.0.0/24', 'cnet');
    await d().ok('network', 'create', '--subnet', '10.81.0.0/24', 'elsewhere');
    await d().ok('run', '-d', '--name', 'c1', '--network', 'cnet', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'c2', '--network', 'cnet', '--', 'sh', '-c', 'iperf3 -s -D; sleep infinity');
    await d().ok('run', '-d', '--name', 'x1', '--network', 'elsewhere', '--', 'sleep', 'infinity');
    a2 = await d().ip('c2', 'cnet');
    expect((await d().ferry('exec', 'c1', '--', 'ping', '-c', '1', '-W', '1', a2)).code).toBe(0);
  });

  it('a ping captured on the container port is what tcpdump inside the container saw, byte for byte', async () => {
    const pid = (await d().inspect('c1')).State.Pid;
    const inside = file('inside.pcap');
    const sniff = spawn('nsenter', ['--target', String(pid), '--net', '--', 'tcpdump', '-i', 'eth0', '-n', '-U', '-w', inside, 'icmp'], { stdio: 'ignore' });
    const ours = capture(['c1', '-w', file('ferry.pcapng'), '-c', '8', '--filter', 'icmp']);
    await new Promise((r) => setTimeout(r, 1000));
    await d().ok('exec', 'c1', '--', 'ping', '-c', '4', '-i', '0.2', a2);
    const { code, stderr } = await ours.done;
    expect(code).toBe(0);
    expect(stderr).toBe('8 frames captured\n');
    await new Promise((r) => setTimeout(r, 300));
    sniff.kill('SIGINT');
    await new Promise((r) => sniff.once('close', r));
    const ferry = await frames(file('ferry.pcapng'));
    expect(ferry).toHaveLength(8);
    expect(ferry).toEqual(await frames(inside));
    // Directions: the requests enter Ferry (in), the replies leave it (out).
    const tshark = await run('tshark', ['-r', file('ferry.pcapng'), '-T', 'fields', '-e', 'frame.interface_name', '-e', 'frame.packet_flags_direction', '-e', 'icmp.type']);
    expect(tshark.code, tshark.stderr).toBe(0);
    const lines = tshark.stdout.trim().split('\n');
    expect(lines).toHaveLength(8);
    for (const l of lines) expect(l).toMatch(/^c1\/eth0 on cnet\t(0x00000001\t8|0x00000002\t0)$/);
  });

  it('a BPF filter selects only what it should', async () => {
    const ours = capture(['c1', '-w', file('udp.pcapng'), '-c', '3', '--filter', 'udp dst port 7777']);
    await new Promise((r) => setTimeout(r, 800));
    const send = `import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for port in (7776,7777,7778,7777,7777):
  s.sendto(b'x',('${a2}',port))`;
    await d().ok('exec', 'c1', '--', 'ping', '-c', '1', '-W', '1', a2);
    await d().ok('exec', 'c1', '--', 'python3', '-c', send);
    expect((await ours.done).stderr).toBe('3 frames captured\n');
    const got = await run('tcpdump', ['-r', file('udp.pcapng'), '-n']);
    expect(got.stdout.trim().split('\n').map((l) => / > ([\d.]+)\.(\d+):/.exec(l)![2])).toEqual(['7777', '7777', '7777']);
  });

  it('with --drops, a frame dropped for isolation is in the capture with its reason', async () => {
    const x1 = await d().ip('x1', 'elsewhere');
    const ours = capture(['c1', '-w', file('drops.pcapng'), '-c', '2', '--drops', '--filter', `icmp and host ${x1}`]);
    await new Promise((r) => setTimeout(r, 800));
    await d().ferry('exec', 'c1', '--', 'ping', '-c', '1', '-W', '1', x1);
    await ours.done;
    // The request as it arrived on the port, then the same frame as the data plane dropped it.
    const t = await run('tshark', ['-r', file('drops.pcapng'), '-T', 'fields', '-e', 'ip.dst', '-e', 'frame.packet_flags_direction', '-e', 'frame.comment']);
    expect(t.stdout.trim().split('\n')).toEqual([`${x1}\t0x00000001\t`, `${x1}\t0x00000001\tdropped: isolated (towards another network: bridge networks are isolated)`]);
  });

  it('a reader that stops reading does not stall forwarding; the capture counts what it lost', async () => {
    const ours = capture(['c1', '-w', '-']);
    await new Promise((r) => setTimeout(r, 800));
    ours.proc.stdout!.pause();
    ours.proc.kill('SIGSTOP'); // the writer stops: the daemon's socket fills, then the ring
    const r = await d().ferry('exec', 'c1', '--', 'iperf3', '-c', a2, '-t', '3', '-J');
    ours.proc.kill('SIGCONT');
    ours.proc.stdout!.resume();
    ours.proc.kill('SIGINT');
    const { stderr } = await ours.done;
    const result = JSON.parse(r.stdout) as { end: { sum_received: { bytes: number } }; intervals: { sum: { bytes: number } }[] };
    // Forwarding went on in every second the reader was stopped.
    expect(result.intervals.length).toBeGreaterThanOrEqual(3);
    for (const i of result.intervals) expect(i.sum.bytes).toBeGreaterThan(0);
    expect(result.end.sum_received.bytes).toBeGreaterThan(100e6);
    expect(stderr).toMatch(/^\d+ frames captured, \d+ lost \(the reader was slower than the traffic\)\n$/);
    expect(Number(/, (\d+) lost/.exec(stderr)![1])).toBeGreaterThan(0);
  });

  it('refuses a bad filter and an unknown port with the reason', async () => {
    expect((await d().ferry('capture', 'c1', '--filter', 'tcp prot 80', '-c', '1')).stderr).toMatch(/^ferry: filter "tcp prot 80": can't parse filter expression: syntax error\n$/);
    expect((await d().ferry('capture', 'nosuch', '-c', '1')).stderr).toMatch(/^ferry: no port "nosuch"/);
  });

  it('writes pcapng to stdout for tcpdump -r -', async () => {
    const r = await run('sh', ['-c', `FERRY_SOCKET=${d().socket} ${process.execPath} ${path.join(packageRoot(), 'bin', 'ferry')} capture c1 -w - -c 2 --filter icmp | tcpdump -n -r - 2>/dev/null & sleep 0.8; ${process.execPath} ${path.join(packageRoot(), 'bin', 'ferry')} --socket ${d().socket} exec c1 -- ping -c 1 ${a2} >/dev/null; wait`]);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
    expect(readFileSync(file('ferry.pcapng')).subarray(0, 4).toString('hex')).toBe('0a0d0d0a');
    expect((await execIn(d().hostNs, ['true'])).code).toBe(0);
  });
});
