import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '../../src/cli/client';
import type { DaemonStats } from '../../src/daemon/daemon';
import { packageRoot } from '../../src/dataplane/native';
import { launchDaemon, stopDaemon } from '../../src/demo/launch';
import { sweep } from '../../src/demo/sweep';
import { deleteNetns, execIn, run } from '../../src/netns';
import { EXTERNAL_IP, outsideWorld } from '../lib/nat-topology';
import { metric, type Metric } from '../lib/report';
import type { SuiteContext } from './suite';

/**
 * Suite `soak`: the daemon under load for --minutes (default 10), to see
 * whether anything grows that should not.
 *
 * Load, all at once for the whole run: one iperf3 TCP stream between two
 * containers on a user network (full rate, bridged, the server found by
 * name through the embedded resolver); connection churn from the outside
 * through a published port (connrate, 16 in flight, every connection a new
 * conntrack entry, closed with RST); and container churn, a container run
 * and another removed every 2 s, five alive at a time, each pinging its
 * gateway once.
 *
 * Every 10 s: the daemon's RSS and open fds, conntrack entries, ports, MAC
 * entries, and the drops on the long-lived ports (both iperf3 ends, the
 * gateway, the uplink) in that interval, by reason. After the first minute
 * (warm-up) each series gets a least-squares line; it is flat when the
 * line's rise over the run stays within the noise allowed for it
 * (RSS: 5% or 8 MB; fds: 4; conntrack entries: 10% or 64).
 *
 * The baseline column is the series' first sample after warm-up, Ferry's
 * value its last: there is no kernel datapath to compare a leak with.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const INTERVAL_MS = 10_000;
const WARMUP_MS = 60_000;

interface Sample {
  t: number;
  rssMb: number;
  fds: number;
  conntrack: number;
  ports: number;
  macEntries: number;
  bridgedGbps: number;
  drops: Record<string, number>;
}

/** The node process of the daemon: nsenter and ip netns exec exec it, so it is the child itself. */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** Least-squares rise of ys over the run (slope times the time covered). */
function rise(ts: number[], ys: number[]): number {
  const n = ts.length;
  if (n < 2) return 0;
  const mt = ts.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (ts[i]! - mt) * (ys[i]! - my);
    den += (ts[i]! - mt) ** 2;
  }
  return den ? (num / den) * (ts[n - 1]! - ts[0]!) : 0;
}

export async function soakSuite(ctx: SuiteContext): Promise<Metric[]> {
  const minutes = ctx.minutes;
  const seconds = Math.round(minutes * 60);
  const connrate = path.join(ctx.tmpDir, 'connrate');
  const cc = await run('gcc', ['-O2', '-o', connrate, path.join(packageRoot(), 'bench', 'tools', 'connrate.c')]);
  if (cc.code !== 0) throw new Error(`cannot build connrate: ${cc.stderr}`);
  const world = await outsideWorld(`${ctx.prefix}-k`);
  const socket = path.join(ctx.tmpDir, 'soak.sock');
  const resolvConf = path.join(ctx.tmpDir, 'resolv.conf');
  writeFileSync(resolvConf, '');
  const daemon = await launchDaemon({
    netns: world.hostNs,
    stateDir: path.join(ctx.tmpDir, 'soak-state'),
    socket,
    netnsPrefix: `${ctx.prefix}-kc`,
    resolvConf,
    extraArgs: ['--uplink', 'up0', '--external-ip', `${EXTERNAL_IP}/24`, '--external-gateway', '192.0.2.2'],
  });
  const client = new Client(socket);
  const loads: Promise<unknown>[] = [];
  let running = true;
  try {
    await client.request('POST', '/v1/networks', { name: 'soak' });
    await client.request('POST', '/v1/containers', { name: 'srv', network: 'soak', ports: ['8081:5202'], cmd: ['sh', '-c', `iperf3 -s & exec ${connrate} server 5202`] });
    await sleep(500);
    await client.request('POST', '/v1/containers', { name: 'cli', network: 'soak', cmd: ['iperf3', '-c', 'srv', '-t', String(seconds + 30)] });
    const conns = execIn(world.outNs, [connrate, 'client', EXTERNAL_IP, '8081', String(seconds), '16'], { timeoutMs: (seconds + 60) * 1000 });
    loads.push(conns);
    loads.push(
      (async () => {
        const alive: string[] = [];
        for (let i = 0; running; i++) {
          const name = `churn${i}`;
          await client.request('POST', '/v1/containers', { name, network: 'soak', cmd: ['sh', '-c', 'ping -c 1 -W 1 "$(ip route | sed -n "s/^default via \\([0-9.]*\\).*/\\1/p")"; exec sleep infinity'] });
          alive.push(name);
          if (alive.length > 5) await client.request('DELETE', `/v1/containers/${alive.shift()}?force=1`);
          await sleep(2000);
        }
        for (const name of alive) await client.request('DELETE', `/v1/containers/${name}?force=1`);
      })(),
    );

    const pid = daemon.pid!;
    const samples: Sample[] = [];
    const longLived = (s: DaemonStats) => s.ports.filter((p) => p.role === 'uplink' || p.role === 'host' || /^(srv|cli)\//.test(p.carries ?? ''));
    let last = await client.request<DaemonStats>('GET', '/v1/stats');
    const t0 = Date.now();
    ctx.log('   t s   RSS MB   fds  conntrack  ports  MACs  bridged Gbit/s  drops (long-lived ports)');
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(INTERVAL_MS);
      const s = await client.request<DaemonStats>('GET', '/v1/stats');
      const drops: Record<string, number> = {};
      for (const p of longLived(s)) {
        const before = last.ports.find((q) => q.id === p.id);
        for (const [reason, n] of Object.entries(p.drops)) {
          const d = n - ((before?.drops as Record<string, number> | undefined)?.[reason] ?? 0);
          if (d > 0) drops[reason] = (drops[reason] ?? 0) + d;
        }
      }
      const srvTx = (x: DaemonStats) => x.ports.find((p) => p.carries?.startsWith('srv/'))?.txBytes ?? 0;
      const sample: Sample = {
        t: (Date.now() - t0) / 1000,
        rssMb: rssMb(pid),
        fds: fdCount(pid),
        conntrack: s.conntrack.entries,
        ports: s.ports.length,
        macEntries: s.domains.reduce((a, d) => a + d.macEntries, 0),
        bridgedGbps: ((srvTx(s) - srvTx(last)) * 8) / (INTERVAL_MS / 1000) / 1e9,
        drops,
      };
      samples.push(sample);
      last = s;
      const dropText = Object.entries(drops).map(([r, n]) => `${r}=${n}`).join(' ') || '-';
      ctx.log(`${sample.t.toFixed(0).padStart(6)}  ${sample.rssMb.toFixed(1).padStart(7)}  ${String(sample.fds).padStart(4)}  ${String(sample.conntrack).padStart(9)}  ${String(sample.ports).padStart(5)}  ${String(sample.macEntries).padStart(4)}  ${sample.bridgedGbps.toFixed(2).padStart(14)}  ${dropText}`);
    }
    running = false;
    await Promise.all(loads);
    const [connPerSecond = NaN, connFailed = NaN] = (await conns).stdout.trim().split(' ').map(Number);
    ctx.log(`published port: ${connPerSecond.toFixed(0)} new connections/s through the NAT over the run, ${connFailed} failed`);

    const steady = samples.filter((s) => s.t * 1000 >= Math.min(WARMUP_MS, (seconds * 1000) / 2));
    const series = (f: (s: Sample) => number) => steady.map(f);
    const ts = steady.map((s) => s.t);
    const judge = (name: string, ys: number[], allowed: number) => {
      const r = rise(ts, ys);
      ctx.log(`${name}: ${ys[0]!.toFixed(1)} -> ${ys.at(-1)!.toFixed(1)}, rise over the run ${r.toFixed(1)} (allowed ${allowed.toFixed(1)}): ${Math.abs(r) <= allowed ? 'flat' : 'NOT FLAT'}`);
      return r;
    };
    const rss = series((s) => s.rssMb);
    const fds = series((s) => s.fds);
    const ct = series((s) => s.conntrack);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rssRise = judge('RSS MB', rss, Math.max(8, mean(rss) * 0.05));
    const fdRise = judge('fds', fds, 4);
    const ctRise = judge('conntrack entries', ct, Math.max(64, mean(ct) * 0.1));
    const totalDrops: Record<string, number> = {};
    for (const s of samples) for (const [r, n] of Object.entries(s.drops)) totalDrops[r] = (totalDrops[r] ?? 0) + n;
    ctx.log(`drops on the long-lived ports over the run: ${Object.entries(totalDrops).map(([r, n]) => `${r}=${n}`).join(' ') || 'none'}`);
    const gbps = series((s) => s.bridgedGbps);
    return [
      metric('rss_mb', 'MB', 'after warm-up', rss[0]!, rss.at(-1)!, false),
      metric('rss_rise_mb', 'MB', 'allowed', Math.max(8, mean(rss) * 0.05), rssRise, false),
      metric('open_fds', 'fds', 'after warm-up', fds[0]!, fds.at(-1)!, false),
      metric('fd_rise', 'fds', 'allowed', 4, fdRise, false),
      metric('conntrack_entries', 'entries', 'after warm-up', ct[0]!, ct.at(-1)!, false),
      metric('conntrack_rise', 'entries', 'allowed', Math.max(64, mean(ct) * 0.1), ctRise, false),
      metric('bridged_gbps', 'Gbit/s', 'after warm-up', gbps[0]!, gbps.at(-1)!, true),
      metric('published_conn_per_s', 'conn/s', 'none', NaN, connPerSecond, true),
      metric('drops_per_interval', 'frames', 'first interval', Object.values(steady[0]!.drops).reduce((a, b) => a + b, 0), Object.values(steady.at(-1)!.drops).reduce((a, b) => a + b, 0), false),
    ];
  } finally {
    running = false;
    await Promise.allSettled(loads);
    for (const name of ['cli', 'srv']) await client.request('DELETE', `/v1/containers/${name}?force=1`).catch(() => undefined);
    await client.request('DELETE', '/v1/networks/soak').catch(() => undefined);
    await stopDaemon(daemon);
    sweep(`${ctx.prefix}-kc`);
    await deleteNetns(world.outNs).catch(() => undefined);
    await deleteNetns(world.hostNs).catch(() => undefined);
  }
}
