import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';

/** SCENARIOS.md 1 and 2: the default bridge, and address reuse. */
describe('the default bridge', () => {
  const d = useDaemon();

  it('a fresh daemon has bridge, host and none, and the host holds 172.17.0.1/16 on ferry0', async () => {
    const ls = await d().ok('network', 'ls');
    expect(ls.split('\n')[0]).toMatch(/^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/);
    expect(ls).toMatch(/^[0-9a-f]{12}\s+bridge\s+bridge\s+local$/m);
    expect(ls).toMatch(/^[0-9a-f]{12}\s+host\s+host\s+local$/m);
    expect(ls).toMatch(/^[0-9a-f]{12}\s+none\s+null\s+local$/m);
    const addr = await d().host(['ip', '-br', 'addr', 'show', 'dev', 'ferry0']);
    expect(addr.stdout).toMatch(/ferry0\s+(UP|UNKNOWN)\s+172\.17\.0\.1\/16/);
    // A Ferry port, not a kernel bridge.
    expect((await d().host(['ip', '-d', 'link', 'show', 'dev', 'ferry0'])).stdout).toMatch(/tun type tap/);
  });

  it('alpine1 and alpine2 get .2 and .3, unique MACs, gateway .1, and inspect lists both', async () => {
    await d().ok('run', '-d', '--name', 'alpine1', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'alpine2', '--', 'sleep', 'infinity');
    const a1 = (await d().inspect('alpine1')).NetworkSettings.Networks.bridge!;
    const a2 = (await d().inspect('alpine2')).NetworkSettings.Networks.bridge!;
    expect([a1.IPAddress, a2.IPAddress]).toEqual(['172.17.0.2', '172.17.0.3']);
    expect(a1.Gateway).toBe('172.17.0.1');
    expect(a1.MacAddress).not.toBe(a2.MacAddress);
    const net = JSON.parse(await d().ok('network', 'inspect', 'bridge'))[0];
    expect(Object.values(net.Containers).map((c) => (c as { Name: string; IPv4Address: string }).IPv4Address).sort()).toEqual(['172.17.0.2/16', '172.17.0.3/16']);
    expect(net.IPAM.Config).toEqual([{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }]);
  });

  it('inside alpine1: lo and eth0 with 172.17.0.2/16, a default route via the gateway', async () => {
    const addr = await d().ok('exec', 'alpine1', '--', 'ip', '-br', 'addr');
    expect(addr).toMatch(/^lo\s+UNKNOWN\s+127\.0\.0\.1\/8/m);
    expect(addr).toMatch(/^eth0\s+(UP|UNKNOWN)\s+172\.17\.0\.2\/16/m);
    expect(addr.split('\n')).toHaveLength(2);
    expect(await d().ok('exec', 'alpine1', '--', 'ip', 'route')).toMatch(/^default via 172\.17\.0\.1 dev eth0/m);
    expect(await d().ok('exec', 'alpine1', '--', 'cat', '/etc/hostname')).toMatch(/^[0-9a-f]{12}$/);
  });

  it('alpine1 reaches alpine2 and the gateway by address; names do not resolve on the default bridge', async () => {
    expect(await d().ok('exec', 'alpine1', '--', 'ping', '-c', '2', '-i', '0.2', '-W', '1', '172.17.0.3')).toMatch(/2 received/);
    expect(await d().ok('exec', 'alpine1', '--', 'ping', '-c', '1', '-W', '1', '172.17.0.1')).toMatch(/1 received/);
    const byName = await d().ferry('exec', 'alpine1', '--', 'ping', '-c', '1', '-W', '1', 'alpine2');
    expect(byName.code).not.toBe(0);
  });

  it('the host reaches the containers, TCP included', async () => {
    expect((await d().host(['ping', '-c', '1', '-W', '1', '172.17.0.2'])).stdout).toMatch(/1 received/);
    const server = d().ferry('exec', 'alpine2', '--', 'iperf3', '-s', '-1');
    await new Promise((r) => setTimeout(r, 300));
    const client = await d().host(['iperf3', '-c', '172.17.0.3', '-t', '1']);
    await server;
    expect(client.stdout).toMatch(/receiver/);
  });

  it('ferry stats names each port by what it carries and shows the traffic', async () => {
    const out = await d().ok('stats');
    expect(out).toMatch(/^PORT\s+CARRIES\s+RX PACKETS/m);
    expect(out).toMatch(/\balpine1\/eth0 on bridge\s+\d+/);
    expect(out).toMatch(/host interface ferry0 of bridge/);
    expect(out).toMatch(/^bridge\s+3\s+/m); // ferry0, alpine1, alpine2
    const json = JSON.parse(await d().ok('stats', '--json'));
    const a1 = json.ports.find((p: { carries?: string }) => p.carries === 'alpine1/eth0 on bridge');
    expect(a1.rxPackets).toBeGreaterThan(0);
  });

  it('reuses addresses as Docker does: stop the second, a third gets .3, the second restarts on .4', async () => {
    await d().ok('stop', '-t', '1', 'alpine2');
    await d().ok('run', '-d', '--name', 'centos3', '--', 'sleep', 'infinity');
    expect(await d().ip('centos3')).toBe('172.17.0.3');
    await d().ok('start', 'alpine2');
    expect(await d().ip('alpine2')).toBe('172.17.0.4');
    expect(await d().ok('ps', '-a')).toMatch(/alpine2\s*$/m);
  });

  it('runs in the foreground with the command output and its exit code, and --rm removes it', async () => {
    const r = await d().ferry('run', '--rm', '--name', 'fg', '--', 'sh', '-c', 'echo out; exit 3');
    expect(r.stdout).toBe('out\n');
    expect(r.code).toBe(3);
    expect(await d().ok('ps', '-a')).not.toMatch(/\bfg\b/);
  });
});
