import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';

/** Docker's multi-network example: create, connect a second network, start; the container starts on both. */
describe('ferry create, network connect, start', () => {
  const d = useDaemon();

  it('create makes a container that is not started', async () => {
    await d().ok('network', 'create', '--subnet', '10.82.0.0/24', 'n1');
    await d().ok('network', 'create', '--subnet', '10.83.0.0/24', 'n2');
    expect(await d().ok('create', '--name', 'multi', '--network', 'n1', '--', 'sleep', 'infinity')).toMatch(/^[0-9a-f]{64}$/);
    expect(await d().ok('ps', '--format', '{{.Names}}')).toBe('');
    expect(await d().ok('ps', '-a', '--format', '{{.Names}} {{.Status}}')).toBe('multi Created');
    expect(await d().ok('inspect', '-f', '{{.State.Status}} {{.State.Pid}}', 'multi')).toBe('created 0');
  });

  it('connected to a second network before start, it starts on both, reachable by name on each', async () => {
    await d().ok('network', 'connect', 'n2', 'multi');
    expect(await d().ok('start', 'multi')).toBe('multi');
    const addrs = await d().ok('exec', 'multi', '--', 'ip', '-4', '-o', 'addr', 'show');
    expect(addrs).toMatch(/ eth0 +inet 10\.82\.0\.2\/24 /);
    expect(addrs).toMatch(/ eth1 +inet 10\.83\.0\.2\/24 /);
    expect(await d().ok('inspect', '-f', '{{range $n, $e := .NetworkSettings.Networks}}{{$n}}={{$e.IPAddress}} {{end}}', 'multi')).toBe('n1=10.82.0.2 n2=10.83.0.2');
    for (const net of ['n1', 'n2']) expect((await d().ferry('run', '--rm', '--network', net, '--', 'ping', '-c', '1', '-W', '2', 'multi')).code).toBe(0);
  });

  it('refuses what it cannot create with 125, and creates nothing', async () => {
    const r = await d().ferry('create', '--network', 'nowhere', '--name', 'never', '--', 'true');
    expect(r.code).toBe(125);
    expect((await d().ferry('inspect', 'never')).code).not.toBe(0);
  });
});
