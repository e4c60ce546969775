import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';
import { externalSegment } from '../harness/segment';

/** A macvlan network across a restart of a daemon started with `ip netns exec` (a private mount namespace). */
describe('macvlan across a restart, daemon under ip netns exec', () => {
  const d = useDaemon([], async (lab) => void (await externalSegment(lab.prefix, lab.hostNs, 'eth0')), 'ip-netns-exec');
  const ping = async (c: string, ip: string) => (await d().ferry('exec', c, '--', 'ping', '-c', '2', '-i', '0.2', '-W', '1', ip)).code === 0;

  it('keeps the container on the segment, its VLAN tag and the host access', async () => {
    await d().ok('network', 'create', '-d', 'macvlan', '--subnet', '172.16.86.0/24', '--gateway', '172.16.86.1', '-o', 'parent=eth0', 'mv');
    await d().ok('network', 'create', '-d', 'macvlan', '--subnet', '172.16.77.0/24', '-o', 'parent=eth0.77', '-o', 'ferry.host_access=true', 'mv77');
    await d().ok('run', '-d', '--name', 'near', '--network', 'mv', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'c77', '--network', 'mv77', '--', 'sleep', 'infinity');
    expect(await ping('near', '172.16.86.254')).toBe(true);
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      await d().stop(signal);
      await d().start();
      expect(await ping('near', '172.16.86.254')).toBe(true);
      expect((await d().host(['ping', '-c', '1', '-W', '1', '172.16.77.2'])).code).toBe(0);
    }
    await d().ok('rm', '-f', 'near', 'c77');
    await d().ok('network', 'rm', 'mv', 'mv77');
    expect((await d().host(['ip', '-d', 'link', 'show', 'eth0'])).stdout).toMatch(/promiscuity 0/);
  });
});
