import { describe, expect, it } from 'vitest';
import { attachEndpoint } from '../../src/endpoint';
import { configureInterface, netnsPath } from '../../src/netns';
import { useLab } from '../harness/lab';

/**
 * VXLAN in the engine against the kernel's: Ferry's host h1 (an underlay
 * socket on 192.0.2.1, a tunnel for VNI 4100 in a bridge domain, container
 * c1) and a host h2 done the way Docker's overlay does it in the kernel (a
 * vxlan device with a static default fdb entry towards h1, a Linux bridge,
 * container c2 on a veth). Same VNI, same overlay subnet: RFC 7348 on the
 * wire both ways.
 */
describe('VXLAN: Ferry and the kernel on one overlay', () => {
  const lab = useLab();
  let tunnel = 0;
  let domain = 0;
  let c2mac = '';
  const sh = async (ns: string, cmd: string) => lab().check(ns, ['sh', '-c', cmd]);
  const ping = async (ns: string, ip: string) => (await lab().exec(ns, ['ping', '-c', '2', '-i', '0.2', '-W', '1', ip])).code === 0;

  it('sets up the two hosts, their underlay and their containers', async () => {
    const h1 = await lab().netns('h1');
    const h2 = await lab().netns('h2');
    await sh(h1, `ip link add u1 type veth peer name u2 netns ${h2}`);
    await configureInterface(h1, { ifname: 'u1', addresses: ['192.0.2.1/24'] });
    await configureInterface(h2, { ifname: 'u2', addresses: ['192.0.2.2/24'] });
    // h2: the kernel's overlay.
    await sh(h2, 'ip link add vx0 type vxlan id 4100 local 192.0.2.2 dstport 4789 nolearning && bridge fdb append 00:00:00:00:00:00 dev vx0 dst 192.0.2.1');
    await sh(h2, 'ip link add br0 type bridge && ip link set vx0 master br0 && ip link set vx0 up && ip link set br0 up');
    const c2 = await lab().netns('c2');
    await sh(h2, `ip link add v2 type veth peer name eth0 netns ${c2} && ip link set v2 master br0 && ip link set v2 up`);
    await configureInterface(c2, { ifname: 'eth0', mtu: 1450, addresses: ['10.0.0.2/24'] });
    c2mac = (await sh(c2, 'cat /sys/class/net/eth0/address')).trim();
    // As on a real wire, c2's frames leave with their checksums complete: over
    // veths the kernel would otherwise carry them partial inside the VXLAN
    // datagram, and a UDP socket hands the payload over as it is.
    await sh(c2, 'ethtool -K eth0 tx off >/dev/null');
    // h1: Ferry's.
    const underlay = lab().engine.addUnderlay({ address: '192.0.2.1', netns: netnsPath(h1) });
    domain = lab().engine.createDomain();
    tunnel = lab().engine.addTunnel({ underlay, vni: 4100, domain });
    lab().engine.setTunnelHosts(tunnel, ['192.0.2.2']);
    await attachEndpoint(lab().engine, { netns: lab().name('c1'), domain, mtu: 1450, offloads: false, addresses: ['10.0.0.1/24'] });
    expect(lab().engine.stats().ports.find((p) => p.id === tunnel)!.role).toBe('tunnel');
  });

  it('ping both ways; the wire carries VXLAN with VNI 4100', async () => {
    const dump = sh(lab().name('h2'), 'timeout 3 tcpdump -c 30 -nn -i u2 udp port 4789 2>/dev/null; true');
    await new Promise((r) => setTimeout(r, 500));
    expect(await ping(lab().name('c1'), '10.0.0.2')).toBe(true);
    const wire = await dump;
    expect(wire).toMatch(/192\.0\.2\.1\.\d+ > 192\.0\.2\.2\.4789: VXLAN, flags \[I\] \(0x08\), vni 4100\n.*10\.0\.0\.1 > 10\.0\.0\.2: ICMP echo request/);
    // The outer source port is the inner flow's hash, in the dynamic range (RFC 7348 section 5).
    const source = Number(/192\.0\.2\.1\.(\d+) > 192\.0\.2\.2\.4789/.exec(wire)![1]);
    expect(source).toBeGreaterThanOrEqual(49152);
    expect(await ping(lab().name('c2'), '10.0.0.1')).toBe(true);
    const decap = lab().engine.stats().stages['vxlan-decap'] as unknown as Record<string, number>;
    expect(decap.decapsulated).toBeGreaterThanOrEqual(4);
  });

  it('TCP both ways, frames at the overlay MTU', async () => {
    for (const [client, server, ip] of [['c1', 'c2', '10.0.0.2'], ['c2', 'c1', '10.0.0.1']] as const) {
      const srv = lab().exec(server, ['iperf3', '-s', '-1', '-B', ip], 30_000);
      await new Promise((r) => setTimeout(r, 300));
      const r = JSON.parse(await lab().check(client, ['iperf3', '-c', ip, '-t', '2', '-J'], 30_000));
      await srv;
      expect(r.end.sum_received.bytes).toBeGreaterThan(5e6);
    }
  });

  it('unicast follows the remote table: a MAC placed on another host is sent there', async () => {
    lab().engine.setTunnelRemote(tunnel, c2mac, '192.0.2.99'); // nobody there
    await lab().exec(lab().name('c1'), ['ip', 'neigh', 'replace', '10.0.0.2', 'lladdr', c2mac, 'dev', 'eth0']);
    expect(await ping(lab().name('c1'), '10.0.0.2')).toBe(false);
    lab().engine.setTunnelRemote(tunnel, c2mac, '192.0.2.2');
    expect(await ping(lab().name('c1'), '10.0.0.2')).toBe(true);
  });

  it('ARP and neighbour solicitations for known remote addresses are answered here: nothing floods to other hosts', async () => {
    const c1 = lab().name('c1');
    await sh(lab().name('c2'), 'ip addr add 2001:db8:4100::2/64 dev eth0 nodad');
    await sh(c1, 'ip addr add 2001:db8:4100::1/64 dev eth0 nodad');
    const c2ll = (await sh(lab().name('c2'), "ip -6 addr show dev eth0 scope link | awk '/inet6/{print $2}'")).trim().split('/')[0]!;
    lab().engine.setTunnelHosts(tunnel, []); // no head-end replication: what is not known does not cross
    lab().engine.setTunnelRemote(tunnel, c2mac, '192.0.2.2');
    await sh(c1, 'ip neigh flush dev eth0 nud all');
    expect(await ping(c1, '10.0.0.2')).toBe(false); // nobody answers its ARP now
    lab().engine.setNeighborProxy(domain, '10.0.0.2', c2mac);
    lab().engine.setNeighborProxy(domain, '2001:db8:4100::2', c2mac);
    expect(await ping(c1, '10.0.0.2')).toBe(true);
    expect((await sh(c1, 'ip neigh show 10.0.0.2'))).toContain(`lladdr ${c2mac}`);
    expect((await lab().exec(c1, ['ping', '-6', '-c', '2', '-i', '0.2', '-W', '1', '2001:db8:4100::2'])).code).toBe(0);
    expect((await sh(c1, 'ip -6 neigh show 2001:db8:4100::2'))).toContain(`lladdr ${c2mac}`);
    const proxy = lab().engine.stats().stages['neighbor-proxy'] as unknown as Record<string, number>;
    expect(proxy.arp_answered).toBeGreaterThanOrEqual(1);
    expect(proxy.nd_answered).toBeGreaterThanOrEqual(1);
    expect(c2ll).toMatch(/^fe80::/);
    lab().engine.setTunnelHosts(tunnel, ['192.0.2.2']);
  });

  it('refuses a second tunnel on one VNI, and removing the underlay under a tunnel', () => {
    const d = lab().engine.createDomain();
    const underlay = lab().engine.stats().ports.find((p) => p.role === 'underlay')!.id;
    expect(() => lab().engine.addTunnel({ underlay, vni: 4100, domain: d })).toThrow(/VNI 4100 already has a tunnel/);
    expect(() => lab().engine.addTunnel({ underlay, vni: 0, domain: d })).toThrow(/out of range/);
    expect(() => lab().engine.removePort(underlay)).toThrow(/is the underlay of tunnel vxlan4100/);
  });
});
