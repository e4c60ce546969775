import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineLibraries, engineSources } from '../../fuzz/build';

const root = path.join(__dirname, '..', '..');

/**
 * A test program linked with the engine as the addon's build compiled it
 * (its object files, without the N-API layer), so a test compiles only
 * itself: stages fed frames in memory, no root, no TAP.
 */
export function buildNativeTest(name: string, sources: string[]): { bin: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `ferry-${name}-`));
  const objects = engineSources(root).map((s) => path.join(root, 'build', 'Release', 'obj.target', 'ferry_native', s.replace(/\.cc$/, '.o')));
  const bin = path.join(dir, name);
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    execFileSync('g++', ['-std=c++17', '-O1', '-g', '-Wall', '-Wextra', '-Wno-unused-parameter', '-I', path.join(root, 'native'), '-I', __dirname, ...sources, ...objects, '-o', bin, ...engineLibraries(root), '-lpthread'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    cleanup(); // a test that does not compile leaves no directory behind
    throw e;
  }
  return { bin, cleanup };
}

describe('native stages in memory', () => {
  it('bridge, parse, dry runs and the rate limiter, on frames built byte by byte', () => {
    const { bin, cleanup } = buildNativeTest('stages', [path.join(__dirname, 'stages_test.cc')]);
    try {
      expect(execFileSync(bin, { encoding: 'utf8' })).toBe('ok\n');
    } finally {
      cleanup();
    }
  }, 180_000);

  it('conntrack, NAT rewrites and the prefix table, against expected state', () => {
    const { bin, cleanup } = buildNativeTest('nat', [path.join(__dirname, 'nat_test.cc')]);
    try {
      expect(execFileSync(bin, { encoding: 'utf8' })).toBe('ok\n');
    } finally {
      cleanup();
    }
  }, 180_000);

  it('ESP with AES-256-GCM: sealing, tampering, replay, extended sequence numbers, key derivation', () => {
    const { bin, cleanup } = buildNativeTest('esp', [path.join(__dirname, 'esp_test.cc')]);
    try {
      expect(execFileSync(bin, { encoding: 'utf8' })).toBe('ok\n');
    } finally {
      cleanup();
    }
  }, 180_000);
});
