import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';

/** SCENARIOS.md 3 and 6: a user-defined bridge, a container on two networks, isolation. */
describe('a user-defined bridge', () => {
  const d = useDaemon();
  let netId = '';

  it('takes the next free pool and shows a br-<12 hex> host interface with the gateway', async () => {
    netId = await d().ok('network', 'create', '--driver', 'bridge', 'alpine-net');
    expect(netId).toMatch(/^[0-9a-f]{64}$/);
    const net = JSON.parse(await d().ok('network', 'inspect', 'alpine-net'))[0];
    expect(net.IPAM.Config).toEqual([{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }]);
    const addr = await d().host(['ip', '-br', 'addr', 'show', 'dev', `br-${netId.slice(0, 12)}`]);
    expect(addr.stdout).toMatch(/172\.18\.0\.1\/16/);
  });

  it('alpine4 on alpine-net and bridge has eth0 and eth1; the networks stay isolated', async () => {
    for (const n of ['alpine1', 'alpine2']) await d().ok('run', '-d', '--name', n, '--network', 'alpine-net', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'alpine3', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'alpine4', '--network', 'alpine-net', '--', 'sleep', 'infinity');
    await d().ok('network', 'connect', 'bridge', 'alpine4');
    const addr = await d().ok('exec', 'alpine4', '--', 'ip', '-br', 'addr');
    expect(addr).toMatch(/^eth0\s+(UP|UNKNOWN)\s+172\.18\.0\.4\/16/m);
    expect(addr).toMatch(/^eth1\s+(UP|UNKNOWN)\s+172\.17\.0\.3\/16/m);
    const alpine3 = await d().ip('alpine3');
    const ping = (from: string, to: string) => d().ferry('exec', from, '--', 'ping', '-c', '1', '-W', '1', to);
    expect((await ping('alpine1', '172.18.0.3')).code).toBe(0); // alpine2
    expect((await ping('alpine1', '172.18.0.4')).code).toBe(0); // alpine4
    expect((await ping('alpine4', alpine3)).code).toBe(0); // via eth1
    expect((await ping('alpine1', alpine3)).code).not.toBe(0); // other network: isolated
    expect((await ping('alpine3', '172.18.0.2')).code).not.toBe(0);
  });

  it('network rm is refused while containers are attached, and works after they are removed', async () => {
    const refused = await d().ferry('network', 'rm', 'alpine-net');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toBe('ferry: network "alpine-net" has 3 attached containers (alpine1, alpine2, alpine4); disconnect or remove them first\n');
    await d().ok('rm', '-f', 'alpine1', 'alpine2', 'alpine4');
    await d().ok('network', 'rm', 'alpine-net');
    expect((await d().host(['ip', 'link', 'show', 'dev', `br-${netId.slice(0, 12)}`])).code).not.toBe(0);
  });

  it('connect and disconnect leave a TCP stream on the other network flowing', async () => {
    await d().ok('network', 'create', 'net1');
    await d().ok('network', 'create', 'net2');
    await d().ok('run', '-d', '--name', 'srv', '--network', 'net1', '--', 'iperf3', '-s');
    await d().ok('run', '-d', '--name', 'cli', '--network', 'net1', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'other', '--network', 'net2', '--', 'sleep', 'infinity');
    const srvIp = (await d().inspect('srv')).NetworkSettings.Networks.net1!.IPAddress;
    const stream = d().ferry('exec', 'cli', '--', 'iperf3', '-c', srvIp, '-t', '3', '-J');
    await new Promise((r) => setTimeout(r, 800));
    await d().ok('network', 'connect', 'net2', 'cli');
    expect((await d().ferry('exec', 'cli', '--', 'ping', '-c', '1', '-W', '1', (await d().inspect('other')).NetworkSettings.Networks.net2!.IPAddress)).code).toBe(0);
    await d().ok('network', 'disconnect', 'net2', 'cli');
    const r = await stream;
    expect(r.code).toBe(0);
    const sent = JSON.parse(r.stdout).end.sum_sent;
    expect(sent.bytes).toBeGreaterThan(50e6);
    expect(sent.retransmits).toBeLessThan(100);
    expect(await d().ok('exec', 'cli', '--', 'ip', '-br', 'link')).not.toMatch(/eth1/);
  });

  it('network prune removes unused user networks only', async () => {
    await d().ok('network', 'create', 'unused');
    const out = await d().ok('network', 'prune', '-f');
    expect(out).toMatch(/^Deleted Networks:\nunused$/);
    expect(await d().ok('network', 'ls')).toMatch(/net1/);
  });
});
