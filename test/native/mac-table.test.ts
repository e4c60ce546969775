import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');

/** Compiles native/l2/mac_table.cc with a randomized model test and runs it. */
describe('native MAC table', () => {
  it('agrees with a model over 400,000 random operations', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-mactable-'));
    try {
      const bin = path.join(dir, 'mac_table_test');
      execFileSync('g++', ['-std=c++17', '-O2', '-Wall', '-Wextra', '-I', path.join(root, 'native'), path.join(root, 'native/l2/mac_table.cc'), path.join(__dirname, 'mac_table_test.cc'), '-o', bin]);
      expect(execFileSync(bin, { encoding: 'utf8' })).toMatch(/^ok \d+ entries/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
