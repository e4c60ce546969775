import { randomBytes } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { type Cidr, type SubnetConfig, contains, familyOf, nextFreePool, overlaps, parseCidr, formatCidr, ulaSubnetFor, validateSubnet } from '../ipam';
import { listLinks, listRouteDestinations } from '../netns';
import type { Bridges } from './bridges';
import { DEMUX_OPTIONS, type DemuxDriver, DemuxNetworks, HOST_ACCESS_AUX, hostAccessAddress, resolveParent } from './demux-networks';
import { badRequest, conflict } from './errors';
import type { Events } from './events';
import { OVERLAY_OPTIONS, Overlays } from './overlays';
import type { DaemonConfig } from './config';
import type { Logger } from './log';
import type { ContainerDoc, NetworkDoc } from './model';
import type { NetworkCreateSpec } from './requests';
import type { Sandboxes } from './sandboxes';
import type { State } from './state';

/** The -o options Ferry understands, as Docker names them. Anything else is refused. */
export const BRIDGE_OPTIONS = {
  name: 'com.docker.network.bridge.name',
  mtu: 'com.docker.network.driver.mtu',
  icc: 'com.docker.network.bridge.enable_icc',
  masquerade: 'com.docker.network.bridge.enable_ip_masquerade',
  hostBinding: 'com.docker.network.bridge.host_binding_ipv4',
  /** Docker 28's: nat (NAT66 to --external-ip6, the default) or routed (the prefix is routed to the host, no translation). */
  gatewayModeIpv6: 'com.docker.network.bridge.gateway_mode_ipv6',
  /** Ferry's own: false lets containers send as others (they route or bridge for others). */
  portSecurity: 'ferry.port_security',
} as const;

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const IFNAME = /^[a-zA-Z0-9_.-]{1,15}$/;
const DEFAULT_MTU = 1500;

export class Networks {
  constructor(
    private readonly state: State,
    private readonly bridges: Bridges,
    private readonly demux: DemuxNetworks,
    private readonly sandboxes: Sandboxes,
    private readonly log: Logger,
    private readonly events: Events,
    /** The uplink's subnets (--external-ip, --external-ip6), which no network may overlap: their addresses are the world's. */
    private readonly uplink: () => { ifname: string; subnet: Cidr; subnet6?: Cidr } | undefined = () => undefined,
    /** In a cluster: overlay networks (daemon/overlays.ts). */
    private readonly overlays: () => Overlays | undefined = () => undefined,
    /** daemon.json (daemon/config.ts): the default bridge's addresses and MTU, and the pools. */
    private readonly config: () => DaemonConfig = () => ({}),
  ) {}

  /**
   * At first start: bridge (172.17.0.0/16, or as daemon.json's bip and
   * fixed-cidr say; ferry0), host and none, as `docker network ls` shows
   * them. A default bridge made under another configuration is made again
   * as this one says, unless containers are on it: then the start is refused.
   */
  async ensureDefaults(): Promise<void> {
    const has = (name: string) => [...this.state.networks.values()].some((n) => n.name === name);
    const want = this.defaultBridgeSpec();
    const old = [...this.state.networks.values()].find((n) => n.name === 'bridge' && n.isDefault);
    const changed = old && defaultBridgeChanges(old, want, this.config());
    if (old && changed) {
      const users = [...new Set([...this.state.attached(old.id), ...this.stoppedUsers(old.id)].map((c) => c.name))];
      if (users.length) throw conflict(`the default bridge's configuration changed (${changed}) but containers are on it (${users.join(', ')}); remove them first, or start the daemon as before`);
      this.bridges.down(old.id);
      await this.state.deleteNetwork(old.id);
      this.log('network.default_bridge', { changed });
    }
    if (!has('bridge')) await this.create(want, { isDefault: true });
    for (const [name, driver] of [['host', 'host'], ['none', 'null']] as const) {
      if (!has(name)) await this.state.saveNetwork(this.doc({ name, driver, subnets: [], isDefault: true }));
    }
  }

  /** The default bridge as daemon.json says: bip, fixed-cidr, ipv6 and fixed-cidr-v6, mtu, default-gateway(-v6). */
  private defaultBridgeSpec(): NetworkCreateSpec {
    const c = this.config();
    const options: Record<string, string> = { [BRIDGE_OPTIONS.name]: 'ferry0', ...(c.mtu ? { [BRIDGE_OPTIONS.mtu]: String(c.mtu) } : {}) };
    const aux: Record<string, string> = {
      ...(c['default-gateway'] ? { [DEFAULT_GATEWAY_AUX[4]]: c['default-gateway'] } : {}),
      ...(c['default-gateway-v6'] ? { [DEFAULT_GATEWAY_AUX[6]]: c['default-gateway-v6'] } : {}),
    };
    let v4: string[];
    let gateways: string[] = [];
    if (c.bip) {
      const bip = parseCidr(c.bip);
      v4 = [formatCidr(bip)];
      gateways = [c.bip.split('/')[0]!];
    } else {
      // Docker's 172.17.0.0/16, unless the uplink is there: then the first free pool.
      const up = this.uplink();
      v4 = up && overlaps(up.subnet, parseCidr('172.17.0.0/16')) ? [] : ['172.17.0.0/16'];
    }
    return {
      name: 'bridge',
      subnets: [...v4, ...(c['fixed-cidr-v6'] ? [c['fixed-cidr-v6']] : [])],
      gateways,
      ipRanges: c['fixed-cidr'] ? [c['fixed-cidr']] : [],
      ipv6: !!c.ipv6,
      auxAddresses: aux,
      options,
    };
  }

  async create(spec: NetworkCreateSpec, internal: { isDefault?: boolean; id?: string; managedBy?: 'docker' } = {}): Promise<NetworkDoc> {
    if (!NAME.test(spec.name)) throw badRequest(`network name "${spec.name}" is invalid: use [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
    if (this.state.findNetwork(spec.name)?.name === spec.name) throw conflict(`network with name "${spec.name}" already exists`);
    const driver = spec.driver ?? 'bridge';
    if (driver === 'host' || driver === 'null') throw badRequest(`only one instance of the "${driver}" network is allowed`);
    if (driver === 'macvlan' || driver === 'ipvlan') return this.createDemux(spec, driver);
    if (driver === 'overlay') return this.createOverlay(spec, internal);
    if (driver !== 'bridge') throw badRequest(`driver "${driver}" is not supported (accepted: bridge, macvlan, ipvlan, overlay)`);
    const options = this.checkOptions(spec.options ?? {});
    const id = internal.id ?? randomBytes(32).toString('hex');
    if (this.state.networks.has(id)) throw conflict(`network ${id.slice(0, 12)} already exists`);
    const subnets = await this.subnets(spec, id);
    const hostInterface = options[BRIDGE_OPTIONS.name] ?? `br-${id.slice(0, 12)}`;
    if ([...this.state.networks.values()].some((n) => n.hostInterface === hostInterface))
      throw conflict(`host interface "${hostInterface}" is already used by another network`);
    if ((await listLinks()).some((l) => l.ifname === hostInterface))
      throw conflict(`host interface "${hostInterface}" already exists on the host; choose another ${BRIDGE_OPTIONS.name}`);
    const net = this.doc({
      ...fromSpec(spec),
      id,
      driver: 'bridge',
      subnets,
      options,
      hostInterface,
      hostMac: randomMac(),
      mtu: options[BRIDGE_OPTIONS.mtu] ? Number(options[BRIDGE_OPTIONS.mtu]) : DEFAULT_MTU,
      isDefault: internal.isDefault,
      managedBy: internal.managedBy,
    });
    return this.made(net, this.bridges, { hostInterface });
  }

  /**
   * The kernel and the engine first, then the store: nothing is stored for a
   * network that could not be made, and nothing is left made for one that
   * could not be stored.
   */
  private async made(net: NetworkDoc, maker: { up(n: NetworkDoc): Promise<void>; down(id: string): void }, logged: Record<string, unknown>): Promise<NetworkDoc> {
    await maker.up(net);
    try {
      await this.state.saveNetwork(net);
    } catch (e) {
      maker.down(net.id);
      throw e;
    }
    this.log('network.create', { id: net.id, name: net.name, driver: net.driver, subnets: net.subnets.map((s) => s.subnet), ...logged });
    this.events.emit('network', 'create', net.id, { name: net.name, type: net.driver });
    return net;
  }

  /**
   * macvlan and ipvlan (daemon/demux-networks.ts): the gateway is a router
   * on the segment, not Ferry, so nothing of the host holds it; the MTU is
   * the parent's. One network per parent and VLAN, as Docker allows.
   */
  private async createDemux(spec: NetworkCreateSpec, driver: DemuxDriver): Promise<NetworkDoc> {
    const options = { ...(spec.options ?? {}) };
    const allowed: string[] = [DEMUX_OPTIONS.parent, DEMUX_OPTIONS.hostAccess, ...(driver === 'macvlan' ? [DEMUX_OPTIONS.macvlanMode] : [DEMUX_OPTIONS.ipvlanMode, DEMUX_OPTIONS.ipvlanFlag])];
    for (const k of Object.keys(options)) if (!allowed.includes(k)) throw badRequest(`unknown option "${k}" for the ${driver} driver (accepted: ${allowed.join(', ')})`);
    const check = (key: string, words: string[]) => {
      const v = options[key];
      if (v !== undefined && !words.includes(v)) throw badRequest(`option ${key}=${v}: one of ${words.join(', ')}`);
    };
    check(DEMUX_OPTIONS.macvlanMode, ['bridge', 'private', 'vepa', 'passthru']);
    check(DEMUX_OPTIONS.ipvlanMode, ['l2', 'l3']);
    check(DEMUX_OPTIONS.ipvlanFlag, ['bridge', 'private', 'vepa']);
    check(DEMUX_OPTIONS.hostAccess, ['true', 'false']);
    const parentSpec = options[DEMUX_OPTIONS.parent];
    if (!parentSpec && !spec.internal) throw badRequest(`the ${driver} driver needs -o parent=IFACE (or IFACE.VID for a VLAN), unless the network is --internal`);
    const parent = parentSpec ? await resolveParent(parentSpec) : undefined;
    if (parent) {
      const same = [...this.state.networks.values()].find((n) => n.parent?.ifname === parent.ifname && n.parent.vlan === parent.vlan);
      if (same) throw conflict(`network "${same.name}" already uses ${parentSpec}${parent.vlan ? '' : ' (its untagged frames)'}; one network per parent and VLAN`);
      if (this.uplink()?.ifname === parent.ifname) throw conflict(`-o parent=${parentSpec}: ${parent.ifname} is the uplink`);
    }
    const id = randomBytes(32).toString('hex');
    const subnets = await this.subnets(spec, id);
    const hostAccess = options[DEMUX_OPTIONS.hostAccess] === 'true';
    if (hostAccess && (!parent || driver !== 'macvlan')) throw badRequest(`${DEMUX_OPTIONS.hostAccess}=true needs a macvlan network with a parent`);
    let access: NetworkDoc['hostAccess'];
    if (hostAccess) {
      const v4 = subnets.find((s) => familyOf(s.subnet.split('/')[0]!) === 4)!;
      const ip = hostAccessAddress(v4);
      v4.auxAddresses = { ...v4.auxAddresses, [HOST_ACCESS_AUX]: ip }; // reserved: no container gets it
      access = { ifname: `fh-${id.slice(0, 12)}`, mac: randomMac(), ipv4: ip };
    }
    const net = this.doc({ ...fromSpec(spec), id, driver, subnets, options, parent, hostAccess: access, mtu: parent?.mtu ?? DEFAULT_MTU });
    return this.made(net, this.demux, { parent: parentSpec });
  }

  /**
   * overlay (daemon/overlays.ts): claimed in the cluster store, then made
   * here; every other host makes it when its watch sees it. The document
   * lives in etcd only. Subnets from Docker's overlay pools, 10.0.0.0/8 in /24s.
   */
  private async createOverlay(spec: NetworkCreateSpec, internal: { id?: string; managedBy?: 'docker' } = {}): Promise<NetworkDoc> {
    const overlays = this.overlays();
    if (!overlays) throw badRequest('overlay networks need a cluster: start the daemon with --cluster-store etcd://HOST:PORT --advertise-addr IP|IFACE');
    const options = { ...(spec.options ?? {}) };
    const known = Object.values(OVERLAY_OPTIONS) as string[];
    for (const [k, v] of Object.entries(options)) {
      if (!known.includes(k)) throw badRequest(`unknown option "${k}" for the overlay driver (accepted: ${known.join(', ')})`);
      if (k === OVERLAY_OPTIONS.mtu) checkMtuOption(k, v);
      if (k === OVERLAY_OPTIONS.vni && !(/^\d+$/.test(v) && Number(v) >= 1 && Number(v) < 1 << 24)) throw badRequest(`option ${k}=${v}: one VNI from 1 to 16777215`);
    }
    const id = internal.id ?? randomBytes(32).toString('hex');
    const net = this.doc({
      ...fromSpec(spec),
      id,
      driver: 'overlay',
      managedBy: internal.managedBy,
      subnets: await this.subnets(spec, id, 'overlay'),
      options,
      hostInterface: `ov-${id.slice(0, 12)}`,
      hostMac: randomMac(), // the gateway's, the same on every host: each host's interface answers for it
      mtu: options[OVERLAY_OPTIONS.mtu] ? Number(options[OVERLAY_OPTIONS.mtu]) : await overlays.defaultMtu(Overlays.encrypted({ options })),
    });
    const made = await overlays.create(net);
    this.state.adoptNetwork(made);
    this.log('network.create', { id, name: made.name, driver: 'overlay', vni: made.vni, subnets: made.subnets.map((x) => x.subnet), encrypted: Overlays.encrypted(made) });
    this.events.emit('network', 'create', id, { name: made.name, type: 'overlay' });
    return made;
  }

  /** An overlay network another host made (or removed), seen in the cluster store. */
  async adopt(net: NetworkDoc | undefined, id: string): Promise<void> {
    const overlays = this.overlays();
    const have = this.state.networks.get(id);
    if (!overlays || (net && have) || (!net && have?.driver !== 'overlay')) return;
    if (net) {
      this.state.adoptNetwork(net);
      await overlays.up(net);
      this.events.emit('network', 'create', id, { name: net.name, type: net.driver });
    } else {
      overlays.down(id);
      this.state.forgetNetwork(id);
      this.events.emit('network', 'destroy', id, { name: have!.name, type: have!.driver });
    }
  }

  async remove(ref: string, by?: 'docker'): Promise<void> {
    const net = this.state.network(ref);
    if (net.isDefault) throw badRequest(`"${net.name}" is a pre-defined network and cannot be removed`);
    if (net.managedBy && net.managedBy !== by) throw badRequest(`network "${net.name}" was made through ${net.managedBy}; remove it there (docker network rm ${net.name})`);
    const users = this.state.attached(net.id).concat(this.stoppedUsers(net.id));
    if (users.length) {
      const names = [...new Set(users.map((c) => c.name))];
      throw conflict(`network "${net.name}" has ${names.length} attached container${names.length > 1 ? 's' : ''} (${names.join(', ')}); disconnect or remove them first`);
    }
    if (Overlays.handles(net)) {
      await this.overlays()!.remove(net);
      this.state.forgetNetwork(net.id);
    } else {
      this.bridges.down(net.id);
      this.demux.down(net.id);
      await this.state.deleteNetwork(net.id);
    }
    this.log('network.remove', { id: net.id, name: net.name });
    this.events.emit('network', 'destroy', net.id, { name: net.name, type: net.driver });
  }

  /** Removes every user-defined local network no container uses; returns their names. */
  async prune(): Promise<string[]> {
    const removed: string[] = [];
    for (const net of [...this.state.networks.values()]) {
      // Overlay networks are the cluster's: one host's prune does not remove them.
      if (net.isDefault || net.managedBy || Overlays.handles(net) || this.state.attached(net.id).length || this.stoppedUsers(net.id).length) continue;
      await this.remove(net.id);
      removed.push(net.name);
    }
    return removed;
  }

  async connect(ref: string, containerRef: string, opts: { ip?: string; ip6?: string; aliases?: string[] }): Promise<void> {
    const net = this.state.network(ref);
    const c = this.state.container(containerRef);
    refuseManaged(net, c);
    if (net.driver !== 'bridge' && !DemuxNetworks.handles(net) && !Overlays.handles(net)) throw badRequest(`container cannot be connected to network "${net.name}" (driver ${net.driver})`);
    if (c.mode.kind !== 'bridge') throw badRequest(`container "${c.name}" runs in ${c.mode.kind} network mode and cannot be connected to other networks`);
    if (c.mode.networks.some((r) => r.networkId === net.id)) throw conflict(`container "${c.name}" is already connected to network "${net.name}"`);
    const req = { networkId: net.id, ipv4: opts.ip, ipv6: opts.ip6, aliases: opts.aliases ?? [] };
    c.mode.networks.push(req);
    try {
      if (c.state === 'running') {
        this.sandboxes.setIpv6(c); // an IPv6 network turns the container's IPv6 on
        await this.sandboxes.addNetwork(c, req);
      }
    } catch (e) {
      c.mode.networks.pop();
      if (c.state === 'running') this.sandboxes.setIpv6(c);
      throw e;
    }
    await this.state.saveContainer(c);
    this.log('network.connect', { network: net.name, container: c.name });
    this.events.emit('network', 'connect', net.id, { container: c.id, name: net.name, type: net.driver });
  }

  async disconnect(ref: string, containerRef: string): Promise<void> {
    const net = this.state.network(ref);
    const c = this.state.container(containerRef);
    refuseManaged(net, c);
    if (c.mode.kind !== 'bridge' || !c.mode.networks.some((r) => r.networkId === net.id))
      throw badRequest(`container "${c.name}" is not connected to network "${net.name}"`);
    await this.sandboxes.removeNetwork(c, net.id);
    c.mode.networks = c.mode.networks.filter((r) => r.networkId !== net.id);
    await this.state.saveContainer(c);
    this.log('network.disconnect', { network: net.name, container: c.name });
    this.events.emit('network', 'disconnect', net.id, { container: c.id, name: net.name, type: net.driver });
  }

  private stoppedUsers(networkId: string): ContainerDoc[] {
    return [...this.state.containers.values()].filter((c) => c.mode.kind === 'bridge' && c.mode.networks.some((r) => r.networkId === networkId));
  }

  private checkOptions(options: Record<string, string>): Record<string, string> {
    const known = Object.values(BRIDGE_OPTIONS) as string[];
    for (const [k, v] of Object.entries(options)) {
      if (!known.includes(k)) throw badRequest(`unknown option "${k}" (accepted: ${known.join(', ')})`);
      if (k === BRIDGE_OPTIONS.name && !IFNAME.test(v)) throw badRequest(`option ${k}=${v}: an interface name of 1-15 characters [a-zA-Z0-9_.-]`);
      if (k === BRIDGE_OPTIONS.mtu) checkMtuOption(k, v);
      if ((k === BRIDGE_OPTIONS.icc || k === BRIDGE_OPTIONS.masquerade || k === BRIDGE_OPTIONS.portSecurity) && v !== 'true' && v !== 'false') throw badRequest(`option ${k}=${v}: true or false`);
      if (k === BRIDGE_OPTIONS.hostBinding && !isIPv4(v)) throw badRequest(`option ${k}=${v}: an IPv4 address`);
      if (k === BRIDGE_OPTIONS.gatewayModeIpv6 && v !== 'nat' && v !== 'routed') throw badRequest(`option ${k}=${v}: nat or routed`);
    }
    return options;
  }

  /** Subnets no new one may overlap: the networks', the host's routes and the uplink's. */
  async takenSubnets(): Promise<Cidr[]> {
    const routes = (await listRouteDestinations()).flatMap((d) => {
      try {
        return [parseCidr(d)];
      } catch {
        return [];
      }
    });
    const up = this.uplink();
    return [...[...this.state.networks.values()].flatMap((n) => n.subnets.map((s) => parseCidr(s.subnet))), ...routes, ...(up ? [up.subnet, ...(up.subnet6 ? [up.subnet6] : [])] : [])];
  }

  /** The first default pool (local: daemon.json's default-address-pools, or Docker's; overlay: Docker's overlay pools) that overlaps none of these. */
  nextFreePool(taken: Cidr[], scope: 'local' | 'overlay' = 'local'): Cidr {
    return nextFreePool(taken.filter((t) => t.family === 4), scope, scope === 'local' ? this.config()['default-address-pools'] : undefined);
  }

  /** Subnets from --subnet (or the next free default pool), with their gateways, ranges and aux addresses. */
  private async subnets(spec: NetworkCreateSpec, id: string, scope: 'local' | 'overlay' = 'local'): Promise<SubnetConfig[]> {
    const given = (spec.subnets ?? []).map((s) => parse(s));
    const v4 = given.filter((c) => c.family === 4);
    const v6 = given.filter((c) => c.family === 6);
    if (v4.length > 1 || v6.length > 1) throw badRequest('at most one IPv4 and one IPv6 --subnet per network');
    if (v6.length && !spec.ipv6) throw badRequest(`--subnet ${formatCidr(v6[0]!)} is IPv6; add --ipv6`);
    const existing = [...this.state.networks.values()].flatMap((n) => n.subnets.map((s) => ({ net: n, cidr: parseCidr(s.subnet) })));
    const up = this.uplink();
    for (const c of given) {
      const clash = existing.find((e) => overlaps(e.cidr, c));
      if (clash) throw conflict(`subnet ${formatCidr(c)} overlaps ${formatCidr(clash.cidr)} of network "${clash.net.name}"`);
      for (const [theirs, option] of [[up?.subnet, '--external-ip'], [up?.subnet6, '--external-ip6']] as const)
        if (up && theirs && overlaps(theirs, c)) throw conflict(`subnet ${formatCidr(c)} overlaps ${formatCidr(theirs)} of the uplink ${up.ifname} (${option}): its addresses are the world's`);
    }
    const cidrs: Cidr[] = [];
    if (v4.length) cidrs.push(v4[0]!);
    // Skip pools that overlap a network or any route of the host, as Docker does.
    else cidrs.push(this.nextFreePool(await this.takenSubnets(), scope));
    if (spec.ipv6) cidrs.push(v6[0] ?? parseCidr(ulaSubnetFor(id)));
    const pick = (list: string[] | undefined, c: Cidr, what: string) => {
      const inside = (list ?? []).filter((x) => {
        try {
          return what === 'ip-range' ? overlaps(parse(x), c) : contains(c, x);
        } catch {
          return false;
        }
      });
      if (inside.length > 1) throw badRequest(`more than one ${what} for subnet ${formatCidr(c)}`);
      return inside[0];
    };
    const all = cidrs.map(formatCidr).join(' or ');
    for (const g of spec.gateways ?? []) if (!cidrs.some((c) => safeContains(c, g))) throw badRequest(`gateway ${g} is not in subnet ${all}`);
    for (const r of spec.ipRanges ?? []) if (!cidrs.some((c) => overlaps(parse(r), c))) throw badRequest(`ip-range ${r} is not inside subnet ${all}`);
    for (const [name, ip] of Object.entries(spec.auxAddresses ?? {}))
      if (!cidrs.some((c) => safeContains(c, ip))) throw badRequest(`aux-address ${name}=${ip} is not in subnet ${all}`);
    return cidrs.map((c) => {
      const aux = Object.fromEntries(Object.entries(spec.auxAddresses ?? {}).filter(([, ip]) => safeContains(c, ip)));
      return validateSubnet({ subnet: formatCidr(c), gateway: pick(spec.gateways, c, 'gateway'), ipRange: pick(spec.ipRanges, c, 'ip-range'), auxAddresses: aux });
    });
  }

  private doc(fields: Partial<NetworkDoc> & Pick<NetworkDoc, 'name' | 'driver' | 'subnets'>): NetworkDoc {
    return {
      id: randomBytes(32).toString('hex'),
      created: new Date().toISOString(),
      internal: false,
      attachable: false,
      enableIPv6: false,
      options: {},
      labels: {},
      mtu: DEFAULT_MTU,
      ...fields,
    };
  }
}

/** A network made through Docker has Docker's containers only, and they come and go through Docker. */
function refuseManaged(net: NetworkDoc, c: ContainerDoc): void {
  if (net.managedBy) throw badRequest(`network "${net.name}" was made through ${net.managedBy}: connect containers to it with docker network connect`);
  if (c.docker) throw badRequest(`container "${c.name}" is Docker's: connect it with docker network connect`);
}

/** The aux addresses that hold a network's default route for containers when it is not the gateway (Docker's names). */
export const DEFAULT_GATEWAY_AUX = { 4: 'DefaultGatewayIPv4', 6: 'DefaultGatewayIPv6' } as const;

/** What of the stored default bridge differs from what daemon.json asks, said for a person; '' if nothing. */
function defaultBridgeChanges(old: NetworkDoc, want: NetworkCreateSpec, c: DaemonConfig): string {
  const out: string[] = [];
  const v4 = old.subnets.find((s) => !s.subnet.includes(':'));
  const v6 = old.subnets.find((s) => s.subnet.includes(':'));
  if (c.bip && (v4?.subnet !== want.subnets![0] || v4?.gateway !== want.gateways![0])) out.push(`bip ${c.bip}, was ${v4?.gateway}/${v4?.subnet.split('/')[1]}`);
  if ((c['fixed-cidr'] ?? undefined) !== (v4?.ipRange ?? undefined)) out.push(`fixed-cidr ${c['fixed-cidr'] ?? 'none'}, was ${v4?.ipRange ?? 'none'}`);
  if (!!c.ipv6 !== old.enableIPv6) out.push(`ipv6 ${!!c.ipv6}, was ${old.enableIPv6}`);
  if (c['fixed-cidr-v6'] && c['fixed-cidr-v6'] !== v6?.subnet) out.push(`fixed-cidr-v6 ${c['fixed-cidr-v6']}, was ${v6?.subnet ?? 'none'}`);
  if ((c.mtu ?? DEFAULT_MTU) !== old.mtu) out.push(`mtu ${c.mtu ?? DEFAULT_MTU}, was ${old.mtu}`);
  for (const f of [4, 6] as const) {
    const key = f === 4 ? 'default-gateway' : 'default-gateway-v6';
    const had = (f === 4 ? v4 : v6)?.auxAddresses[DEFAULT_GATEWAY_AUX[f]];
    if ((c[key] ?? undefined) !== had) out.push(`${key} ${c[key] ?? 'none'}, was ${had ?? 'none'}`);
  }
  return out.join('; ');
}

/** -o com.docker.network.driver.mtu, of the bridge and overlay drivers. */
function checkMtuOption(key: string, value: string): void {
  if (!(/^\d+$/.test(value) && Number(value) >= 68 && Number(value) <= 65535)) throw badRequest(`option ${key}=${value}: an MTU from 68 to 65535`);
}

function parse(cidr: string): Cidr {
  try {
    return parseCidr(cidr, { strict: true });
  } catch (e) {
    throw badRequest((e as Error).message);
  }
}

function safeContains(c: Cidr, ip: string): boolean {
  try {
    return familyOf(ip) === c.family && contains(c, ip);
  } catch {
    throw badRequest(`"${ip}" is not an IP address`);
  }
}


/** What every driver takes from `network create` as given. */
function fromSpec(spec: NetworkCreateSpec): Pick<NetworkDoc, 'name' | 'internal' | 'attachable' | 'enableIPv6' | 'labels'> {
  return { name: spec.name, internal: !!spec.internal, attachable: !!spec.attachable, enableIPv6: !!spec.ipv6, labels: spec.labels ?? {} };
}

function randomMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfe) | 0x02; // unicast, locally administered
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}
