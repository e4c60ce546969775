import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');

/**
 * Regression: the env cleanup hook once captured the binding's `this`; an
 * engine garbage-collected before process exit made the hook touch freed
 * memory, and node died with SIGSEGV at exit.
 */
describe('engine lifecycle', () => {
  it('engines collected before exit do not crash the process at exit', () => {
    const script = `
      const { Engine } = require(${JSON.stringify(path.join(root, 'dist/src/dataplane/engine.js'))});
      for (let i = 0; i < 5; i++) { const e = new Engine(); e.createDomain(); e.shutdown(); }
      const kept = new Engine(); kept.createDomain(); // still running at exit: the hook must stop it
      global.gc();
      setTimeout(() => { global.gc(); process.stdout.write('done'); }, 50);`;
    // The compiled engine (npm test's pretest keeps dist/ current).
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('done');
  });
});
