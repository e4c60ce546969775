import { describe, expect, it } from 'vitest';
import { execIn as execInNs } from '../../src/netns';
import { useDaemon } from '../harness/daemon';
import { externalSegment } from '../harness/segment';

/**
 * macvlan and ipvlan networks as Docker's tutorials type them, on an
 * external segment (test/harness/segment.ts): the daemon's eth0 is the
 * parent, wired to a switch with a router at 172.16.86.1 and another
 * machine at 172.16.86.254.
 */
describe('macvlan and ipvlan networks', () => {
  let seg: Awaited<ReturnType<typeof externalSegment>>;
  const d = useDaemon([], async (lab) => {
    seg = await externalSegment(lab.prefix, lab.hostNs, 'eth0');
    await seg.sh(lab.hostNs, 'ip link set eth0 mtu 1450');
    await seg.sh(seg.switchNs, 'ip link set wire0 mtu 1450');
  });
  const ping = async (c: string, ip: string) => (await d().ferry('exec', c, '--', 'ping', '-c', '2', '-i', '0.2', '-W', '1', ip)).code === 0;
  const promiscuity = async () => (await d().host(['ip', '-d', 'link', 'show', 'eth0'])).stdout.match(/promiscuity (\d+)/)?.[1];

  it("the tutorial: a container on the segment is one more host there, with its own MAC and the parent's MTU", async () => {
    await d().ok('network', 'create', '-d', 'macvlan', '--subnet', '172.16.86.0/24', '--gateway', '172.16.86.1', '-o', 'parent=eth0', 'my-macvlan-net');
    await d().ok('run', '-d', '--name', 'my-macvlan-alpine', '--network', 'my-macvlan-net', '--', 'sleep', 'infinity');
    const mac = await d().ok('inspect', '-f', '{{.NetworkSettings.Networks.my-macvlan-net.MacAddress}}', 'my-macvlan-alpine');
    expect(await ping('my-macvlan-alpine', '172.16.86.1')).toBe(true);
    expect(await ping('my-macvlan-alpine', '172.16.86.254')).toBe(true);
    expect((await seg.neighbours(seg.other)).get('172.16.86.2')).toBe(mac);
    // (ip, not /sys: a container's /sys is the host's, as Ferry mounts no sysfs of its own)
    expect(await d().ok('exec', 'my-macvlan-alpine', '--', 'ip', 'link', 'show', 'eth0')).toMatch(new RegExp(`mtu 1450 .*\\n.*link/ether ${mac} `));
    expect(await d().ok('exec', 'my-macvlan-alpine', '--', 'ip', 'route', 'show', 'default')).toMatch(/^default via 172\.16\.86\.1 dev eth0/);
    expect(await d().ok('network', 'inspect', '-f', '{{.Driver}} {{index .Options "parent"}}', 'my-macvlan-net')).toBe('macvlan eth0');
    expect(await promiscuity()).toBe('1');
    // The host does not reach its own macvlan containers, as with the kernel's driver.
    await d().host(['ip', 'addr', 'add', '172.16.86.50/24', 'dev', 'eth0']);
    expect((await d().host(['ping', '-c', '1', '-W', '1', '172.16.86.2'])).code).not.toBe(0);
  });

  it('bridge mode: two containers of the network reach each other inside Ferry', async () => {
    await d().ok('run', '-d', '--name', 'second', '--network', 'my-macvlan-net', '--', 'sleep', 'infinity');
    const ip = await d().ip('second', 'my-macvlan-net');
    expect(await ping('my-macvlan-alpine', ip)).toBe(true);
    const stats = JSON.parse(await d().ok('stats', '--json')) as { segments: { network?: string; demux: Record<string, number> }[]; ports: { carries?: string; role: string }[] };
    expect(stats.segments.find((s) => s.network === 'my-macvlan-net')!.demux.between_members).toBeGreaterThan(0);
    expect(stats.ports.find((p) => p.role === 'parent')!.carries).toBe('parent eth0 of my-macvlan-net');
  });

  it('eth0.50: Ferry tags VLAN 50 itself; the VLAN-60 machine is out of reach; one network per parent and VLAN', async () => {
    const stop50 = await seg.vlanHost('v50', 50, '172.16.50.254', '02:00:00:00:50:fe');
    const stop60 = await seg.vlanHost('v60', 60, '172.16.50.253', '02:00:00:00:60:fd');
    try {
      await d().ok('network', 'create', '-d', 'macvlan', '--subnet', '172.16.50.0/24', '--gateway', '172.16.50.1', '-o', 'parent=eth0.50', 'vlan50');
      await d().ok('run', '-d', '--name', 'tagged', '--network', 'vlan50', '--', 'sleep', 'infinity');
      const dump = seg.sh(seg.switchNs, 'timeout 3 tcpdump -c 1 -nn -e -i wire0 vlan 50 and icmp 2>/dev/null');
      await new Promise((r) => setTimeout(r, 500));
      expect(await ping('tagged', '172.16.50.254')).toBe(true);
      expect(await dump).toMatch(/vlan 50, .*172\.16\.50\.2 > 172\.16\.50\.254: ICMP echo request/);
      expect(await ping('tagged', '172.16.50.253')).toBe(false);
      expect(await ping('my-macvlan-alpine', '172.16.86.254')).toBe(true); // the untagged network goes on
      const again = await d().ferry('network', 'create', '-d', 'macvlan', '--subnet', '172.16.51.0/24', '-o', 'parent=eth0.50', 'again');
      expect(again.stderr).toBe('ferry: network "vlan50" already uses eth0.50; one network per parent and VLAN\n');
    } finally {
      stop50();
      stop60();
    }
  });

  it('ferry.host_access=true: the host reaches its containers through an interface of its own on the network', async () => {
    await d().ok('network', 'create', '-d', 'macvlan', '--subnet', '172.16.77.0/24', '--gateway', '172.16.77.1', '-o', 'parent=eth0.77', '-o', 'ferry.host_access=true', 'reachable');
    await d().ok('run', '-d', '--name', 'near', '--network', 'reachable', '--', 'sleep', 'infinity');
    expect((await d().host(['ping', '-c', '2', '-i', '0.2', '-W', '1', '172.16.77.2'])).code).toBe(0);
    expect(await ping('near', '172.16.77.254')).toBe(true); // the host's address on it: the subnet's last
    expect(await d().ok('network', 'inspect', '-f', '{{index .IPAM.Config 0 "AuxiliaryAddresses" "host"}}', 'reachable')).toBe('172.16.77.254');
  });

  it('--ipv6, --ip-range and --aux-address: addresses from the range, the aux ones kept; IPv6 by neighbour discovery', async () => {
    await d().ok('network', 'create', '-d', 'macvlan', '--ipv6', '--subnet', '172.16.88.0/24', '--ip-range', '172.16.88.128/28', '--aux-address', 'printer=172.16.88.128', '--subnet', '2001:db8:88::/64', '-o', 'parent=eth0.86', 'v6net');
    await d().ok('run', '-d', '--name', 'six', '--network', 'v6net', '--', 'sleep', 'infinity');
    const addrs = await d().ok('inspect', '-f', '{{.NetworkSettings.Networks.v6net.IPAddress}} {{.NetworkSettings.Networks.v6net.GlobalIPv6Address}}', 'six');
    expect(addrs).toMatch(/^172\.16\.88\.129 2001:db8:88::/); // the range's first, past the aux address
    await d().ok('run', '-d', '--name', 'six2', '--network', 'v6net', '--', 'sleep', 'infinity');
    const peer = await d().ok('inspect', '-f', '{{.NetworkSettings.Networks.v6net.GlobalIPv6Address}}', 'six2');
    expect((await d().ferry('exec', 'six', '--', 'ping', '-6', '-c', '2', '-i', '0.2', '-W', '1', peer)).code).toBe(0);
    await d().ok('rm', '-f', 'six', 'six2');
    await d().ok('network', 'rm', 'v6net');
  });

  it('--internal without a parent: the containers reach each other and nothing else', async () => {
    await d().ok('network', 'create', '-d', 'macvlan', '--internal', '--subnet', '10.99.0.0/24', 'island');
    await d().ok('run', '-d', '--name', 'i1', '--network', 'island', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'i2', '--network', 'island', '--', 'sleep', 'infinity');
    expect(await ping('i1', await d().ip('i2', 'island'))).toBe(true);
    expect(await d().ok('exec', 'i1', '--', 'ip', 'route', 'show', 'default')).toBe('');
  });

  it('a restarted daemon takes the parent, the segments and the containers back', async () => {
    await d().stop();
    await d().start();
    expect(await ping('my-macvlan-alpine', '172.16.86.254')).toBe(true);
    expect(await ping('my-macvlan-alpine', await d().ip('second', 'my-macvlan-net'))).toBe(true);
    expect((await d().host(['ping', '-c', '1', '-W', '1', '172.16.77.2'])).code).toBe(0);
  });

  it('ipvlan l2: the containers wear the parent MAC, and the segment resolves their addresses to it', async () => {
    await d().ok('rm', '-f', 'my-macvlan-alpine', 'second');
    await d().ok('network', 'rm', 'my-macvlan-net');
    await d().ok('network', 'create', '-d', 'ipvlan', '--subnet', '172.16.86.0/24', '--gateway', '172.16.86.1', '-o', 'parent=eth0', '-o', 'ipvlan_mode=l2', 'my-ipvlan-net');
    await d().ok('run', '-d', '--name', 'iv1', '--network', 'my-ipvlan-net', '--ip', '172.16.86.20', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'iv2', '--network', 'my-ipvlan-net', '--', 'sleep', 'infinity');
    const parentMac = (await d().host(['cat', '/sys/class/net/eth0/address'])).stdout.trim();
    expect(await d().ok('exec', 'iv1', '--', 'ip', 'link', 'show', 'eth0')).toMatch(new RegExp(`link/ether ${parentMac} `));
    expect(await ping('iv1', '172.16.86.254')).toBe(true);
    expect((await seg.neighbours(seg.other)).get('172.16.86.20')).toBe(parentMac);
    expect(await ping('iv1', await d().ip('iv2', 'my-ipvlan-net'))).toBe(true);
  });

  it("ipvlan l3: Ferry routes as the host's address on the parent; the segment's router has a route to the subnet", async () => {
    await d().ok('rm', '-f', 'iv1', 'iv2');
    await d().ok('network', 'rm', 'my-ipvlan-net');
    await d().host(['ip', 'route', 'add', 'default', 'via', '172.16.86.1', 'dev', 'eth0']);
    // As Docker's documentation says: the router needs a route to the containers' subnet, via the host.
    await seg.sh(seg.router, 'ip route add 203.0.113.0/24 via 172.16.86.50 && ip addr add 198.51.100.1/32 dev lo');
    // IPv6 the same way: the host 2001:db8:86::50 on the parent, the router ::1, the containers' 2001:db8:203::/64 routed via the host.
    await d().host(['ip', 'addr', 'add', '2001:db8:86::50/64', 'dev', 'eth0', 'nodad']);
    await seg.sh(seg.router, 'ip addr add 2001:db8:86::1/64 dev eth0 nodad && ip route add 2001:db8:203::/64 via 2001:db8:86::50');
    await d().ok('network', 'create', '-d', 'ipvlan', '--ipv6', '--subnet', '203.0.113.0/24', '--subnet', '2001:db8:203::/64', '-o', 'parent=eth0', '-o', 'ipvlan_mode=l3', 'my-l3-net');
    await d().ok('run', '-d', '--name', 'l3a', '--network', 'my-l3-net', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'l3b', '--network', 'my-l3-net', '--', 'sleep', 'infinity');
    const [a, b] = [await d().ip('l3a', 'my-l3-net'), await d().ip('l3b', 'my-l3-net')];
    expect(await d().ok('exec', 'l3a', '--', 'ip', 'route', 'show', 'default')).toMatch(/^default dev eth0/);
    expect(await d().ok('exec', 'l3a', '--', 'ip', 'link', 'show', 'eth0')).toMatch(/NOARP/);
    expect(await ping('l3a', '172.16.86.1')).toBe(true); // on the parent's subnet
    expect(await ping('l3a', '198.51.100.1')).toBe(true); // off it: through the host's gateway
    expect(await ping('l3a', b)).toBe(true); // member to member
    expect((await execInNs(seg.router, ['ping', '-c', '2', '-i', '0.2', '-W', '1', a])).code).toBe(0);
    expect((await execInNs(seg.other, ['ping', '-c', '1', '-W', '1', a])).code).not.toBe(0); // no route to the subnet there
    await seg.sh(seg.other, 'ip route add 203.0.113.0/24 via 172.16.86.50');
    expect((await execInNs(seg.other, ['ping', '-c', '2', '-i', '0.2', '-W', '1', a])).code).toBe(0);
    const a6 = await d().ok('inspect', '-f', '{{.NetworkSettings.Networks.my-l3-net.GlobalIPv6Address}}', 'l3a');
    const b6 = await d().ok('inspect', '-f', '{{.NetworkSettings.Networks.my-l3-net.GlobalIPv6Address}}', 'l3b');
    const ping6 = async (c: string, ip: string) => (await d().ferry('exec', c, '--', 'ping', '-6', '-c', '2', '-i', '0.2', '-W', '1', ip)).code === 0;
    expect(await ping6('l3a', '2001:db8:86::1')).toBe(true); // on-link: Ferry asks for it with a neighbour solicitation
    expect(await ping6('l3a', b6)).toBe(true);
    expect((await execInNs(seg.router, ['ping', '-6', '-c', '2', '-i', '0.2', '-W', '1', a6])).code).toBe(0);
    const stats = JSON.parse(await d().ok('stats', '--json')) as { segments: { network?: string; demux: Record<string, number> }[] };
    expect(stats.segments.find((s) => s.network === 'my-l3-net')!.demux.routed).toBeGreaterThan(0);
  });

  it('refuses what it cannot do, naming it', async () => {
    const cases: [string[], string][] = [
      [['-d', 'macvlan', '--subnet', '172.16.90.0/24', 'noparent'], 'ferry: the macvlan driver needs -o parent=IFACE (or IFACE.VID for a VLAN), unless the network is --internal\n'],
      [['-d', 'macvlan', '--subnet', '172.16.90.0/24', '-o', 'parent=nosuch0', 'x'], 'ferry: -o parent=nosuch0: no such interface on the host, nor NAME.VID of one (eth0, or eth0.50 for VLAN 50 on eth0)\n'],
      [['-d', 'macvlan', '--subnet', '172.16.90.0/24', '-o', 'parent=eth0.5000', 'x'], 'ferry: -o parent=eth0.5000: VLAN 5000 is out of range (1..4094)\n'],
      [['-d', 'macvlan', '--subnet', '172.16.90.0/24', '-o', 'parent=eth0.90', '-o', 'macvlan_mode=loud', 'x'], 'ferry: option macvlan_mode=loud: one of bridge, private, vepa, passthru\n'],
      [['-d', 'ipvlan', '--subnet', '172.16.90.0/24', '-o', 'parent=eth0.90', '-o', 'ipvlan_mode=l4', 'x'], 'ferry: option ipvlan_mode=l4: one of l2, l3\n'],
      [['-d', 'macvlan', '--subnet', '172.16.90.0/24', '-o', 'parent=eth0.90', '-o', 'com.docker.network.bridge.name=x', 'x'], 'ferry: unknown option "com.docker.network.bridge.name" for the macvlan driver (accepted: parent, ferry.host_access, macvlan_mode)\n'],
    ];
    for (const [args, stderr] of cases) expect((await d().ferry('network', 'create', ...args)).stderr).toBe(stderr);
    expect(await d().ok('network', 'ls', '--format', '{{.Name}}')).not.toMatch(/^(noparent|x)$/m);
  });

  it('network rm takes away all it made: the parent leaves promiscuous mode, the host interface goes', async () => {
    await d().ok('rm', '-f', 'l3a', 'l3b', 'tagged', 'near', 'i1', 'i2');
    for (const n of ['my-l3-net', 'vlan50', 'reachable', 'island']) await d().ok('network', 'rm', n);
    expect(await promiscuity()).toBe('0');
    expect((await d().host(['ip', '-br', 'link'])).stdout).not.toMatch(/^fh-/m);
    const stats = JSON.parse(await d().ok('stats', '--json')) as { segments: unknown[]; ports: { role: string }[] };
    expect(stats.segments).toEqual([]);
    expect(stats.ports.filter((p) => p.role === 'parent' || p.role === 'demuxed')).toEqual([]);
  });
});
