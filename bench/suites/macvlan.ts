import { Engine } from '../../src/dataplane';
import { measurePath, pathMetrics } from '../lib/path-metrics';
import { Samples, type Metric } from '../lib/report';
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
  try {
    for (let round = 0; round < ctx.rounds; round++) {
      ctx.log(`round ${round + 1}/${ctx.rounds}`);
      for (const datapath of datapaths.map((_, i) => datapaths[(i + round) % datapaths.length]!)) {
        const pair = await segmentPair(ctx.prefix, datapath, engine);
        try {
          // Generator on CPU 0, Ferry's worker on CPU 1, as in suite bridge.
          await measurePath(ctx, pair, samples, async (fn) => {
            if (datapath !== 'kernel-macvlan') engine.pinWorker(1);
            try {
              return await fn();
            } finally {
              engine.pinWorker(-1);
            }
          });
        } finally {
          await pair.destroy();
        }
      }
    }
  } finally {
    engine.shutdown();
  }
  return [...pathMetrics(samples, 'ferry-macvlan', 'kernel-macvlan'), ...pathMetrics(samples, 'ferry-ipvlan', 'kernel-macvlan', 'ipvlan_')];
}

