import { describe, expect, it } from 'vitest';
import { configureInterface, netnsPath } from '../../src/netns';
import { useLab } from '../harness/lab';

/** A host interface in a bridge domain through AF_PACKET: a veth end here, an "outside" host behind it. */
describe('AF_PACKET port', () => {
  const lab = useLab();
  const promiscuity = async (ns: string) => (await lab().check(ns, ['ip', '-d', 'link', 'show', 'up0'])).match(/promiscuity (\d+)/)?.[1];

  it('bridges a container and a host on the interface: ping, and GSO TCP streams both ways without retransmission storms', async () => {
    const domain = lab().engine.createDomain();
    await lab().endpoint('a', domain, ['192.0.2.1/24']);
    const host = await lab().netns('host');
    const outside = await lab().netns('out');
    await lab().check('host', ['ip', 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside]);
    await lab().check('host', ['ip', 'link', 'set', 'up0', 'up']);
    // RPS keeps the outside sender's frames in order on the veth (see packet_port.h):
    // without it, 1,000-3,000 spurious retransmissions per 2 s, from reordering alone.
    await lab().check('host', ['sh', '-c', 'echo 1 > /sys/class/net/up0/queues/rx-0/rps_cpus']);
    await configureInterface(outside, { ifname: 'eth0', addresses: ['192.0.2.100/24'] });
    const port = lab().engine.addPacketPort({ ifname: 'up0', netns: netnsPath(host), domain });
    expect(await promiscuity('host')).toBe('1');

    expect(await lab().check('a', ['ping', '-c', '2', '-i', '0.2', '-W', '1', '192.0.2.100'])).toMatch(/2 received/);
    expect(await lab().check('out', ['ping', '-c', '1', '-W', '1', '192.0.2.1'])).toMatch(/1 received/);

    for (const [client, server, serverIp] of [['a', 'out', '192.0.2.100'], ['out', 'a', '192.0.2.1']] as const) {
      const srv = lab().exec(server, ['iperf3', '-s', '-1', '-B', serverIp], 30_000);
      await new Promise((r) => setTimeout(r, 300));
      const before = lab().engine.stats().ports.find((p) => p.id === port.id)!;
      const r = JSON.parse(await lab().check(client, ['iperf3', '-c', serverIp, '-t', '2', '-J'], 30_000));
      await srv;
      expect(r.end.sum_sent.bytes).toBeGreaterThan(50e6);
      expect(r.end.sum_sent.retransmits).toBeLessThan(100);
      const after = lab().engine.stats().ports.find((p) => p.id === port.id)!;
      // Data frames cross this port whole: far above the 1500-byte MTU on average.
      const [bytes, frames] = client === 'a' ? [after.txBytes - before.txBytes, after.txPackets - before.txPackets] : [after.rxBytes - before.rxBytes, after.rxPackets - before.rxPackets];
      expect(bytes / frames).toBeGreaterThan(4000);
      expect(Object.values(after.drops).every((n) => n === 0)).toBe(true);
    }

    lab().engine.removePort(port.id);
    expect(await promiscuity('host')).toBe('0');
  });

  it('names the interface when it does not exist', () => {
    const domain = lab().engine.createDomain();
    expect(() => lab().engine.addPacketPort({ ifname: 'nosuch0', domain })).toThrow('cannot find the interface (interface "nosuch0"): No such device');
  });
});
