import { spawn } from 'node:child_process';
import path from 'node:path';
import { Engine } from '../../src/dataplane';
import { packageRoot } from '../../src/dataplane/native';
import { execIn, run } from '../../src/netns';
import { cpuNsPerKb, withCpu } from '../lib/cpu';
import { tcpGbps } from '../lib/measure';
import { EXTERNAL_IP, EXTERNAL_IP6, OUTSIDE_IP, OUTSIDE_IP6, natHost, type NatHost } from '../lib/nat-topology';
import { median, metric, type Metric } from '../lib/report';
import type { SuiteContext } from './suite';

/**
 * Suite `nat`: a published port and container egress, through the kernel
 * (iptables DNAT/MASQUERADE with conntrack), through a userspace relay
 * (socat, what docker-proxy does; inbound only), and through Ferry, each
 * topology built and torn down in turn every round; the published port and
 * egress over IPv6 too (ip6tables against NAT66). Also: the memory of
 * Ferry's conntrack table at 1,000,000 entries against the 256 MB budget.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function publishTcpGbps(h: NatHost, seconds: number, external = EXTERNAL_IP): Promise<number> {
  const server = execIn(h.containerNs, ['iperf3', '-s', '-1', '-p', '5201'], { timeoutMs: (seconds + 20) * 1000 });
  await sleep(300);
  const r = await execIn(h.outNs, ['iperf3', '-c', external, '-p', '8080', '-t', String(seconds), '-J'], { timeoutMs: (seconds + 20) * 1000 });
  await server;
  if (r.code !== 0) throw new Error(`iperf3 through ${h.label} failed: ${r.stderr || r.stdout.slice(0, 300)}`);
  return (JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second / 1e9;
}

async function connPerSecond(h: NatHost, seconds: number, connrate: string): Promise<number> {
  const server = spawn('ip', ['netns', 'exec', h.containerNs, connrate, 'server', '5202'], { stdio: 'ignore' });
  try {
    await sleep(300);
    const r = await execIn(h.outNs, [connrate, 'client', EXTERNAL_IP, '8081', String(seconds), '64'], { timeoutMs: (seconds + 20) * 1000 });
    const [rate, failed] = r.stdout.trim().split(' ').map(Number);
    if (r.code !== 0 || !rate) throw new Error(`connrate through ${h.label} failed: ${r.stderr || r.stdout}`);
    if (failed! > rate! * seconds * 0.01) throw new Error(`connrate through ${h.label}: ${failed} of the connections failed`);
    return rate!;
  } finally {
    server.kill('SIGKILL');
  }
}

function conntrackMegabytesAtOneMillion(): number {
  const before = process.memoryUsage().rss;
  const engine = new Engine({ conntrackMax: 1_000_000 });
  try {
    const grown = process.memoryUsage().rss - before;
    const stats = engine.stats();
    const declared = stats.conntrack.memoryBytes + stats.conntrack6.memoryBytes; // IPv4's table and NAT66's, each bounded at the same max
    return Math.max(grown, declared) / 2 ** 20;
  } finally {
    engine.shutdown();
  }
}

export async function natSuite(ctx: SuiteContext): Promise<Metric[]> {
  const connrate = path.join(ctx.tmpDir, 'connrate');
  const cc = await run('gcc', ['-O2', '-o', connrate, path.join(packageRoot(), 'bench', 'tools', 'connrate.c')]);
  if (cc.code !== 0) throw new Error(`cannot build connrate: ${cc.stderr}`);
  const engine = new Engine();
  const baseline = ctx.baselineBuild ? new Engine({ addon: ctx.baselineBuild }) : undefined;
  const samples = new Map<string, number[]>();
  const record = (label: string, name: string, v: number) => {
    samples.set(`${label}/${name}`, [...(samples.get(`${label}/${name}`) ?? []), v]);
    ctx.log(`  ${label.padEnd(9)} ${name.padEnd(20)} ${v.toFixed(name.endsWith('gbps') ? 2 : 0)}`);
  };
  // A TCP figure and what it cost the machine (busy CPU per KB, iperf3 at both ends included).
  const withCost = async (label: string, name: string, run: () => Promise<number>) => {
    const r = await withCpu(run);
    record(label, name, r.result);
    record(label, name.replace(/_gbps$/, '_cpu_ns_per_kb'), cpuNsPerKb(r.cpuNs, r.result, ctx.seconds));
  };
  try {
    for (let round = 0; round < ctx.rounds; round++) {
      ctx.log(`round ${round + 1}/${ctx.rounds}`);
      const labels = ['iptables', 'relay', 'ferry', ...(baseline ? (['ferry-baseline'] as const) : [])] as const;
      // The order rotates each round, so no datapath always runs after the same one.
      for (const label of labels.map((_, i) => labels[(i + round) % labels.length]!)) {
        const h = await natHost(label, ctx.prefix, label === 'ferry-baseline' ? baseline! : engine);
        try {
          await withCost(label, 'publish_tcp_gbps', () => publishTcpGbps(h, ctx.seconds));
          record(label, 'publish_conn_per_s', await connPerSecond(h, ctx.seconds, connrate));
          if (label !== 'relay') await withCost(label, 'egress_tcp_gbps', () => tcpGbps(h.containerNs, h.outNs, OUTSIDE_IP, ctx.seconds));
          if (label === 'iptables' || label === 'ferry') {
            await withCost(label, 'publish6_tcp_gbps', () => publishTcpGbps(h, ctx.seconds, EXTERNAL_IP6));
            await withCost(label, 'egress6_tcp_gbps', () => tcpGbps(h.containerNs, h.outNs, OUTSIDE_IP6, ctx.seconds));
          }
        } finally {
          await h.destroy();
        }
      }
    }
  } finally {
    engine.shutdown();
    baseline?.shutdown();
  }
  const metrics: Metric[] = [];
  const m = (name: string, unit: string, baseline: string, higher = true) => {
    const b = samples.get(`${baseline}/${name}`);
    const f = samples.get(`ferry/${name}`);
    if (b && f) metrics.push(metric(name, unit, baseline, median(b), median(f), higher));
  };
  m('publish_tcp_gbps', 'Gbit/s', 'iptables');
  m('publish_tcp_gbps', 'Gbit/s', 'relay');
  m('publish_conn_per_s', 'connections/s', 'iptables');
  m('publish_conn_per_s', 'connections/s', 'relay');
  m('egress_tcp_gbps', 'Gbit/s', 'iptables');
  m('publish6_tcp_gbps', 'Gbit/s', 'iptables');
  m('egress6_tcp_gbps', 'Gbit/s', 'iptables');
  for (const path of ['publish', 'egress', 'publish6', 'egress6']) m(`${path}_tcp_cpu_ns_per_kb`, 'CPU ns/KB', 'iptables', false);
  for (const name of ['publish_tcp_gbps', 'publish_conn_per_s', 'egress_tcp_gbps']) m(name, name.endsWith('gbps') ? 'Gbit/s' : 'connections/s', 'ferry-baseline');
  const mb = conntrackMegabytesAtOneMillion();
  ctx.log(`  ferry     conntrack_mb_1m      ${mb.toFixed(1)}`);
  metrics.push(metric('conntrack_mb_1m', 'MB', 'budget', 256, mb, false));
  return metrics;
}
