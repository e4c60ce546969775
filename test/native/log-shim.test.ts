import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/dataplane/native';
import { LogTimes, rfc3339Nano, stampLines } from '../../src/daemon/log-times';

const SHIM = path.join(packageRoot(), 'build', 'Release', 'ferry-log-shim');

/** The log shim (native/shim/log_shim.cc) as the daemon runs it, and its index read back by daemon/log-times.ts. */
describe('ferry-log-shim', () => {
  let dir: string;
  beforeEach(() => void (dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-shim-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (script: string, onStart?: (pid: number) => void) => {
    const log = openSync(path.join(dir, 'log'), 'a');
    const times = openSync(path.join(dir, 'log.times'), 'a');
    const child = spawn(SHIM, ['--', 'sh', '-c', script], { stdio: ['ignore', log, log, times], detached: true });
    closeSync(log);
    closeSync(times);
    onStart?.(child.pid!);
    return new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  };

  it('keeps the bytes as written, stdout and stderr, and indexes every read', async () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const { code } = await run('echo one; sleep 0.3; echo two >&2; printf tail; exit 3');
    const after = BigInt(Date.now()) * 1_000_000n;
    expect(code).toBe(3);
    const log = readFileSync(path.join(dir, 'log'));
    expect(log.toString()).toBe('one\ntwo\ntail');
    const fd = openSync(path.join(dir, 'log.times'), 'r');
    try {
      const times = new LogTimes(fd);
      expect(times.refresh()).toBe(log.length); // every byte has its time
      const one = times.timeOf(0)!;
      const two = times.timeOf(4)!;
      expect(one >= before && two <= after).toBe(true);
      expect(Number(two - one) / 1e6).toBeGreaterThan(250); // the sleep between them
      expect(times.offsetSince(one + 1n)).toBe(4); // since just after "one": from "two"
      expect(times.offsetSince(0n)).toBe(0);
      const { out, rest } = stampLines(log, 0, times, false);
      expect(out.toString()).toBe(`${rfc3339Nano(one)} one\n${rfc3339Nano(two)} two\n`);
      expect(rest).toBe(8); // "tail" waits for its newline
      expect(stampLines(log, 0, times, true).out.toString()).toMatch(/ tail$/);
    } finally {
      closeSync(fd);
    }
  });

  it("ignores the group's signals and ends as its command ended", async () => {
    const ended = run('trap "echo got TERM; exit 7" TERM; sleep 5 & wait', (pid) => setTimeout(() => process.kill(-pid, 'SIGTERM'), 300));
    expect((await ended).code).toBe(7);
    expect(readFileSync(path.join(dir, 'log'), 'utf8')).toBe('got TERM\n'); // written as it died, and kept
    expect(await run('kill -USR1 $$')).toEqual({ code: null, signal: 'SIGUSR1' });
    expect((await run('exec /nonexistent/command')).code).toBe(127);
  });

  it('formats times as docker logs -t does', () => {
    expect(rfc3339Nano(1_764_000_000_123_456_789n)).toBe('2025-11-24T16:00:00.123456789Z');
    expect(rfc3339Nano(1_764_000_000_000_000_007n)).toBe('2025-11-24T16:00:00.000000007Z');
  });
});
