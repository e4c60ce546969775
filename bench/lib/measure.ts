import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Engine } from '../../src/dataplane';
import { execIn, listLinks, run } from '../../src/netns';
import { busyCpuNs } from './cpu';
import { median } from './report';

/**
 * Measurements shared by suites. Each takes the namespaces of a client and a
 * server that a topology built, so the same code measures the kernel's
 * datapath and Ferry's.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** iperf3, one TCP stream, client -> server; the receiver's rate in Gbit/s. */
export async function tcpGbps(clientNs: string, serverNs: string, serverIp: string, seconds: number): Promise<number> {
  const server = execIn(serverNs, ['iperf3', '-s', '-1', '-B', serverIp], { timeoutMs: (seconds + 20) * 1000 });
  await sleep(300);
  const r = await execIn(clientNs, ['iperf3', '-c', serverIp, '-t', String(seconds), '-J'], { timeoutMs: (seconds + 20) * 1000 });
  await server;
  if (r.code !== 0) throw new Error(`iperf3 in ${clientNs} failed: ${r.stderr || r.stdout.slice(0, 300)}`);
  const j = JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } };
  return j.end.sum_received.bits_per_second / 1e9;
}

/**
 * Runs fn while a capture of every frame on the port is read as fast as the
 * reader can (the bytes are read and let go, as by a reader writing to a
 * fast disk); returns fn's result and how many frames were lost.
 */
export async function whileCapturing<T>(engine: Engine, port: number, fn: () => Promise<T>): Promise<{ result: T; captured: number; lost: number }> {
  const id = engine.captureStart({ ports: [port] });
  let reading = true;
  const reader = (async () => {
    while (reading) {
      while (engine.captureRead(id));
      await sleep(5);
    }
  })();
  try {
    const result = await fn();
    return { result, ...engine.captureStop(id) };
  } finally {
    reading = false;
    await reader;
    engine.captureClose(id);
  }
}

/** ping at 10 ms intervals; the median round trip in microseconds. */
export async function rttMicros(clientNs: string, serverIp: string, count: number): Promise<number> {
  return (await rttPercentiles(clientNs, serverIp, count)).p50;
}

/** Ping round trips (every 10 ms), p50 and p99 in microseconds. */
export async function rttPercentiles(clientNs: string, serverIp: string, count: number): Promise<{ p50: number; p99: number }> {
  const r = await execIn(clientNs, ['ping', '-c', String(count), '-i', '0.01', '-W', '1', serverIp], { timeoutMs: count * 50 + 5000 });
  const times = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]) * 1000);
  if (times.length < count / 2) throw new Error(`ping from ${clientNs} got ${times.length}/${count} replies`);
  const sorted = times.slice(1).sort((a, b) => a - b); // the first includes ARP resolution
  return { p50: median(sorted), p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]! };
}

async function rxPackets(ns: string, ifname: string): Promise<number> {
  const link = (await listLinks(ns)).find((l) => l.ifname === ifname);
  if (!link?.stats64) throw new Error(`no statistics for ${ifname} in ${ns}`);
  return link.stats64.rx.packets;
}

/**
 * 64-byte UDP frames (60 bytes plus the 4-byte FCS a wire would add) from
 * trafgen in the client namespace, pinned to one CPU, to the server's MAC and
 * address; the rate is what the server's interface received, measured after
 * a one-second ramp so start-up does not count.
 *
 * The server holds port 9 with a socket that never reads: frames end at a full
 * receive buffer. Without it, every frame makes the server's stack route and
 * rate-limit an ICMP port-unreachable, which profiling showed to be a fifth
 * of the forwarding thread's time; that is the receiver's cost, not the
 * datapath's, and it weighs on whichever datapath runs the receiver inline.
 */
export async function udp64Pps(opts: {
  clientNs: string;
  serverNs: string;
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
  seconds: number;
  confFile: string;
  generatorCpu: number;
  /** Told the packets received and the machine's busy CPU time (ns) over the measured window. */
  onWindow?: (packets: number, cpuNs: number) => void;
}): Promise<number> {
  writeFileSync(opts.confFile, trafgenConfig(opts));
  const gen = spawn('ip', ['netns', 'exec', opts.clientNs, 'taskset', '-c', String(opts.generatorCpu), 'trafgen', '--dev', 'eth0', '--conf', opts.confFile, '--cpus', '1', '--no-cpu-stats'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true, // its own process group: `ip netns exec` forks, so the signal must reach trafgen too
  });
  let stderr = '';
  gen.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => gen.once('exit', () => r()));
  const alive = () => {
    if (gen.exitCode !== null || gen.signalCode !== null) throw new Error(`trafgen in ${opts.clientNs} stopped early (${gen.exitCode ?? gen.signalCode}): ${stderr.trim()}`);
  };
  const sink = spawn('ip', ['netns', 'exec', opts.serverNs, 'python3', '-c', UDP_SINK, opts.dstIp], { stdio: 'ignore', detached: true });
  try {
    await sleep(1000);
    alive();
    const t0 = process.hrtime.bigint();
    const c0 = busyCpuNs();
    const p0 = await rxPackets(opts.serverNs, 'eth0');
    await sleep(opts.seconds * 1000);
    const p1 = await rxPackets(opts.serverNs, 'eth0');
    const c1 = busyCpuNs();
    const t1 = process.hrtime.bigint();
    alive();
    opts.onWindow?.(p1 - p0, c1 - c0);
    return (p1 - p0) / (Number(t1 - t0) / 1e9);
  } finally {
    for (const [child, sig] of [[gen, 'SIGINT'], [sink, 'SIGKILL']] as const) {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        /* already gone */
      }
    }
    await exited;
  }
}

const UDP_SINK = `import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 9))
time.sleep(3600)`;

function trafgenConfig(o: { srcMac: string; dstMac: string; srcIp: string; dstIp: string }): string {
  const mac = (m: string) => m.split(':').map((b) => `0x${b}`);
  const ip = (a: string) => a.split('.').map((b) => `${b}`);
  // Ethernet, IPv4 (checksum by trafgen), UDP 9 -> 9 without checksum, 18 zero bytes: 60 bytes.
  const bytes = [
    ...mac(o.dstMac), ...mac(o.srcMac), '0x08', '0x00',
    '0x45', '0x00', 'const16(46)', 'const16(0)', '0x40', '0x00', '64', '17', 'csumip(14, 33)',
    ...ip(o.srcIp), ...ip(o.dstIp),
    'const16(9)', 'const16(9)', 'const16(26)', 'const16(0)',
    'fill(0x00, 18)',
  ];
  return `{\n  ${bytes.join(', ')}\n}\n`;
}

/** Median wall time of `fn` in milliseconds over `n` runs; `teardown` runs after each, untimed. */
export async function timeMs(n: number, fn: (i: number) => Promise<unknown>, teardown: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await teardown(i);
  }
  return median(times);
}

export async function macOf(ns: string, ifname: string): Promise<string> {
  const r = await run('ip', ['-n', ns, '-j', 'link', 'show', 'dev', ifname]);
  return (JSON.parse(r.stdout) as { address: string }[])[0]!.address;
}
