import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';

/** Restarting the daemon loses nothing, whether it was stopped or killed. */
describe('daemon restarts', () => {
  const d = useDaemon();

  async function pingWithin(from: string, to: string, ms: number): Promise<number> {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      const r = await d().ferry('exec', from, '--', 'ping', '-c', '1', '-W', '1', to);
      if (r.code === 0) return Date.now() - t0;
    }
    throw new Error(`${from} could not reach ${to} within ${ms} ms`);
  }

  it('sets up networks and containers', async () => {
    await d().ok('network', 'create', '--subnet', '192.0.2.0/24', 'web');
    await d().ok('run', '-d', '--name', 'ca', '--network', 'web', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'cb', '--network', 'web', '--ip', '192.0.2.50', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'cc', '--', 'sleep', 'infinity');
    await d().ok('network', 'connect', 'bridge', 'ca');
    await pingWithin('ca', '192.0.2.50', 2000);
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`after ${signal}, everything comes back and containers regain connectivity within 2 s, same addresses`, async () => {
      const before = JSON.parse(await d().ok('inspect', 'ca', 'cb', 'cc'));
      const nets = await d().ok('network', 'ls');
      await d().stop(signal);
      await d().start();
      expect(await d().ok('network', 'ls')).toBe(nets);
      expect(await pingWithin('ca', '192.0.2.50', 2000)).toBeLessThan(2000);
      expect(await pingWithin('ca', await d().ip('cc'), 2000)).toBeLessThan(2000);
      const after = JSON.parse(await d().ok('inspect', 'ca', 'cb', 'cc'));
      for (let i = 0; i < 3; i++) {
        expect(after[i].State.Pid).toBe(before[i].State.Pid);
        expect(after[i].NetworkSettings.Networks).toEqual(before[i].NetworkSettings.Networks);
      }
    });
  }
});
