import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sweep } from '../src/demo/sweep';
import { formatTable, type SuiteResult } from './lib/report';
import { plotSvg } from './lib/plot';
import { bridgeSuite } from './suites/bridge';
import { costSuite } from './suites/cost';
import { dnsSuite } from './suites/dns';
import { macvlanSuite } from './suites/macvlan';
import { overlaySuite } from './suites/overlay';
import { overlayControlSuite } from './suites/overlay-control';
import { natSuite } from './suites/nat';
import { scaleSuite } from './suites/scale';
import { tablesSuite } from './suites/tables';
import { soakSuite } from './suites/soak';
import type { Suite } from './suites/suite';

const SUITES: Record<string, Suite> = { bridge: bridgeSuite, cost: costSuite, dns: dnsSuite, macvlan: macvlanSuite, nat: natSuite, overlay: overlaySuite, 'overlay-control': overlayControlSuite, scale: scaleSuite, soak: soakSuite, tables: tablesSuite };

const USAGE = `usage: npm run bench -- SUITE [--json FILE] [--plot FILE.svg] [--seconds N] [--rounds N] [--attach-samples N]
  SUITE             one of: ${Object.keys(SUITES).join(', ')}
  --json FILE       also write the result as JSON to FILE
  --plot FILE       also draw it as an SVG picture in FILE (each metric, Ferry beside its baseline, the spread over rounds)
  --seconds N       length of each throughput measurement (default 5)
  --minutes N       length of the soak (default 10; a fraction is allowed)
  --rounds N        times each datapath is built and measured, alternating (default 2)
  --attach-samples N  container attaches timed per round (default 20)
  --baseline-build DIR  also measure the Ferry build in DIR (a checkout after npm run build)
                    as datapath ferry-baseline, and report this build against it`;

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]) {
  const opts = { suite: '', json: '', plot: '', seconds: 5, minutes: 10, rounds: 2, attachSamples: 20, baselineBuild: '' };
  const positive = (flag: string, v: string | undefined) => {
    const n = Number(v);
    if (!v || !Number.isInteger(n) || n < 1) fail(`${flag} takes a positive integer, got ${v === undefined ? 'nothing' : `"${v}"`}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') opts.json = argv[++i] ?? fail('--json takes a file name');
    else if (a === '--plot') opts.plot = argv[++i] ?? fail('--plot takes a file name (an .svg)');
    else if (a === '--seconds') opts.seconds = positive(a, argv[++i]);
    else if (a === '--rounds') opts.rounds = positive(a, argv[++i]);
    else if (a === '--minutes') {
      const v = argv[++i];
      opts.minutes = Number(v);
      if (!v || !(opts.minutes > 0)) fail(`--minutes takes a positive number, got ${v === undefined ? 'nothing' : `"${v}"`}`);
    }
    else if (a === '--attach-samples') opts.attachSamples = positive(a, argv[++i]);
    else if (a === '--baseline-build') {
      const dir = argv[++i] ?? fail('--baseline-build takes a directory');
      const addon = path.resolve(dir, 'build', 'Release', 'ferry_native.node');
      if (!existsSync(addon)) fail(`--baseline-build ${dir}: no ${addon} (build that checkout first)`);
      opts.baselineBuild = addon;
    }
    else if (a === '-h' || a === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (a.startsWith('-')) fail(`unknown option ${a}`);
    else if (opts.suite) fail(`one suite at a time (got "${opts.suite}" and "${a}")`);
    else opts.suite = a;
  }
  if (!opts.suite) fail('which suite?');
  if (!SUITES[opts.suite]) fail(`unknown suite "${opts.suite}"`);
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const prefix = `fyb${randomBytes(2).toString('hex')}`;
  const tmpDir = mkdtempSync(path.join(tmpdir(), 'ferry-bench-'));
  const cleanup = () => {
    sweep(prefix);
    rmSync(tmpDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const metrics = await SUITES[opts.suite]!({
      prefix,
      seconds: opts.seconds,
      minutes: opts.minutes,
      rounds: opts.rounds,
      attachSamples: opts.attachSamples,
      tmpDir,
      baselineBuild: opts.baselineBuild || undefined,
      log: (l) => process.stderr.write(`${l}\n`),
    });
    const result: SuiteResult = { suite: opts.suite, metrics };
    process.stdout.write(`${formatTable(result)}\n`);
    if (opts.json) writeFileSync(opts.json, `${JSON.stringify(result, null, 2)}\n`);
    if (opts.plot) writeFileSync(opts.plot, plotSvg(result));
  } finally {
    cleanup();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
