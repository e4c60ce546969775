import { describe, expect, it } from 'vitest';
import { configureInterface, netnsPath } from '../../src/netns';
import { useLab, type Lab } from '../harness/lab';

/**
 * The gateway router at the engine level: a container network whose gateway
 * is a host TAP, and an uplink (a veth end, AF_PACKET) to an "outside" host
 * on 192.0.2.0/24. Ferry owns 192.0.2.10 there; no namespace forwards.
 */
async function topology(lab: Lab) {
  const e = lab.engine;
  const domain = e.createDomain();
  const gwMac = lab.mac(1);
  const hostTap = await lab.endpoint('host', domain, ['172.30.0.1/24'], { ifname: 'gw0', mac: gwMac });
  const a = await lab.endpoint('a', domain, ['172.30.0.2/24'], { mac: lab.mac(2), routes: [{ to: 'default', via: '172.30.0.1' }] });
  const b = await lab.endpoint('b', domain, ['172.30.0.3/24'], { mac: lab.mac(3), routes: [{ to: 'default', via: '172.30.0.1' }] });
  const host = lab.name('host');
  const outside = await lab.netns('out');
  await lab.check('host', ['ip', 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside]);
  await lab.check('host', ['ip', 'link', 'set', 'up0', 'up']);
  await lab.check('host', ['sh', '-c', 'echo 1 > /sys/class/net/up0/queues/rx-0/rps_cpus']);
  await configureInterface(outside, { ifname: 'eth0', addresses: ['192.0.2.2/24'] });
  e.configureNetwork(domain, { routerMac: gwMac, gateway: '172.30.0.1', subnet: '172.30.0.0', prefixLen: 24, hostPort: hostTap.port.id });
  e.setHostAddresses(['172.30.0.1']);
  e.setEndpoint({ address: '172.30.0.2', domain, mac: lab.mac(2) });
  e.setEndpoint({ address: '172.30.0.3', domain, mac: lab.mac(3) });
  const uplink = e.setUplink({ ifname: 'up0', netns: netnsPath(host), address: '192.0.2.10', prefixLen: 24, mac: lab.mac(10) });
  return { domain, a, b, uplink };
}

describe('gateway router and NAT (engine)', () => {
  const lab = useLab();
  it('routes a container to the outside with SNAT, and answers ping and ARP for the external address', async () => {
    await topology(lab());
    expect(await lab().check('a', ['ping', '-c', '2', '-i', '0.2', '-W', '1', '192.0.2.2'])).toMatch(/2 received/);
    expect(await lab().check('out', ['ping', '-c', '1', '-W', '1', '192.0.2.10'])).toMatch(/1 received/);
    const srv = lab().exec('out', ['iperf3', '-s', '-1', '-J'], 30_000);
    await new Promise((r) => setTimeout(r, 300));
    await lab().check('a', ['iperf3', '-c', '192.0.2.2', '-t', '1'], 30_000);
    const server = JSON.parse((await srv).stdout);
    expect(server.start.connected[0].remote_host).toBe('192.0.2.10');
    const ct = lab().engine.conntrack();
    expect(ct.some((c) => c.protocol === 'tcp' && c.original.src === '172.30.0.2' && c.reply.dst === '192.0.2.10')).toBe(true);
  });

  it('publishes a port: the outside reaches the container, which sees the client address', async () => {
    lab().engine.publish({ protocol: 'tcp', port: 8080, targetIp: '172.30.0.3', targetPort: 5201 });
    const srv = lab().exec('b', ['iperf3', '-s', '-1', '-J'], 30_000);
    await new Promise((r) => setTimeout(r, 300));
    await lab().check('out', ['iperf3', '-c', '192.0.2.10', '-p', '8080', '-t', '1'], 30_000);
    const server = JSON.parse((await srv).stdout);
    expect(server.start.connected[0].remote_host).toBe('192.0.2.2');
    const r = await lab().exec('out', ['iperf3', '-c', '192.0.2.10', '-p', '8081', '-t', '1', '--connect-timeout', '500'], 10_000);
    expect(r.code).not.toBe(0);
    const up0 = lab().engine.stats().ports.find((p) => p.name === 'up0')!;
    expect(up0.drops.unpublished).toBeGreaterThan(0);
  });
});
