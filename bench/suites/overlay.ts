import { withCpu } from '../lib/cpu';
import { rttMicros, tcpGbps, udp64Pps } from '../lib/measure';
import { Samples, median, metric, type Metric } from '../lib/report';
import { overlayPair, type OverlayDatapath } from '../lib/overlay-topology';
import type { SuiteContext } from './suite';

/**
 * Suite `overlay`: a container on host h1 to a container on host h2 of one
 * overlay network (bench/lib/overlay-topology.ts), through the kernel's
 * VXLAN and bridge as Docker builds them, and through two Ferry engines (one
 * per host). One TCP stream, 64-byte UDP, ping; and the machine's busy CPU
 * per KB (TCP) and per packet (UDP), both hosts' datapaths, sender and
 * receiver included, the same for both. Each round builds each topology in
 * turn, rotating the order; values are medians.
 */
export async function overlaySuite(ctx: SuiteContext): Promise<Metric[]> {
  const datapaths: OverlayDatapath[] = ['kernel-vxlan', 'ferry-vxlan'];
  const samples = new Samples(ctx.log);
  const record = (label: string, name: string, v: number) => samples.record(label, name, v);
  for (let round = 0; round < ctx.rounds; round++) {
    ctx.log(`round ${round + 1}/${ctx.rounds}`);
    for (const datapath of datapaths.map((_, i) => datapaths[(i + round) % datapaths.length]!)) {
      const pair = await overlayPair(ctx.prefix, datapath);
      try {
        record(datapath, 'rtt_us_p50', await rttMicros(pair.clientNs, pair.serverIp, 200));
        const tcp = await withCpu(() => tcpGbps(pair.clientNs, pair.serverNs, pair.serverIp, ctx.seconds));
        record(datapath, 'tcp_gbps', tcp.result);
        record(datapath, 'tcp_cpu_ns_per_kb', tcp.cpuNs / ((tcp.result * 1e9 * ctx.seconds) / 8 / 1024));
        let perPacket = NaN;
        const pps = await udp64Pps({
          ...pair,
          srcIp: pair.clientIp,
          dstIp: pair.serverIp,
          srcMac: pair.clientMac,
          dstMac: pair.serverMac,
          seconds: ctx.seconds,
          confFile: `${ctx.tmpDir}/udp64.trafgen`,
          generatorCpu: 0,
          onWindow: (packets, cpuNs) => (perPacket = cpuNs / packets),
        });
        record(datapath, 'udp64_pps', pps);
        record(datapath, 'udp64_cpu_ns_per_packet', perPacket);
      } finally {
        await pair.destroy();
      }
    }
  }
  const spec: [string, string, boolean][] = [
    ['tcp_gbps', 'Gbit/s', true],
    ['udp64_pps', 'packets/s', true],
    ['rtt_us_p50', 'us', false],
    ['tcp_cpu_ns_per_kb', 'CPU ns/KB', false],
    ['udp64_cpu_ns_per_packet', 'CPU ns/packet', false],
  ];
  const metrics: Metric[] = [];
  for (const [name, unit, higher] of spec) {
    const f = samples.get('ferry-vxlan', name);
    const k = samples.get('kernel-vxlan', name);
    if (f && k) metrics.push(metric(name, unit, 'kernel-vxlan', median(k), median(f), higher));
  }
  return metrics;
}
