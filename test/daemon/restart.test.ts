import { readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { execIn } from '../../src/netns';
import { useDaemon } from '../harness/daemon';

/**
 * Restarting the daemon loses nothing, whether it was stopped or killed, and
 * whether it was started with `nsenter --net` or with `ip netns exec` (a
 * private mount namespace, whose mounts die with the daemon).
 */
for (const enter of ['nsenter', 'ip-netns-exec'] as const) {
  describe(`daemon restarts (started with ${enter})`, () => {
    const d = useDaemon([], undefined, enter);

    async function pingWithin(from: string, to: string, ms: number): Promise<number> {
      const t0 = Date.now();
      while (Date.now() - t0 < ms) {
        const r = await d().ferry('exec', from, '--', 'ping', '-c', '1', '-W', '1', to);
        if (r.code === 0) return Date.now() - t0;
      }
      throw new Error(`${from} could not reach ${to} within ${ms} ms`);
    }

    /** The container's namespace as the host sees it: `ip netns exec` from outside the daemon's mount namespace. */
    async function hostSeesNamespace(name: string): Promise<void> {
      const c = await d().inspect(name);
      const sandbox = (c.NetworkSettings as unknown as { SandboxKey: string }).SandboxKey.replace('/run/netns/', '');
      const r = await execIn(sandbox, ['ip', '-o', 'link', 'show', 'eth0']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      // The name follows a process of the container (its log shim, whose child is State.Pid): the same namespace.
      const pinned = readlinkSync(`/run/netns/${sandbox}`);
      expect(pinned).toMatch(/^\/proc\/\d+\/ns\/net$/);
      expect(readlinkSync(pinned)).toBe(readlinkSync(`/proc/${c.State.Pid}/ns/net`));
    }

    it('sets up networks and containers, whose namespaces the host can enter', async () => {
      await d().ok('network', 'create', '--subnet', '192.0.2.0/24', 'web');
      await d().ok('run', '-d', '--name', 'ca', '--network', 'web', '--', 'sleep', 'infinity');
      await d().ok('run', '-d', '--name', 'cb', '--network', 'web', '--ip', '192.0.2.50', '--', 'sleep', 'infinity');
      await d().ok('run', '-d', '--name', 'cc', '--', 'sleep', 'infinity');
      await d().ok('network', 'connect', 'bridge', 'ca');
      await pingWithin('ca', '192.0.2.50', 2000);
      for (const c of ['ca', 'cb', 'cc']) await hostSeesNamespace(c);
    });

    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      it(`after ${signal}, everything comes back and containers regain connectivity within 2 s, same addresses`, async () => {
        const before = JSON.parse(await d().ok('inspect', 'ca', 'cb', 'cc'));
        const nets = await d().ok('network', 'ls');
        await d().stop(signal);
        await d().start();
        expect(d().log).not.toMatch(/container\.reattach/);
        expect(await d().ok('network', 'ls')).toBe(nets);
        expect(await pingWithin('ca', '192.0.2.50', 2000)).toBeLessThan(2000);
        expect(await pingWithin('ca', await d().ip('cc'), 2000)).toBeLessThan(2000);
        const after = JSON.parse(await d().ok('inspect', 'ca', 'cb', 'cc'));
        for (let i = 0; i < 3; i++) {
          expect(after[i].State.Pid).toBe(before[i].State.Pid);
          expect(after[i].NetworkSettings.Networks).toEqual(before[i].NetworkSettings.Networks);
        }
        for (const c of ['ca', 'cb', 'cc']) await hostSeesNamespace(c);
      });
    }

    it('a stopped container leaves no name behind, and starts again', async () => {
      const c = await d().inspect('cb');
      const sandbox = (c.NetworkSettings as unknown as { SandboxKey: string }).SandboxKey;
      await d().ok('stop', 'cb');
      expect(() => readlinkSync(sandbox)).toThrow(/ENOENT/);
      await d().ok('start', 'cb');
      await pingWithin('ca', '192.0.2.50', 2000);
    });
  });
}
