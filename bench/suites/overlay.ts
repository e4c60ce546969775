import { Samples, type Metric } from '../lib/report';
import { overlayPair, type OverlayDatapath } from '../lib/overlay-topology';
import { measurePath, pathMetrics } from '../lib/path-metrics';
import type { Pair } from '../lib/topology';
import { wireguardPair } from '../lib/wireguard-topology';
import type { SuiteContext } from './suite';

/**
 * Suite `overlay`: a container on host h1 to a container on host h2 of one
 * overlay network (bench/lib/overlay-topology.ts), through the kernel's
 * VXLAN and bridge as Docker builds them, and through two Ferry engines (one
 * per host), plain and encrypted (`-o encrypted`: ESP with AES-256-GCM).
 * This kernel has no ESP (CONFIG_INET_ESP off) and no WireGuard, so the
 * encrypted figures are reported against Ferry's plain overlay and, as a
 * reference, against userspace WireGuard (Debian's wireguard-go,
 * bench/lib/wireguard-topology.ts, a routed path). One TCP stream, 64-byte
 * UDP, ping, and their cost in CPU (bench/lib/path-metrics.ts), both hosts'
 * datapaths included. Each round builds each topology in turn, rotating the
 * order; values are medians.
 */
type Datapath = OverlayDatapath | 'wireguard-go';

export async function overlaySuite(ctx: SuiteContext): Promise<Metric[]> {
  const datapaths: Datapath[] = ['kernel-vxlan', 'ferry-vxlan', 'ferry-vxlan-esp', 'wireguard-go'];
  const samples = new Samples(ctx.log);
  for (let round = 0; round < ctx.rounds; round++) {
    ctx.log(`round ${round + 1}/${ctx.rounds}`);
    for (const datapath of datapaths.map((_, i) => datapaths[(i + round) % datapaths.length]!)) {
      const pair: Pair = datapath === 'wireguard-go' ? await wireguardPair(ctx.prefix) : await overlayPair(ctx.prefix, datapath);
      try {
        await measurePath(ctx, pair, samples);
      } finally {
        await pair.destroy();
      }
    }
  }
  return [
    ...pathMetrics(samples, 'ferry-vxlan', 'kernel-vxlan'),
    ...pathMetrics(samples, 'ferry-vxlan-esp', 'ferry-vxlan', 'encrypted_'),
    ...pathMetrics(samples, 'ferry-vxlan-esp', 'wireguard-go', 'encrypted_vs_wg_'),
  ];
}
