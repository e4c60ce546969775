import { Engine } from '../../src/dataplane';
import { withCpu } from '../lib/cpu';
import { rttMicros, tcpGbps, udp64Pps } from '../lib/measure';
import { Samples, median, metric, type Metric } from '../lib/report';
import { segmentPair, type SegmentDatapath } from '../lib/segment-topology';
import type { SuiteContext } from './suite';

/**
 * Suite `macvlan`: a container to a machine on the segment, through the
 * kernel's macvlan device and through Ferry's demux stage (macvlan, and
 * ipvlan l2: this kernel has no ipvlan, so Ferry's ipvlan is compared with
 * the kernel's macvlan). One TCP stream, 64-byte UDP, ping; and what each
 * costs the machine: busy CPU time per packet (UDP) and per KB (TCP),
 * generator and receiver included, the same for every datapath. Each round
 * builds each topology in turn, rotating the order; values are medians.
 */
export async function macvlanSuite(ctx: SuiteContext): Promise<Metric[]> {
  const engine = new Engine();
  const datapaths: SegmentDatapath[] = ['kernel-macvlan', 'ferry-macvlan', 'ferry-ipvlan'];
  const samples = new Samples(ctx.log);
  const record = (label: string, name: string, v: number) => samples.record(label, name, v);
  try {
    for (let round = 0; round < ctx.rounds; round++) {
      ctx.log(`round ${round + 1}/${ctx.rounds}`);
      for (const datapath of datapaths.map((_, i) => datapaths[(i + round) % datapaths.length]!)) {
        const pair = await segmentPair(ctx.prefix, datapath, engine);
        try {
          record(datapath, 'rtt_us_p50', await rttMicros(pair.clientNs, pair.serverIp, 200));
          const tcp = await withCpu(() => tcpGbps(pair.clientNs, pair.serverNs, pair.serverIp, ctx.seconds));
          record(datapath, 'tcp_gbps', tcp.result);
          record(datapath, 'tcp_cpu_ns_per_kb', tcp.cpuNs / ((tcp.result * 1e9 * ctx.seconds) / 8 / 1024));
          // Generator on CPU 0, Ferry's worker on CPU 1, as in suite bridge.
          if (datapath !== 'kernel-macvlan') engine.pinWorker(1);
          try {
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
            engine.pinWorker(-1);
          }
        } finally {
          await pair.destroy();
        }
      }
    }
  } finally {
    engine.shutdown();
  }
  const metrics: Metric[] = [];
  const spec: [string, string, boolean][] = [
    ['tcp_gbps', 'Gbit/s', true],
    ['udp64_pps', 'packets/s', true],
    ['rtt_us_p50', 'us', false],
    ['tcp_cpu_ns_per_kb', 'CPU ns/KB', false],
    ['udp64_cpu_ns_per_packet', 'CPU ns/packet', false],
  ];
  for (const ferry of ['ferry-macvlan', 'ferry-ipvlan'])
    for (const [name, unit, higher] of spec) {
      const f = samples.get(ferry, name);
      const k = samples.get('kernel-macvlan', name);
      if (f && k) metrics.push(metric(`${ferry === 'ferry-ipvlan' ? 'ipvlan_' : ''}${name}`, unit, 'kernel-macvlan', median(k), median(f), higher));
    }
  return metrics;
}
