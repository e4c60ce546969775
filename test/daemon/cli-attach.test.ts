import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';
import { onPty } from '../harness/pty';

const ferry = path.join(__dirname, '..', '..', 'bin', 'ferry');

/** run -i and -t: the container's stdin from here, and a terminal of its own. */
describe('ferry run -i and -t', () => {
  const d = useDaemon();
  const sh = (script: string, env: Record<string, string> = {}) => d().shell(script, env);

  it('-i: what is piped in reaches the container, its end included', async () => {
    const r = await sh(`printf 'one\\ntwo\\n' | ${ferry} run -i --rm -- sh -c 'cat; echo done'`);
    expect([r.code, r.stdout]).toEqual([0, 'one\ntwo\ndone\n']);
  });

  it("-it: an interactive shell on its own terminal, of this terminal's size, and its exit code", async () => {
    const r = await onPty([ferry, 'run', '-it', '--rm', '--', 'sh'], 'echo answer=$((6*7)); tty; stty size; exit 5\n', { FERRY_SOCKET: d().socket });
    expect(r.output).toMatch(/answer=42/);
    expect(r.output).toMatch(/^\/dev\/pts\/\d+\r?$/m);
    expect(r.output).toMatch(/^24 80\r?$/m);
    expect(r.code).toBe(5);
  });

  it("-it: the container's terminal follows the caller's when it changes size", async () => {
    const r = await onPty([ferry, 'run', '-it', '--rm', '--', 'sh'], 'stty size; exit\n', { FERRY_SOCKET: d().socket }, { size: [30, 100], resizeTo: [40, 120] });
    expect(r.output).toMatch(/^40 120\r?$/m);
    expect(r.code).toBe(0);
  });

  it('create -i, then start -ai: its stdin from here; start -a: its output and exit code', async () => {
    await d().ok('create', '-i', '--name', 'later', '--', 'sh', '-c', 'read line; echo "got $line"; exit 3');
    expect(await d().ok('inspect', '-f', '{{.Config.OpenStdin}} {{.Config.Tty}}', 'later')).toBe('true false');
    const r = await sh(`echo hello | ${ferry} start -ai later`);
    expect([r.code, r.stdout]).toEqual([3, 'got hello\n']);
    await d().ok('create', '--name', 'plain', '--', 'sh', '-c', 'echo plain output; exit 4');
    const p = await d().ferry('start', '-a', 'plain');
    expect([p.code, p.stdout]).toEqual([4, 'plain output\n']);
  });

  it('create -it, then start -ai on a terminal', async () => {
    await d().ok('create', '-it', '--name', 'tty1', '--', 'sh');
    const r = await onPty([ferry, 'start', '-ai', 'tty1'], 'echo answer=$((6*7)); stty size; exit 6\n', { FERRY_SOCKET: d().socket }, { size: [33, 99] });
    expect(r.output).toMatch(/answer=42/);
    expect(r.output).toMatch(/^33 99\r?$/m);
    expect(r.code).toBe(6);
  });

  it('-t without a terminal is refused, with 125', async () => {
    const r = await sh(`echo | ${ferry} run -t --rm -- true`);
    expect([r.code, r.stderr]).toEqual([125, 'ferry: -t: the input device is not a TTY\n']);
  });
});
