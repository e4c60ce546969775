import type { Engine, SegmentOptions } from '../dataplane';
import { configureInterface, listAddresses, listLinks, run } from '../netns';
import { bigintToIp, last, parseCidr } from '../ipam';
import { badRequest } from './errors';
import type { NetworkDoc } from './model';

/** The -o options of the macvlan and ipvlan drivers, as Docker names them, and Ferry's own. */
export const DEMUX_OPTIONS = {
  parent: 'parent',
  macvlanMode: 'macvlan_mode',
  ipvlanMode: 'ipvlan_mode',
  ipvlanFlag: 'ipvlan_flag',
  /** Ferry's own: the host gets an interface on the network (Docker's documented shim, built in). */
  hostAccess: 'ferry.host_access',
} as const;

/** The name of the --aux-address the host's interface takes (as in Docker's shim example), picked if not given. */
export const HOST_ACCESS_AUX = 'host';

export type DemuxDriver = 'macvlan' | 'ipvlan';

/** Where a macvlan/ipvlan network meets the wire: a host interface, and the VLAN Ferry tags on it (0: none). */
export interface ParentLink {
  ifname: string;
  vlan: number;
  mac: string;
  mtu: number;
}

/**
 * -o parent=eth0 or eth0.50. An interface of that name is used as it is
 * (a kernel VLAN device included); otherwise NAME.VID names VLAN VID on
 * NAME, which Ferry tags and untags itself (this kernel has no 8021q).
 */
export async function resolveParent(spec: string): Promise<ParentLink> {
  const links = await listLinks();
  const link = (name: string) => links.find((l) => l.ifname === name);
  const exact = link(spec);
  if (exact) return { ifname: spec, vlan: 0, mac: exact.address ?? '', mtu: exact.mtu ?? 1500 };
  const m = /^(.+)\.(\d{1,4})$/.exec(spec);
  const base = m && link(m[1]!);
  if (!m || !base) throw badRequest(`-o parent=${spec}: no such interface on the host, nor NAME.VID of one (eth0, or eth0.50 for VLAN 50 on eth0)`);
  const vid = Number(m[2]);
  if (vid < 1 || vid > 4094) throw badRequest(`-o parent=${spec}: VLAN ${vid} is out of range (1..4094)`);
  // A tag takes 4 bytes of the frame, not of the packet: the MTU stays the parent's.
  return { ifname: m[1]!, vlan: vid, mac: base.address ?? '', mtu: base.mtu ?? 1500 };
}

export function isIpvlanL3(net: NetworkDoc): boolean {
  return net.driver === 'ipvlan' && net.options[DEMUX_OPTIONS.ipvlanMode] === 'l3';
}

/**
 * ipvlan l3 routes as the host does on the parent (drivers/net/ipvlan routes
 * through the host's tables): the host's IPv4 address there, and its default
 * gateway if that leaves by the parent. Read when the network comes up.
 */
/** fe80::/64 with the interface identifier a MAC gives (RFC 4291 appendix A). */
export function eui64LinkLocal(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const id = [b[0]! ^ 2, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  const groups = [0, 2, 4, 6].map((i) => ((id[i]! << 8) | id[i + 1]!).toString(16));
  return `fe80::${groups.join(':')}`;
}

async function hostRouting(ifname: string, mac: string): Promise<Pick<SegmentOptions, 'parentIp' | 'parentPrefix' | 'gateway' | 'parentLinkLocal' | 'parentIp6' | 'parentPrefix6' | 'gateway6'>> {
  const json = async <T>(args: string[]) => JSON.parse((await run('ip', ['-j', ...args])).stdout || '[]') as T;
  const addresses = (family: 4 | 6) => listAddresses({ family, dev: ifname }).then((l) => l[0]?.addr_info ?? [], () => []);
  const v4 = (await addresses(4))[0];
  if (!v4) throw badRequest(`ipvlan l3 routes as the host's address on the parent, and ${ifname} has no IPv4 address`);
  const v6 = await addresses(6);
  const gateway = (family: string) => json<{ gateway?: string }[]>([family, 'route', 'show', 'default', 'dev', ifname]).then((r) => r.find((x) => x.gateway)?.gateway);
  const global6 = v6.find((a) => a.scope === 'global');
  return {
    parentIp: v4.local,
    parentPrefix: v4.prefixlen,
    gateway: await gateway('-4'),
    // Solicitations come from the host's link-local address; if it has none yet
    // (the link just came up), from the one its MAC gives (EUI-64): answers are
    // sent to the MAC the solicitation carries, so they reach Ferry either way.
    parentLinkLocal: v6.find((a) => a.scope === 'link')?.local ?? eui64LinkLocal(mac),
    parentIp6: global6?.local,
    parentPrefix6: global6?.prefixlen,
    gateway6: await gateway('-6'),
  };
}

/** The mode of the demux segment: macvlan_mode, or ipvlan_flag. */
export function segmentMode(net: NetworkDoc): 'bridge' | 'private' | 'vepa' | 'passthru' {
  const o = net.options;
  return (net.driver === 'macvlan' ? o[DEMUX_OPTIONS.macvlanMode] : o[DEMUX_OPTIONS.ipvlanFlag]) as 'bridge' | 'private' | 'vepa' | 'passthru' | undefined ?? 'bridge';
}

/**
 * macvlan and ipvlan networks in the engine: a segment each
 * (native/demux/segments.h) on its parent. A parent is taken through
 * AF_PACKET once, however many networks (VLANs) use it, and let go with the
 * last. With ferry.host_access the host gets a TAP on the segment
 * (fh-<12 hex>), holding one address of the subnet, and a route to each
 * container through it, so the parent's own routes are left as they were.
 */
export class DemuxNetworks {
  private readonly parents = new Map<string, { port: number; users: Set<string> }>();
  private readonly live = new Map<string, { segment: number; parent?: string; hostPort?: number }>();

  constructor(private readonly engine: Engine) {}

  static handles(net: NetworkDoc): boolean {
    return net.driver === 'macvlan' || net.driver === 'ipvlan';
  }

  /** Idempotent: makes, or after a restart makes again, the segment, the parent's port and the host's interface. */
  async up(net: NetworkDoc): Promise<void> {
    if (!DemuxNetworks.handles(net) || this.live.has(net.id)) return;
    const link = net.parent;
    let parentPort: number | undefined;
    if (link) {
      const held = this.parents.get(link.ifname);
      parentPort = held?.port ?? this.engine.addPacketPort({ ifname: link.ifname, role: 'parent' }).id;
      if (!held) this.parents.set(link.ifname, { port: parentPort, users: new Set() });
      this.parents.get(link.ifname)!.users.add(net.id);
    }
    let segment: number | undefined;
    let hostPort: number | undefined;
    try {
      const l3 = isIpvlanL3(net) ? await hostRouting(link!.ifname, link!.mac) : undefined;
      segment = this.engine.createSegment({
        parent: parentPort,
        vlan: link?.vlan ?? 0,
        driver: net.driver === 'macvlan' ? 'macvlan' : l3 ? 'ipvlan-l3' : 'ipvlan-l2',
        mode: segmentMode(net),
        parentMac: net.driver === 'ipvlan' ? link?.mac : undefined,
        ...l3,
      });
      if (net.hostAccess) {
        const h = net.hostAccess;
        hostPort = this.engine.addTapPort({ name: h.ifname, role: 'demuxed', persist: true, mtu: net.mtu }).id;
        await configureInterface(undefined, { ifname: h.ifname, mac: h.mac, mtu: net.mtu, addresses: [`${h.ipv4}/32`], loopbackUp: false });
        this.engine.addSegmentMember(segment, hostPort, { mac: h.mac, hostAccess: true, addresses: [h.ipv4] });
      }
      this.live.set(net.id, { segment, parent: link?.ifname, hostPort });
    } catch (e) {
      if (hostPort !== undefined) this.engine.removePort(hostPort);
      if (segment !== undefined) this.engine.removeSegment(segment);
      this.release(net.id, link?.ifname);
      throw e;
    }
  }

  /** Removes the host's interface, the segment, and the parent's port with its last network. */
  down(networkId: string): void {
    const n = this.live.get(networkId);
    if (!n) return;
    if (n.hostPort !== undefined) this.engine.removePort(n.hostPort);
    this.engine.removeSegment(n.segment);
    this.release(networkId, n.parent);
    this.live.delete(networkId);
  }

  /** The network a segment is, for statistics. */
  networkOf(segment: number): string | undefined {
    for (const [id, n] of this.live) if (n.segment === segment) return id;
    return undefined;
  }

  segment(networkId: string): number {
    const n = this.live.get(networkId);
    if (n === undefined) throw new Error(`network ${networkId.slice(0, 12)} has no segment`);
    return n.segment;
  }

  /** With host access: the container's address routed from the host through its interface on the network. */
  async routeFromHost(net: NetworkDoc, address: string | undefined, add: boolean): Promise<void> {
    if (!net.hostAccess || !address || !this.live.get(net.id)?.hostPort) return;
    if (add) await configureInterface(undefined, { ifname: net.hostAccess.ifname, routes: [{ to: `${address}/32` }], loopbackUp: false });
    // Removing the container's TAP is not enough: its route stays on the host's interface until removed.
    else await run('ip', ['route', 'del', `${address}/32`, 'dev', net.hostAccess.ifname]);
  }

  /** Engine port id -> what it is, for statistics: the parents and the host's interfaces. */
  owners(networks: (id: string) => NetworkDoc | undefined): Map<number, string> {
    const out = new Map<number, string>();
    for (const [ifname, p] of this.parents) out.set(p.port, `parent ${ifname} of ${[...p.users].map((id) => networks(id)?.name ?? id.slice(0, 12)).join(', ')}`);
    for (const [id, n] of this.live) {
      const net = networks(id);
      if (n.hostPort !== undefined && net?.hostAccess) out.set(n.hostPort, `host access ${net.hostAccess.ifname} of ${net.name}`);
    }
    return out;
  }

  private release(networkId: string, parent: string | undefined): void {
    const p = parent === undefined ? undefined : this.parents.get(parent);
    if (!p) return;
    p.users.delete(networkId);
    if (!p.users.size) {
      this.engine.removePort(p.port);
      this.parents.delete(parent!);
    }
  }
}

/** The subnet's last usable IPv4 address that is neither its gateway nor reserved: the host's, unless --aux-address host=IP. */
export function hostAccessAddress(subnet: { subnet: string; gateway?: string; auxAddresses?: Record<string, string> }): string {
  const given = subnet.auxAddresses?.[HOST_ACCESS_AUX];
  if (given) return given;
  const c = parseCidr(subnet.subnet);
  const taken = new Set([subnet.gateway, ...Object.values(subnet.auxAddresses ?? {})]);
  for (let n = last(c) - 1n; n > c.base; n--) {
    const ip = bigintToIp(n, 4);
    if (!taken.has(ip)) return ip;
  }
  throw badRequest(`subnet ${subnet.subnet} has no address left for the host's interface (${DEMUX_OPTIONS.hostAccess}=true)`);
}
