import { cpuNsPerKb, withCpu } from './cpu';
import { rttMicros, tcpGbps, udp64Pps } from './measure';
import { metric, type Metric, type Samples } from './report';
import type { Pair } from './topology';
import type { SuiteContext } from '../suites/suite';

/**
 * One path's figures, the same for every datapath: ping RTT p50, one TCP
 * stream, 64-byte UDP; and what each costs the machine, busy CPU per KB
 * (TCP) and per packet (UDP), generator and receiver included. The UDP
 * generator runs on CPU 0; `aroundUdp` may place the datapath meanwhile.
 */
export async function measurePath(ctx: SuiteContext, pair: Pair, samples: Samples, aroundUdp: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn()): Promise<void> {
  const record = (name: string, v: number) => samples.record(pair.label, name, v);
  record('rtt_us_p50', await rttMicros(pair.clientNs, pair.serverIp, 200));
  const tcp = await withCpu(() => tcpGbps(pair.clientNs, pair.serverNs, pair.serverIp, ctx.seconds));
  record('tcp_gbps', tcp.result);
  record('tcp_cpu_ns_per_kb', cpuNsPerKb(tcp.cpuNs, tcp.result, ctx.seconds));
  let perPacket = NaN;
  const pps = await aroundUdp(() =>
    udp64Pps({
      ...pair,
      srcIp: pair.clientIp,
      dstIp: pair.serverIp,
      srcMac: pair.clientMac,
      dstMac: pair.serverMac,
      seconds: ctx.seconds,
      confFile: `${ctx.tmpDir}/udp64.trafgen`,
      generatorCpu: 0,
      onWindow: (packets, cpuNs) => (perPacket = cpuNs / packets),
    }),
  );
  record('udp64_pps', pps);
  record('udp64_cpu_ns_per_packet', perPacket);
}

/** measurePath's figures of datapath `ferry` against `kernel`, medians, names prefixed with `prefix`. */
export function pathMetrics(samples: Samples, ferry: string, kernel: string, prefix = ''): Metric[] {
  const spec: [string, string, boolean][] = [
    ['tcp_gbps', 'Gbit/s', true],
    ['udp64_pps', 'packets/s', true],
    ['rtt_us_p50', 'us', false],
    ['tcp_cpu_ns_per_kb', 'CPU ns/KB', false],
    ['udp64_cpu_ns_per_packet', 'CPU ns/packet', false],
  ];
  const out: Metric[] = [];
  for (const [name, unit, higher] of spec) {
    const f = samples.get(ferry, name);
    const k = samples.get(kernel, name);
    if (f && k) out.push(metric(`${prefix}${name}`, unit, kernel, k, f, higher));
  }
  return out;
}
