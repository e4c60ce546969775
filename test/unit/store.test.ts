import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore, StoreError } from '../../src/store';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'ferry-store-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('file store', () => {
  it('puts, gets, lists and deletes documents', async () => {
    const s = await FileStore.open(tempDir());
    await s.put('networks', 'n1', { name: 'web' });
    await s.put('networks', 'n2', { name: 'db' });
    expect(await s.get('networks', 'n1')).toEqual({ name: 'web' });
    expect(await s.list('networks')).toEqual([{ name: 'web' }, { name: 'db' }]);
    expect(await s.delete('networks', 'n1')).toBe(true);
    expect(await s.delete('networks', 'n1')).toBe(false);
    expect(await s.get('networks', 'n1')).toBeUndefined();
    expect(await s.list('nothing')).toEqual([]);
  });

  it('refuses keys that could escape the directory', async () => {
    const s = await FileStore.open(tempDir());
    await expect(s.put('networks', '../x', {})).rejects.toThrow(StoreError);
    await expect(s.get('networks', '.hidden')).rejects.toThrow(/not a valid store key/);
  });

  it('ignores and removes temporary files a crash left behind', async () => {
    const dir = tempDir();
    const s = await FileStore.open(dir);
    await s.put('c', 'a', { v: 1 });
    writeFileSync(path.join(dir, 'c', '.tmp-a-dead'), '{"v": 2, "trunc');
    expect(await s.list('c')).toEqual([{ v: 1 }]);
    await FileStore.open(dir);
    expect(readdirSync(path.join(dir, 'c'))).toEqual(['a.json']);
  });

  it('survives kill -9 in the middle of a stream of writes: the last committed state is readable', async () => {
    const dir = tempDir();
    // A child writes version 1, 2, 3, ... as fast as it can and reports each commit.
    const script = `
      const { FileStore } = require(${JSON.stringify(path.join(__dirname, '../../dist/src/store/file-store.js'))});
      (async () => { const s = await FileStore.open(${JSON.stringify(dir)});
        for (let v = 1; ; v++) { await s.put('c', 'doc', { v, pad: 'x'.repeat(20000) }); process.stdout.write(v + '\\n'); } })();`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let committed = 0;
    child.stdout.on('data', (d: Buffer) => (committed = Math.max(committed, ...d.toString().trim().split('\n').map(Number))));
    await new Promise((r) => setTimeout(r, 700));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(committed).toBeGreaterThan(5);
    const s = await FileStore.open(dir);
    const doc = await s.get<{ v: number; pad: string }>('c', 'doc');
    // Whole, and at least what was reported committed (one more may have landed unreported).
    expect(doc!.pad.length).toBe(20000);
    expect(doc!.v).toBeGreaterThanOrEqual(committed);
    expect(doc!.v).toBeLessThanOrEqual(committed + 1);
  });
});
