import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';

/** SCENARIOS.md 4: host, none and container: modes. */
describe('network modes', () => {
  const d = useDaemon();

  it('none: only lo, up, and no routes', async () => {
    await d().ok('run', '-d', '--name', 'nn', '--network', 'none', '--', 'sleep', 'infinity');
    const addr = await d().ok('exec', 'nn', '--', 'ip', '-br', 'addr');
    expect(addr).toMatch(/^lo\s+UNKNOWN\s+127\.0\.0\.1\/8/);
    expect(addr.split('\n')).toHaveLength(1);
    expect(await d().ok('exec', 'nn', '--', 'ip', 'route')).toBe('');
  });

  it('host: sees the host interfaces and creates nothing', async () => {
    const before = (await d().host(['ip', '-br', 'link'])).stdout;
    const out = await d().ok('run', '--rm', '--network', 'host', '--', 'ip', '-br', 'link');
    expect(out).toMatch(/^ferry0\s/m);
    expect((await d().host(['ip', '-br', 'link'])).stdout).toBe(before);
  });

  it('container:NAME shares eth0 and its address, and the two talk over lo', async () => {
    await d().ok('run', '-d', '--name', 'centos1', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'side', '--network', 'container:centos1', '--', 'sh', '-c', 'nc -l -p 7000 2>/dev/null || sleep infinity');
    const a = await d().ok('exec', 'centos1', '--', 'ip', '-br', 'addr', 'show', 'eth0');
    const b = await d().ok('exec', 'side', '--', 'ip', '-br', 'addr', 'show', 'eth0');
    expect(b).toBe(a);
    expect(a).toMatch(/172\.17\.0\.2\/16/);
    // It uses the resolver of the namespace it joined.
    expect(await d().ok('exec', 'side', '--', 'cat', '/etc/resolv.conf')).toMatch(/^nameserver 127\.0\.0\.11$/m);
    expect((await d().ferry('exec', 'side', '--', 'dig', '+tries=1', '+timeout=2', 'centos1')).stdout).toMatch(/status: NXDOMAIN/); // answered (default bridge: no names)
    const server = d().ferry('exec', 'side', '--', 'iperf3', '-s', '-1', '-B', '127.0.0.1', '-p', '5301');
    await new Promise((r) => setTimeout(r, 300));
    expect(await d().ok('exec', 'centos1', '--', 'iperf3', '-c', '127.0.0.1', '-p', '5301', '-t', '1')).toMatch(/receiver/);
    await server;
  });

  it('refuses the flags Docker refuses in container: mode', async () => {
    for (const [flag, what] of [
      [['--hostname', 'x'], 'hostname'],
      [['--dns', '192.0.2.53'], 'dns'],
      [['--add-host', 'a:192.0.2.1'], 'custom host-to-IP mapping'],
      [['-p', '8080:80'], 'port publishing'],
      [['--mac-address', '02:00:00:00:00:01'], 'mac-address'],
    ] as const) {
      const r = await d().ferry('run', '-d', '--network', 'container:centos1', ...flag, '--', 'true');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toBe(`ferry: conflicting options: ${what} and the network mode (container:)\n`);
    }
  });
});

/** Docker allows a container with no network left: it keeps lo, and every command keeps working. */
describe('a container disconnected from its last network', () => {
  const d = useDaemon();

  it('keeps lo; ps, inspect, exec, stop, start and reconnect all work', async () => {
    await d().ok('network', 'create', 'xnet');
    await d().ok('run', '-d', '--name', 'x1', '--network', 'xnet', '--', 'sleep', 'infinity');
    await d().ok('network', 'disconnect', 'xnet', 'x1');
    expect(await d().ok('ps')).toMatch(/x1$/m);
    const c = await d().inspect('x1');
    expect(c.NetworkSettings.Networks).toEqual({});
    expect((c as unknown as { HostConfig: { NetworkMode: string } }).HostConfig.NetworkMode).toBe('xnet');
    expect(await d().ok('exec', 'x1', '--', 'ip', '-br', 'link')).toMatch(/^lo\s+UNKNOWN[^\n]*$/);
    await d().ok('stop', '-t', '0', 'x1');
    await d().ok('start', 'x1');
    expect((await d().inspect('x1')).State.Status).toBe('running');
    await d().ok('network', 'connect', 'xnet', 'x1');
    expect(await d().ip('x1', 'xnet')).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await d().ok('rm', '-f', 'x1');
    await d().ok('network', 'rm', 'xnet');
  });
});
