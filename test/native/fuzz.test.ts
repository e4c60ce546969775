import { afterAll, describe, expect, it } from 'vitest';
import { FUZZ_TARGETS, buildFuzzTargets } from '../../fuzz/build';
import { formatResult, runDns, runNative } from '../../fuzz/run';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeSeeds } from '../../fuzz/seeds';

/**
 * A short run of each fuzz target (the long ones are `npm run fuzz`): the
 * seeds, regressions found by earlier runs among them, and some thousands
 * of mutants, under ASan and UBSan. A failure names the input it kept.
 */
describe('fuzz targets, briefly', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-fuzz-test-'));
  let bins: Awaited<ReturnType<typeof buildFuzzTargets>>;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('build with clang, ASan and UBSan, and their seeds are written', async () => {
    bins = await buildFuzzTargets();
    const n = writeSeeds(path.join(dir, 'seeds'));
    expect(n.parse).toBeGreaterThan(5);
    expect(n.router).toBeGreaterThan(20);
    expect(n.demux).toBeGreaterThan(15);
    expect(n.vxlan).toBeGreaterThan(5);
    expect(n.esp).toBeGreaterThanOrEqual(3);
  }, 300_000);

  for (const target of FUZZ_TARGETS) {
    it(`${target}: 20,000 executions, no crash, no sanitizer report, no broken invariant`, async () => {
      const r = await runNative(target, bins[target], path.join(dir, 'seeds', target), 20_000, 1, path.join(dir, 'artifacts'));
      expect(r.ok, formatResult(r)).toBe(true);
      expect(r.executions).toBe(20_000);
      expect(r.coverage!.edges).toBeGreaterThan(100);
    }, 120_000);
  }

  it('dns: 100,000 queries through the resolver, every reply well-formed and scoped', async () => {
    const r = await runDns(100_000, 1, path.join(dir, 'artifacts'));
    expect(r.ok, formatResult(r)).toBe(true);
    expect(r.executions).toBe(100_000);
  }, 120_000);
});
