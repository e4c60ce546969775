import { describe, expect, it } from 'vitest';
import { addInterface } from '../../src/endpoint';
import { netnsPath } from '../../src/netns';
import { useLab } from '../harness/lab';
import { externalSegment } from '../harness/segment';

/**
 * The demux stage on an external segment (test/harness/segment.ts): a parent
 * through AF_PACKET, containers' TAPs as members, the modes and VLANs of
 * macvlan and ipvlan, against the machines on the wire.
 */
describe('macvlan and ipvlan in the engine', () => {
  const lab = useLab();
  let seg: Awaited<ReturnType<typeof externalSegment>>;
  let parent = 0;
  let parentMac = '';
  const members: number[] = [];

  const member = async (short: string, segment: number, address: string, opts: { mac?: string; gateway?: string; hostAccess?: boolean } = {}) => {
    const ns = await lab().netns(short);
    const mac = opts.mac ?? lab().mac(members.length + 1);
    const ep = await addInterface(lab().engine, { netns: ns, role: 'demuxed', mac, addresses: [address], routes: opts.gateway ? [{ to: 'default', via: opts.gateway }] : [] });
    lab().engine.addSegmentMember(segment, ep.port.id, { mac, addresses: [address.split('/')[0]!] });
    members.push(ep.port.id);
    return { ns, mac, port: ep.port.id };
  };
  /** Every member and segment gone, for the next mode. */
  const reset = async (segments: number[]) => {
    for (const p of members.splice(0)) lab().engine.removePort(p);
    for (const s of segments) lab().engine.removeSegment(s);
    for (const ns of ['c1', 'c2', 'c3']) await lab().exec('host', ['ip', 'netns', 'del', lab().name(ns)]).catch(() => undefined);
  };
  const ping = async (ns: string, ip: string) => (await lab().exec(ns, ['ping', '-c', '2', '-i', '0.2', '-W', '1', ip])).code === 0;
  const segmentStats = (id: number) => lab().engine.stats().segments.find((s) => s.id === id)!.demux;

  it('attaches the parent: an AF_PACKET port on up0, wired to the segment', async () => {
    const host = await lab().netns('host');
    seg = await externalSegment(lab().prefix, host);
    await seg.sh(host, 'ip addr add 172.16.86.50/24 dev up0');
    parent = lab().engine.addPacketPort({ ifname: 'up0', netns: netnsPath(host), role: 'parent' }).id;
    parentMac = (await seg.sh(host, 'cat /sys/class/net/up0/address')).trim();
    expect(lab().engine.stats().ports.find((p) => p.id === parent)!.role).toBe('parent');
  });

  it('macvlan bridge: each container is one more host on the segment; containers meet inside Ferry', async () => {
    const s = lab().engine.createSegment({ parent, driver: 'macvlan', mode: 'bridge' });
    const c1 = await member('c1', s, '172.16.86.2/24', { gateway: '172.16.86.1' });
    const c2 = await member('c2', s, '172.16.86.3/24', { gateway: '172.16.86.1' });
    expect(await ping(c1.ns, '172.16.86.1')).toBe(true);
    expect(await ping(c1.ns, '172.16.86.254')).toBe(true);
    expect((await seg.neighbours(seg.other)).get('172.16.86.2')).toBe(c1.mac); // its own MAC, as the wire sees it
    const before = segmentStats(s).between_members;
    expect(await ping(c1.ns, '172.16.86.3')).toBe(true);
    expect(segmentStats(s).between_members - before).toBeGreaterThanOrEqual(4);
    // As with the kernel's macvlan, the host does not reach its own containers over the parent.
    expect(await ping(lab().name('host'), '172.16.86.2')).toBe(false);
    expect(await ping(seg.other, '172.16.86.3')).toBe(true);
    expect(c2.port).toBeGreaterThan(0);
    await reset([s]);
  });

  it('macvlan private: containers do not reach each other; vepa: only through a switch that hairpins', async () => {
    const priv = lab().engine.createSegment({ parent, driver: 'macvlan', mode: 'private' });
    const a = await member('c1', priv, '172.16.86.2/24');
    await member('c2', priv, '172.16.86.3/24');
    expect(await ping(a.ns, '172.16.86.254')).toBe(true);
    expect(await ping(a.ns, '172.16.86.3')).toBe(false);
    await reset([priv]);

    const vepa = lab().engine.createSegment({ parent, driver: 'macvlan', mode: 'vepa' });
    const b = await member('c1', vepa, '172.16.86.2/24');
    await member('c2', vepa, '172.16.86.3/24');
    expect(await ping(b.ns, '172.16.86.3')).toBe(false); // out to the switch, which sends nothing back where it came from
    await seg.sh(seg.switchNs, 'bridge link set dev wire0 hairpin on');
    expect(await ping(b.ns, '172.16.86.3')).toBe(true); // a VEPA switch hairpins
    expect(segmentStats(vepa).between_members).toBe(0);
    await seg.sh(seg.switchNs, 'bridge link set dev wire0 hairpin off');
    await reset([vepa]);
  });

  it('802.1Q: VLAN 50 tagged by Ferry beside an untagged network on one parent; no frame crosses VLANs', async () => {
    const v50 = lab().engine.createSegment({ parent, driver: 'macvlan', vlan: 50 });
    const untagged = lab().engine.createSegment({ parent, driver: 'macvlan' });
    const stop50 = await seg.vlanHost('v50', 50, '172.16.50.254', '02:00:00:00:50:fe');
    const stop60 = await seg.vlanHost('v60', 60, '172.16.50.253', '02:00:00:00:60:fd');
    try {
      const c = await member('c1', v50, '172.16.50.2/24');
      const plain = await member('c2', untagged, '172.16.86.2/24');
      const dump = lab().exec(seg.switchNs, ['timeout', '3', 'tcpdump', '-c', '2', '-nn', '-e', '-i', 'wire0', 'vlan', '50', 'and', 'icmp'], 10_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(await ping(c.ns, '172.16.50.254')).toBe(true);
      expect((await dump).stdout).toMatch(new RegExp(`${c.mac} > .*vlan 50, .*172\\.16\\.50\\.2 > 172\\.16\\.50\\.254: ICMP echo request`));
      expect(await ping(c.ns, '172.16.50.253')).toBe(false); // a machine of VLAN 60
      expect(await ping(plain.ns, '172.16.86.254')).toBe(true); // the untagged network, as before
      // A broadcast of the untagged segment never reaches the VLAN's container.
      const heard = lab().exec(c.ns, ['timeout', '2', 'tcpdump', '-c', '1', '-nn', '-Q', 'in', '-i', 'eth0', 'arp and host 172.16.86.77'], 10_000);
      await new Promise((r) => setTimeout(r, 500));
      await lab().exec(seg.other, ['ping', '-c', '2', '-i', '0.3', '-W', '1', '172.16.86.77']); // its kernel broadcasts ARP requests
      expect((await heard).stdout).not.toMatch(/ARP/);
      const control = lab().exec(plain.ns, ['timeout', '2', 'tcpdump', '-c', '1', '-nn', '-Q', 'in', '-i', 'eth0', 'arp and host 172.16.86.77'], 10_000);
      await new Promise((r) => setTimeout(r, 500));
      await lab().exec(seg.other, ['ping', '-c', '2', '-i', '0.3', '-W', '1', '172.16.86.77']); // its kernel broadcasts ARP requests
      expect((await control).stdout).toMatch(/ARP, Request who-has 172\.16\.86\.77/); // the untagged one hears it
    } finally {
      stop50();
      stop60();
      await reset([v50, untagged]);
    }
  });

  it('ipvlan l2: containers wear the parent MAC; the segment resolves their addresses to it', async () => {
    const s = lab().engine.createSegment({ parent, driver: 'ipvlan-l2', parentMac });
    const c1 = await member('c1', s, '172.16.86.2/24', { mac: parentMac, gateway: '172.16.86.1' });
    await member('c2', s, '172.16.86.3/24', { mac: parentMac });
    expect(await ping(c1.ns, '172.16.86.254')).toBe(true);
    const seen = await seg.neighbours(seg.other);
    expect(seen.get('172.16.86.2')).toBe(parentMac);
    expect(await ping(c1.ns, '172.16.86.3')).toBe(true);
    expect(segmentStats(s).between_members).toBeGreaterThan(0);
    await reset([s]);
  });

  it('IPv6: neighbour discovery crosses the demux as the kernel drivers carry it, macvlan and ipvlan l2', async () => {
    await seg.sh(seg.other, 'ip addr add 2001:db8:86::fe/64 dev eth0 nodad');
    for (const driver of ['macvlan', 'ipvlan-l2'] as const) {
      const s = lab().engine.createSegment({ parent, driver, parentMac: driver === 'macvlan' ? undefined : parentMac });
      const mac = driver === 'macvlan' ? lab().mac(60) : parentMac;
      const ns = await lab().netns('c1');
      const ep = await addInterface(lab().engine, { netns: ns, role: 'demuxed', mac, addresses: ['2001:db8:86::2/64'] });
      lab().engine.addSegmentMember(s, ep.port.id, { mac, addresses: ['2001:db8:86::2'] });
      members.push(ep.port.id);
      expect((await lab().exec(ns, ['ping', '-6', '-c', '2', '-i', '0.2', '-W', '1', '2001:db8:86::fe'])).code).toBe(0);
      expect((await seg.sh(seg.other, 'ip -6 neigh show dev eth0 2001:db8:86::2'))).toContain(`lladdr ${mac}`);
      await seg.sh(seg.other, 'ip -6 neigh flush dev eth0');
      await reset([s]);
    }
  });

  it("side by side with the kernel's macvlan on the same parent: the same answers to the same probes", async () => {
    const s = lab().engine.createSegment({ parent, driver: 'macvlan' });
    const ferry = await member('c1', s, '172.16.86.2/24', { gateway: '172.16.86.1' });
    const kernelNs = await lab().netns('k1');
    await seg.sh(lab().name('host'), `ip link add kmv0 link up0 type macvlan mode bridge && ip link set kmv0 netns ${kernelNs}`);
    await seg.sh(kernelNs, 'ip link set kmv0 name eth0 && ip addr add 172.16.86.40/24 dev eth0 && ip link set eth0 up && ip link set lo up && ip route add default via 172.16.86.1');
    const kernelMac = (await seg.sh(kernelNs, 'cat /sys/class/net/eth0/address')).trim();
    try {
      const probes = async (ns: string, ip: string) => ({
        toRouter: await ping(ns, '172.16.86.1'),
        fromOther: await ping(seg.other, ip),
        fromRouter: await ping(seg.router, ip),
        fromHost: await ping(lab().name('host'), ip),
        ownMac: (await seg.neighbours(seg.other)).get(ip) !== parentMac,
      });
      const k = await probes(kernelNs, '172.16.86.40');
      const f = await probes(ferry.ns, '172.16.86.2');
      expect(f).toEqual(k);
      expect(k).toEqual({ toRouter: true, fromOther: true, fromRouter: true, fromHost: false, ownMac: true });
      expect((await seg.neighbours(seg.other)).get('172.16.86.40')).toBe(kernelMac);
      expect((await seg.neighbours(seg.other)).get('172.16.86.2')).toBe(ferry.mac);
    } finally {
      await lab().exec('host', ['ip', 'netns', 'del', kernelNs]);
      await reset([s]);
    }
  });

  it('passthru: one member takes every frame of the parent, a second is refused', async () => {
    const s = lab().engine.createSegment({ parent, driver: 'macvlan', mode: 'passthru' });
    const only = await member('c1', s, '172.16.86.2/24');
    expect(await ping(only.ns, '172.16.86.254')).toBe(true);
    await expect(member('c2', s, '172.16.86.3/24')).rejects.toThrow(/a passthru segment takes one member/);
    await reset([s]);
  });

  it('refuses what cannot be: a second segment on one VLAN, removing a parent in use, a bad mode', () => {
    const s = lab().engine.createSegment({ parent, driver: 'macvlan' });
    expect(() => lab().engine.createSegment({ parent, driver: 'macvlan' })).toThrow(/already carries a segment on its untagged frames/);
    expect(() => lab().engine.removePort(parent)).toThrow(/is the parent of macvlan\/ipvlan segments/);
    expect(() => lab().engine.createSegment({ parent, driver: 'macvlan', mode: 'loud' as 'bridge' })).toThrow(/mode must be/);
    lab().engine.removeSegment(s);
    lab().engine.removePort(parent);
  });
});
