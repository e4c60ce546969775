import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Builds the libFuzzer targets in fuzz/targets/ with clang, AddressSanitizer
 * and UndefinedBehaviorSanitizer, against the engine's own sources (those of
 * binding.gyp without the N-API layer and the tools), compiled again with
 * the sanitizers into build/fuzz/. An object is rebuilt when its source, or
 * any header under native/, is newer.
 */
const run = promisify(execFile);

export const FUZZ_TARGETS = ['parse', 'router', 'demux', 'vxlan', 'esp'] as const;
export type FuzzTarget = (typeof FUZZ_TARGETS)[number];

export function packageRoot(): string {
  // dist/fuzz/build.js or fuzz/build.ts: the package root is the first parent with binding.gyp.
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'binding.gyp'))) dir = path.dirname(dir);
  return dir;
}

/** The engine's sources: the addon's, less the N-API binding and the tools that need Node. */
export function engineSources(root = packageRoot()): string[] {
  const gyp = JSON.parse(readFileSync(path.join(root, 'binding.gyp'), 'utf8')) as { targets: { sources: string[] }[] };
  return gyp.targets[0]!.sources.filter((s) => !/napi|addon|tools/.test(s));
}

/** The libraries the engine links with, as binding.gyp names them. */
export function engineLibraries(root = packageRoot()): string[] {
  const gyp = JSON.parse(readFileSync(path.join(root, 'binding.gyp'), 'utf8')) as { targets: { libraries?: string[] }[] };
  return gyp.targets[0]!.libraries ?? [];
}

const SANITIZE = ['-fsanitize=address,undefined', '-fno-sanitize-recover=undefined', '-fno-omit-frame-pointer'];
const CFLAGS = ['-std=c++17', '-O1', '-g', '-Wall', '-Wno-unused-parameter', ...SANITIZE];

function newestHeader(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestHeader(p));
    else if (e.name.endsWith('.h')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const stale = (out: string, inputs: number[]) => !existsSync(out) || Math.max(...inputs) > statSync(out).mtimeMs;

/** Builds every target (or those given); returns the binaries' paths. */
export async function buildFuzzTargets(targets: readonly FuzzTarget[] = FUZZ_TARGETS): Promise<Record<FuzzTarget, string>> {
  const root = packageRoot();
  const outDir = path.join(root, 'build', 'fuzz');
  mkdirSync(path.join(outDir, 'obj'), { recursive: true });
  const headers = Math.max(newestHeader(path.join(root, 'native')), newestHeader(path.join(root, 'fuzz', 'targets')), statSync(path.join(root, 'test', 'native', 'memory_port.h')).mtimeMs);
  const include = ['-I', path.join(root, 'native'), '-I', path.join(root, 'test', 'native'), '-I', path.join(root, 'fuzz', 'targets')];
  const compile = (src: string, obj: string, extra: string[]) => async () => {
    if (!stale(obj, [statSync(src).mtimeMs, headers])) return;
    await run('clang++', [...CFLAGS, ...extra, ...include, '-c', src, '-o', obj], { maxBuffer: 16 << 20 });
  };
  const jobs: (() => Promise<void>)[] = [];
  const objects = engineSources(root).map((s) => {
    const obj = path.join(outDir, 'obj', s.replace(/\//g, '_').replace(/\.cc$/, '.o'));
    jobs.push(compile(path.join(root, s), obj, ['-fsanitize=fuzzer-no-link']));
    return obj;
  });
  const targetObjects = targets.map((t) => {
    const obj = path.join(outDir, 'obj', `${t}_fuzz.o`);
    jobs.push(compile(path.join(root, 'fuzz', 'targets', `${t}_fuzz.cc`), obj, ['-fsanitize=fuzzer']));
    return obj;
  });
  await parallel(jobs, Math.max(1, cpus().length));
  const bins = {} as Record<FuzzTarget, string>;
  await Promise.all(
    targets.map(async (t, i) => {
      const bin = path.join(outDir, `${t}_fuzz`);
      const inputs = [...objects, targetObjects[i]!];
      if (stale(bin, inputs.map((o) => statSync(o).mtimeMs))) await run('clang++', [...SANITIZE, '-fsanitize=fuzzer', ...inputs, '-o', bin, ...engineLibraries(root), '-lpthread']);
      bins[t] = bin;
    }),
  );
  return bins;
}

async function parallel(jobs: (() => Promise<void>)[], width: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: width }, worker));
}
