import path from 'node:path';
import { engineLibraries, engineSources, packageRoot } from '../../fuzz/build';
import { run } from '../../src/netns';
import { Samples, metric, type Metric } from '../lib/report';
import type { SuiteContext } from './suite';

/**
 * Suite `tables`: how the fast path's per-packet lookups cost as the tables
 * fill (bench/tools/tables.cc, linked with the engine's own objects): the MAC
 * table at 1,000 and 65,536 entries, conntrack at 1,000, 100,000 and
 * 1,000,000 flows, hits and misses, nanoseconds per lookup. There is no
 * kernel figure to set beside an in-memory lookup: each size is reported
 * against the 1,000-entry table, so the ratio is the growth (1.0: none).
 * Each round runs the tool once; values are medians over rounds.
 */
export async function tablesSuite(ctx: SuiteContext): Promise<Metric[]> {
  const root = packageRoot();
  const bin = path.join(ctx.tmpDir, 'tables');
  const objects = engineSources(root).map((s) => path.join(root, 'build', 'Release', 'obj.target', 'ferry_native', s.replace(/\.cc$/, '.o')));
  const cc = await run('g++', ['-std=c++17', '-O2', '-I', path.join(root, 'native'), path.join(root, 'bench', 'tools', 'tables.cc'), ...objects, '-o', bin, ...engineLibraries(root), '-lpthread']);
  if (cc.code !== 0) throw new Error(`building bench/tools/tables.cc (run npm run build first): ${cc.stderr}`);
  const samples = new Samples(ctx.log);
  for (let round = 0; round < ctx.rounds; round++) {
    ctx.log(`round ${round + 1}/${ctx.rounds}`);
    const r = await run(bin, [], { timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`bench/tools/tables exited ${r.code}: ${r.stderr}`);
    for (const line of r.stdout.trim().split('\n')) {
      const t = JSON.parse(line) as { table: string; entries: number; hit_ns: number; miss_ns: number };
      samples.record(`${t.table}-${t.entries}`, 'hit_ns', t.hit_ns);
      samples.record(`${t.table}-${t.entries}`, 'miss_ns', t.miss_ns);
    }
  }
  const out: Metric[] = [];
  for (const [table, sizes] of [['mac', [65536]], ['conntrack', [100000, 1000000]]] as const)
    for (const size of sizes)
      for (const what of ['hit_ns', 'miss_ns']) {
        const base = samples.get(`${table}-1000`, what);
        const big = samples.get(`${table}-${size}`, what);
        if (base && big) out.push(metric(`${table}_${what.replace('_ns', '')}_ns_${size}`, 'ns/lookup', `${table}, 1,000 entries`, base, big, false));
      }
  return out;
}
