import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FUZZ_TARGETS, buildFuzzTargets, packageRoot, type FuzzTarget } from './build';
import { UPSTREAM, type DnsFuzzResult } from './dns';
import { writeSeeds } from './seeds';

/**
 * npm run fuzz -- [--runs N] [--only parse,router,dns] [--artifacts DIR]
 *
 * Builds the libFuzzer targets (fuzz/build.ts), writes their seeds
 * (fuzz/seeds.ts), runs each for N executions (default 10 million), one
 * after the other, and the DNS fuzzer (fuzz/dns.ts) in a network namespace
 * of its own. Prints each target's executions, rate, coverage and peak RSS;
 * exits 1 when any found a crash, a sanitizer report or a broken invariant,
 * whose input is kept in the artifacts directory (default: the current one).
 */
const ALL = [...FUZZ_TARGETS, 'dns'] as const;
type Name = (typeof ALL)[number];

const USAGE = `usage: npm run fuzz -- [--runs N] [--only ${ALL.join(',')}] [--artifacts DIR] [--seed N]
  --runs N         executions per target (default 10000000)
  --only LIST      targets to run, comma-separated (default: all)
  --artifacts DIR  where a crashing input is written (default: the current directory)
  --seed N         the mutators' seed, to repeat a run (default: random)`;

export interface FuzzResult {
  target: Name;
  executions: number;
  seconds: number;
  perSecond: number;
  /** libFuzzer's edge coverage and features at the end (native targets). */
  coverage?: { edges: number; features: number; corpus: number };
  peakRssMb?: number;
  /** The DNS fuzzer: the resolver's counters at the end (queries, answered, malformed...). */
  outcomes?: Record<string, number>;
  ok: boolean;
  /** What went wrong, and where the input is. */
  failure?: string;
}

function usage(message: string): never {
  process.stderr.write(`fuzz: ${message}\n${USAGE}\n`);
  process.exit(2);
}

export function parseFuzzArgs(argv: string[]) {
  const opts = { runs: 10_000_000, only: [...ALL] as Name[], artifacts: process.cwd(), seed: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => argv[++i] ?? usage(`${a} takes a value`);
    if (a === '--runs' || a === '--seed') {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < (a === '--runs' ? 1 : 0)) usage(`${a} takes a ${a === '--runs' ? 'positive' : 'non-negative'} integer, got "${v}"`);
      if (a === '--runs') opts.runs = n;
      else opts.seed = n;
    } else if (a === '--only') {
      const names = value().split(',');
      const bad = names.find((n) => !(ALL as readonly string[]).includes(n));
      if (bad !== undefined) usage(`--only: unknown target "${bad}"; accepted: ${ALL.join(', ')}`);
      opts.only = names as Name[];
    } else if (a === '--artifacts') opts.artifacts = path.resolve(value());
    else if (a === '-h' || a === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else usage(`unknown argument "${a}"`);
  }
  return opts;
}

/** Runs one libFuzzer binary over its seeds for `runs` executions. */
export async function runNative(target: FuzzTarget, bin: string, seedDir: string, runs: number, seed: number, artifacts: string): Promise<FuzzResult> {
  const corpus = mkdtempSync(path.join(tmpdir(), `ferry-fuzz-${target}-`));
  mkdirSync(artifacts, { recursive: true });
  const args = [`-runs=${runs}`, '-max_len=9000', '-len_control=100', '-print_final_stats=1', `-artifact_prefix=${artifacts}/${target}-`, ...(seed ? [`-seed=${seed}`] : []), corpus, seedDir];
  const started = process.hrtime.bigint();
  try {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:symbolize=1', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' } });
      let err = '';
      p.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        if (err.length > 1 << 20) err = err.slice(-(1 << 19));
      });
      p.on('close', (c) => resolve({ code: c, stderr: err }));
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const stat = (name: string) => Number(new RegExp(`stat::${name}:\\s+(\\d+)`).exec(stderr)?.[1] ?? NaN);
    const last = [...stderr.matchAll(/cov: (\d+) ft: (\d+) corp: (\d+)/g)].at(-1);
    const executions = stat('number_of_executed_units');
    const ok = code === 0;
    return {
      target,
      executions,
      seconds,
      perSecond: stat('average_exec_per_sec'),
      ...(last ? { coverage: { edges: Number(last[1]), features: Number(last[2]), corpus: Number(last[3]) } } : {}),
      peakRssMb: stat('peak_rss_mb'),
      ok,
      ...(ok ? {} : { failure: summarize(stderr) }),
    };
  } finally {
    rmSync(corpus, { recursive: true, force: true });
  }
}

/** The sanitizer's or libFuzzer's headline and the artifact's path. */
function summarize(stderr: string): string {
  const lines = stderr.split('\n');
  const head = lines.find((l) => /ERROR: |runtime error:|deadly signal|SUMMARY:/.test(l)) ?? lines.slice(-5).join(' | ');
  const artifact = /Test unit written to (\S+)/.exec(stderr)?.[1];
  return `${head.trim()}${artifact ? `; input: ${artifact}` : ''}`;
}

/** The DNS fuzzer in a namespace of its own (unshare: gone with the process), the upstream on its loopback. */
export async function runDns(runs: number, seed: number, artifacts: string): Promise<FuzzResult> {
  const script = path.join(packageRoot(), 'dist', 'fuzz', 'dns.js');
  const setup = `ip link set lo up && ip addr add ${UPSTREAM}/32 dev lo && exec "${process.execPath}" "${script}" ${runs} ${seed || ''} "${artifacts}"`;
  const { stdout } = await promisify(execFile)('unshare', ['--net', '--', 'sh', '-c', setup], { maxBuffer: 16 << 20 }).catch((e: { stdout?: string; stderr?: string; code?: number }) => {
    if (e.stdout?.trim().startsWith('{')) return { stdout: e.stdout };
    throw new Error(`the DNS fuzzer failed to run: ${e.stderr?.trim() ?? String(e)}`);
  });
  const r = JSON.parse(stdout.trim()) as DnsFuzzResult;
  return { target: 'dns', executions: r.executions, seconds: r.seconds, perSecond: r.perSecond, outcomes: r.outcomes, ok: !r.failure, ...(r.failure ? { failure: `${r.failure.reason}; input: ${r.failure.input}` } : {}) };
}

export async function fuzz(opts: ReturnType<typeof parseFuzzArgs>, log: (line: string) => void = () => undefined): Promise<FuzzResult[]> {
  const natives = opts.only.filter((t): t is FuzzTarget => t !== 'dns');
  const bins = natives.length ? await buildFuzzTargets(natives) : ({} as Record<FuzzTarget, string>);
  const seedDir = mkdtempSync(path.join(tmpdir(), 'ferry-fuzz-seeds-'));
  const results: FuzzResult[] = [];
  try {
    writeSeeds(seedDir);
    for (const t of opts.only) {
      log(`fuzz: ${t}, ${opts.runs} executions`);
      results.push(t === 'dns' ? await runDns(opts.runs, opts.seed, opts.artifacts) : await runNative(t, bins[t], path.join(seedDir, t), opts.runs, opts.seed, opts.artifacts));
      log(formatResult(results.at(-1)!));
    }
  } finally {
    rmSync(seedDir, { recursive: true, force: true });
  }
  return results;
}

export function formatResult(r: FuzzResult): string {
  const cov = r.coverage ? `, coverage ${r.coverage.edges} edges / ${r.coverage.features} features, corpus ${r.coverage.corpus}` : '';
  const rss = r.peakRssMb ? `, peak RSS ${r.peakRssMb} MB` : '';
  const outcomes = r.outcomes ? ` (${Object.entries(r.outcomes).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')})` : '';
  return `${r.target}: ${r.executions} executions in ${r.seconds.toFixed(0)} s (${r.perSecond}/s)${cov}${rss}${outcomes}: ${r.ok ? 'no crash, no sanitizer report' : `FAILED: ${r.failure}`}`;
}

if (require.main === module) {
  const opts = parseFuzzArgs(process.argv.slice(2));
  fuzz(opts, (l) => process.stdout.write(`${l}\n`))
    .then((results) => process.exit(results.every((r) => r.ok) ? 0 : 1))
    .catch((e) => {
      process.stderr.write(`fuzz: ${(e as Error).message}\n`);
      process.exit(2);
    });
}
