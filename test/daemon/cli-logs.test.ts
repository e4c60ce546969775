import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';

const ferry = path.join(__dirname, '..', '..', 'bin', 'ferry');

/** ferry logs: --tail, and -f streamed from the daemon as lines are written. */
describe('ferry logs', () => {
  const d = useDaemon();

  it('--tail N gives the last lines; all of them without it', async () => {
    await d().ok('run', '--name', 'count', '--', 'sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; done');
    expect(await d().ok('logs', 'count')).toBe('line1\nline2\nline3\nline4\nline5');
    expect(await d().ok('logs', '--tail', '2', 'count')).toBe('line4\nline5');
    expect(await d().ok('logs', '-n', '0', 'count')).toBe('');
    expect((await d().ferry('logs', '--tail', 'some', 'count')).stderr).toBe('ferry: option --tail N: "some" is not valid; expected a number of lines, or all\n');
  });

  it('-f shows each line as it is written, and ends when the container stops', async () => {
    // Each line carries the time it was written (the host's clock, shared with the container).
    await d().ok('run', '-d', '--name', 'ticker', '--', 'sh', '-c', 'for i in 1 2 3 4 5 6; do sleep 0.3; echo "tick $(date +%s%N)"; done');
    const proc = spawn(ferry, ['logs', '-f', 'ticker'], { env: { ...process.env, FERRY_SOCKET: d().socket } });
    const delays: number[] = [];
    let pending = '';
    proc.stdout.on('data', (c: Buffer) => {
      const now = Date.now();
      pending += c.toString();
      for (let nl; (nl = pending.indexOf('\n')) >= 0; pending = pending.slice(nl + 1)) {
        const written = Number(/^tick (\d+)$/.exec(pending.slice(0, nl))?.[1]) / 1e6;
        delays.push(now - written);
      }
    });
    const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
    expect(code).toBe(0); // it ended by itself when the container stopped
    expect(delays).toHaveLength(6);
    const sorted = [...delays].sort((a, b) => a - b);
    expect(sorted[2]!).toBeLessThan(100); // the median line arrives within 100 ms of its writing
    expect(sorted[5]!).toBeLessThan(1000);
  });

  it('a foreground run streams its output and returns its exit code, --rm included', async () => {
    const r = await d().ferry('run', '--rm', '--', 'sh', '-c', 'echo one; sleep 0.3; echo two; exit 4');
    expect([r.code, r.stdout]).toEqual([4, 'one\ntwo\n']);
    const quick = await d().ferry('run', '--rm', '--', 'echo', 'fast');
    expect([quick.code, quick.stdout]).toEqual([0, 'fast\n']);
  });

  it('--timestamps gives each line its time, --since only the lines from a time', async () => {
    const started = Date.now();
    await d().ok('run', '--name', 'slow', '--', 'sh', '-c', 'echo early; sleep 1; printf "la"; sleep 0.2; echo te');
    const stamped = (await d().ok('logs', '-t', 'slow')).split('\n');
    expect(stamped).toHaveLength(2);
    const [early, late] = stamped.map((l) => /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.(\d{9}))Z (.*)$/.exec(l)!);
    expect([early![3], late![3]]).toEqual(['early', 'late']); // a line is whole, stamped when its last byte came
    const ms = (m: RegExpExecArray) => Date.parse(`${m[1]!.slice(0, 23)}Z`);
    expect(ms(early!)).toBeGreaterThanOrEqual(started - 5);
    expect(ms(late!) - ms(early!)).toBeGreaterThan(1100);
    // A time between the two lines, in each form Docker takes.
    const between = new Date(ms(early!) + 600);
    expect(await d().ok('logs', '--since', between.toISOString(), 'slow')).toBe('late');
    expect(await d().ok('logs', '--since', String(between.getTime() / 1000), 'slow')).toBe('late');
    expect(await d().ok('logs', '--since', '1h', 'slow')).toBe('early\nlate');
    expect(await d().ok('logs', '--since', '2099-01-01', 'slow')).toBe('');
    expect(await d().ok('logs', '--since', between.toISOString(), '-t', '--tail', '5', 'slow')).toBe(stamped[1]);
    const bad = await d().ferry('logs', '--since', 'yesterday', 'slow');
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/^ferry: option --since TIME: "yesterday" is not valid; expected a time: .*RFC 3339.*Unix seconds.*10m/)]);
  });

  it('-f -t stamps lines as they come', async () => {
    await d().ok('run', '-d', '--name', 'stamps', '--', 'sh', '-c', 'sleep 0.3; echo a; sleep 0.3; echo b');
    const r = await d().ok('logs', '-f', '-t', 'stamps');
    expect(r).toMatch(/^\S+Z a\n\S+Z b$/);
  });
});
