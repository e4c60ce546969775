import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';

describe('signals', () => {
  const d = useDaemon();

  it('Ctrl-C on a foreground run reaches the container, and run exits with its code', async () => {
    const cli = spawn(process.execPath, [path.join(__dirname, '../../bin/ferry'), 'run', '--name', 'fg', '--', 'sh', '-c', 'echo started; exec sleep 30'], {
      env: { ...process.env, FERRY_SOCKET: d().socket },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    cli.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    for (let i = 0; i < 100 && !out.includes('started'); i++) await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    cli.kill('SIGINT');
    const code = await new Promise<number | null>((r) => cli.once('exit', r));
    expect(code).toBe(130); // 128 + SIGINT, from the container's own exit
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await d().inspect('fg')).State.Status).toBe('exited');
  });

  it('ferry kill sends a signal; a bad signal name is refused', async () => {
    await d().ok('run', '-d', '--name', 'target', '--', 'sleep', 'infinity');
    const bad = await d().ferry('kill', '-s', 'NOPE', 'target');
    expect(bad.stderr).toBe('ferry: "NOPE" is not a signal (for example SIGTERM, INT, KILL)\n');
    await d().ok('kill', '-s', 'TERM', 'target');
    for (let i = 0; i < 50 && (await d().inspect('target')).State.Status === 'running'; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await d().inspect('target')).State.Status).toBe('exited');
  });
});
