import { Engine } from '../../src/dataplane';
import { attachEndpoint, detachEndpoint, type Endpoint } from '../../src/endpoint';
import { deleteNetns } from '../../src/netns';
import { rttPercentiles, tcpGbps, timeMs, udp64Pps, whileCapturing } from '../lib/measure';
import { Samples, metric, type Metric } from '../lib/report';
import { KernelBridge, ferryPair, kernelPair, type Pair } from '../lib/topology';
import type { SuiteContext } from './suite';

/**
 * Suite `bridge`: two containers on one bridge, the kernel's against Ferry's.
 * Every round builds each topology, measures it, and tears it down, taking
 * the datapaths in turn, so slow drifts of a shared machine hit all alike.
 * Reported values are medians over rounds.
 *
 * Two kernel baselines: `kernel-bridge` is what Docker sets up (veth with
 * default settings; the bridge forwards in the sender's context, on the
 * sender's CPU), and `kernel-bridge-napi`, where the bridge side of each veth
 * runs threaded NAPI, so the kernel too forwards on a thread of its own, as
 * Ferry's worker does.
 *
 * `ferry-busy` is Ferry with its worker in busy-poll mode (`--poll busy`),
 * its engine made for its turn only (it keeps a core busy): round trips
 * without a wake-up, against the kernel's and default Ferry's.
 */
export async function bridgeSuite(ctx: SuiteContext): Promise<Metric[]> {
  const engine = new Engine();
  const baseline = ctx.baselineBuild ? new Engine({ addon: ctx.baselineBuild }) : undefined;
  const samples = new Samples(ctx.log);
  const record = (label: string, name: string, v: number) => samples.record(label, name, v);
  const builders: (() => Promise<Pair>)[] = [
    () => kernelPair(ctx.prefix, false),
    () => kernelPair(ctx.prefix, true),
    () => ferryPair(ctx.prefix, engine),
    async () => {
      const busy = new Engine({ poll: 'busy' });
      const pair = await ferryPair(ctx.prefix, busy, 'ferry-busy').catch((e) => (busy.shutdown(), Promise.reject(e)));
      return { ...pair, destroy: () => pair.destroy().finally(() => busy.shutdown()) };
    },
    ...(baseline ? [() => ferryPair(ctx.prefix, baseline, 'ferry-baseline')] : []),
  ];
  try {
    for (let round = 0; round < ctx.rounds; round++) {
      ctx.log(`round ${round + 1}/${ctx.rounds}`);
      // The order rotates each round: what runs right after another datapath
      // (a warm cache, a CPU the scheduler just woke) differs, and no
      // datapath should always get the same neighbour.
      for (const build of builders.map((_, i) => builders[(i + round) % builders.length]!)) {
        const pair = await build();
        try {
          const rtt = await rttPercentiles(pair.clientNs, pair.serverIp, 200);
          record(pair.label, 'rtt_us_p50', rtt.p50);
          record(pair.label, 'rtt_us_p99', rtt.p99);
          if (pair.label === 'ferry-busy') continue; // its round trips are what it is for
          record(pair.label, 'tcp_gbps', await tcpGbps(pair.clientNs, pair.serverNs, pair.serverIp, ctx.seconds));
          if (pair.label === 'ferry') {
            // The same stream while every frame on the client's port is captured and read.
            const c = await whileCapturing(engine, pair.ports![0], () => tcpGbps(pair.clientNs, pair.serverNs, pair.serverIp, ctx.seconds));
            record('ferry-capturing', 'tcp_gbps', c.result);
            ctx.log(`  ferry-capturing    captured ${c.captured} frames, lost ${c.lost}`);
          }
          // The generator is pinned to CPU 0 and Ferry's worker to CPU 1, so the
          // scheduler cannot stack them on one core in some runs and not in
          // others. Only here: for ping, an unpinned worker is woken next to
          // the sender, and pinning it doubles the round trip.
          const worker = pair.label === 'ferry' ? engine : pair.label === 'ferry-baseline' ? baseline : undefined;
          worker?.pinWorker(1);
          try {
            record(
              pair.label,
              'udp64_pps',
              await udp64Pps({ ...pair, srcIp: pair.clientIp, dstIp: pair.serverIp, srcMac: pair.clientMac, dstMac: pair.serverMac, seconds: ctx.seconds, confFile: `${ctx.tmpDir}/udp64.trafgen`, generatorCpu: 0 }),
            );
          } finally {
            worker?.pinWorker(-1);
          }
        } finally {
          await pair.destroy();
        }
      }
      for (const threaded of [false, true]) {
        const br = new KernelBridge(`${ctx.prefix}-ka${threaded ? 't' : 'd'}`, threaded);
        await br.create();
        try {
          const ns = (i: number) => `${br.prefix}-c${i}`;
          const ms = await timeMs(ctx.attachSamples, (i) => br.attach(ns(i), [`192.0.2.${10 + i}/24`], [{ to: 'default', via: '192.0.2.1' }]), (i) => deleteNetns(ns(i)));
          record(threaded ? 'kernel-bridge-napi' : 'kernel-bridge', 'attach_ms_p50', ms);
        } finally {
          await br.destroy();
        }
      }
      const domain = engine.createDomain();
      const eps: Endpoint[] = [];
      const ms = await timeMs(
        ctx.attachSamples,
        async (i) => eps.push(await attachEndpoint(engine, { netns: `${ctx.prefix}-fc${i}`, domain, addresses: [`192.0.2.${10 + i}/24`], routes: [{ to: 'default', via: '192.0.2.1' }] })),
        (i) => detachEndpoint(engine, eps[i]!),
      );
      engine.removeDomain(domain);
      record('ferry', 'attach_ms_p50', ms);
    }
  } finally {
    engine.shutdown();
    baseline?.shutdown();
  }


  const metrics: Metric[] = [];
  const spec: [string, string, boolean][] = [
    ['tcp_gbps', 'Gbit/s', true],
    ['udp64_pps', 'packets/s', true],
    ['rtt_us_p50', 'us', false],
    ['rtt_us_p99', 'us', false],
    ['attach_ms_p50', 'ms', false],
  ];
  const capturing = samples.get('ferry-capturing', 'tcp_gbps');
  const plain = samples.get('ferry', 'tcp_gbps');
  // Ferry with a capture running, against Ferry without: what capturing costs.
  if (capturing && plain) metrics.push(metric('tcp_gbps_capturing', 'Gbit/s', 'ferry, no capture', plain, capturing, true));
  for (const [name, unit, higher] of spec) {
    for (const base of ['kernel-bridge', 'kernel-bridge-napi', 'ferry-baseline']) {
      const b = samples.get(base, name);
      const f = samples.get('ferry', name);
      if (b && f) metrics.push(metric(name, unit, base, b, f, higher));
    }
  }
  // Busy polling: its round trips against the kernel's and default Ferry's.
  for (const name of ['rtt_us_p50', 'rtt_us_p99']) {
    const f = samples.get('ferry-busy', name);
    for (const base of ['kernel-bridge', 'ferry']) {
      const b = samples.get(base, name);
      if (b && f) metrics.push(metric(`busy_${name}`, 'us', base, b, f, false));
    }
  }
  return metrics;
}
