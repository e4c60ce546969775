import { NATIVE_CONSTANTS, type Engine } from '../dataplane';
import { ClusterIpam } from '../cluster/ipam';
import type { Membership } from '../cluster/membership';
import { OverlayStore, type NetworkClaims } from '../cluster/overlay-store';
import { ClusterView, type EndpointAnnouncement, type ViewChange } from '../cluster/view';
import { type SubnetConfig } from '../ipam';
import { listAddresses } from '../netns';
import type { Bridges } from './bridges';
import { conflict } from './errors';
import { OverlayKeys } from './overlay-keys';
import type { Logger } from './log';
import type { ContainerDoc, Endpoint, NetworkDoc } from './model';

/** The -o options of the overlay driver, as Docker names them. */
export const OVERLAY_OPTIONS = {
  mtu: 'com.docker.network.driver.mtu',
  vni: 'com.docker.network.driver.overlay.vxlanid_list',
  /** Present (any value, as Docker takes it): the network's datagrams between hosts are ESP (native/vxlan/sealed.h). */
  encrypted: 'encrypted',
} as const;

/** VNIs Ferry picks start here, as Docker's overlay driver's do. */
export const FIRST_VNI = 4096;
/** The outer IPv4, UDP and VXLAN headers and the inner Ethernet header: what an overlay packet loses to the underlay. */
export const VXLAN_OVERHEAD = 50;


/** What the engine holds for one overlay network on this host, to change only what changed. */
interface Applied {
  tunnel: number;
  domain: number;
  remotes: Map<string, string>;
  proxied: Map<string, string>;
  hosts: string;
}

/**
 * Overlay networks on this host: each is a bridge network (daemon/bridges.ts:
 * a domain, the gateway on a host interface, the router's way out through
 * this host's uplink) with a VXLAN tunnel port in its domain. The cluster
 * view (cluster/view.ts) says where every other endpoint is; from it the
 * engine gets, per network, the host each remote MAC lives on, the hosts
 * broadcasts are replicated to, and the addresses whose ARP and neighbour
 * questions the fast path answers itself. Nothing is learned from the wire.
 */
export class Overlays {
  readonly view: ClusterView<NetworkDoc>;
  readonly store: OverlayStore;
  readonly ipam: ClusterIpam;
  /** Encrypted networks' sealed underlay and keys. */
  readonly keys: OverlayKeys;
  private underlay?: number;
  private readonly live = new Map<string, Applied>();
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly engine: Engine,
    private readonly bridges: Bridges,
    readonly membership: Membership,
    private readonly options: { vxlanPort: number; keyRotationMs?: number },
    private readonly log: Logger,
  ) {
    this.view = new ClusterView<NetworkDoc>(membership.kv);
    this.store = new OverlayStore(membership.kv, (p) => membership.bounded(p));
    this.ipam = new ClusterIpam(this.store, this.view);
    this.keys = new OverlayKeys(engine, membership, this.view, { keyRotationMs: options.keyRotationMs }, log);
  }

  static handles(net: NetworkDoc): boolean {
    return net.driver === 'overlay';
  }

  static encrypted(net: Pick<NetworkDoc, 'options'>): boolean {
    return OVERLAY_OPTIONS.encrypted in net.options;
  }

  get self(): string {
    return this.membership.self.id;
  }

  /** Reads the cluster's state and follows it; opens the underlay socket on the advertise address. */
  async start(onChange: (c: ViewChange) => void): Promise<void> {
    await this.membership.bounded(this.view.start());
    this.view.onChange(onChange);
    this.underlay = this.engine.addUnderlay({ address: this.membership.self.advertise, port: this.options.vxlanPort });
    this.keys.changed();
  }

  async stop(): Promise<void> {
    this.keys.stop();
    await this.view.stop((p) => this.membership.bounded(p));
  }

  /** The MTU of overlay networks made here: the underlay interface's, less the VXLAN headers (and ESP's, encrypted). */
  async defaultMtu(encrypted = false): Promise<number> {
    const link = (await listAddresses({ family: 4 })).find((l) => l.addr_info?.some((a) => a.local === this.membership.self.advertise));
    return (link?.mtu ?? 1500) - VXLAN_OVERHEAD - (encrypted ? NATIVE_CONSTANTS.sealedOverhead : 0);
  }

  /**
   * Claims the network in the cluster (its name, subnets and a VNI: the one
   * given, or the lowest free from 4096), then makes it here.
   */
  async create(net: NetworkDoc): Promise<NetworkDoc> {
    const given = net.options[OVERLAY_OPTIONS.vni];
    const used = new Set([...this.view.networks.values()].map((n) => n.vni));
    let vni = given ? Number(given) : FIRST_VNI;
    if (Overlays.encrypted(net)) await this.keys.keyring.ensure();
    for (;;) {
      while (!given && used.has(vni)) vni++;
      const doc = { ...net, vni, options: { ...net.options, [OVERLAY_OPTIONS.vni]: String(vni) } };
      const r = await this.store.createNetwork(claimsOf(doc), doc);
      if (r.ok) {
        try {
          await this.up(doc);
        } catch (e) {
          await this.store.removeNetwork(claimsOf(doc)).catch(() => undefined);
          throw e;
        }
        return doc;
      }
      if (r.taken === 'name') throw conflict(`network with name "${net.name}" already exists in the cluster`);
      if (r.taken !== 'vni') throw conflict(`subnet ${r.taken.subnet} is already used by an overlay network of the cluster`);
      if (given) throw conflict(`VNI ${vni} is already used by an overlay network of the cluster`);
      used.add(vni); // another host took it meanwhile
    }
  }

  /** Removes the network from the cluster, refused while any host has an endpoint on it. */
  async remove(net: NetworkDoc): Promise<void> {
    const r = await this.store.removeNetwork(claimsOf(net));
    if (!r.removed) {
      const where = r.endpoints.map((e) => `${e.name} on ${this.view.nodes.get(e.node)?.hostname ?? e.node}${this.view.isAlive(e.node) ? '' : ' (down)'}`);
      throw conflict(`network "${net.name}" has ${r.endpoints.length || 'an'} endpoint${r.endpoints.length === 1 ? '' : 's'} in the cluster${where.length ? ` (${where.join(', ')})` : ''}; remove them first`);
    }
    this.down(net.id);
  }

  /** Idempotent: the network's bridge domain, host interface and tunnel, made here. */
  up(net: NetworkDoc): Promise<void> {
    if (!Overlays.handles(net) || this.live.has(net.id)) return Promise.resolve();
    const running = this.pending.get(net.id);
    if (running) return running;
    const p = this.make(net).finally(() => this.pending.delete(net.id));
    this.pending.set(net.id, p);
    return p;
  }

  private async make(net: NetworkDoc): Promise<void> {
    await this.bridges.up(net);
    const domain = this.bridges.domain(net.id);
    try {
      const underlay = Overlays.encrypted(net) ? this.keys.sealedUnderlay() : this.underlay!;
      const tunnel = this.engine.addTunnel({ underlay, vni: net.vni!, domain, mtu: net.mtu });
      this.live.set(net.id, { tunnel, domain, remotes: new Map(), proxied: new Map(), hosts: '' });
    } catch (e) {
      this.bridges.down(net.id);
      throw e;
    }
    this.sync(net);
  }

  down(networkId: string): void {
    const a = this.live.get(networkId);
    if (!a) return;
    for (const ip of a.proxied.keys()) this.engine.setNeighborProxy(a.domain, ip, null);
    this.engine.removePort(a.tunnel);
    this.bridges.down(networkId);
    this.live.delete(networkId);
  }

  /**
   * Brings the engine in line with the cluster for one network: remote MACs
   * to their hosts, the hosts that get its floods, and the answered addresses
   * (every endpoint's, and the gateway's: its MAC is this host's interface).
   */
  sync(net: NetworkDoc): void {
    const a = this.live.get(net.id);
    if (!a) return;
    const remotes = new Map<string, string>();
    const proxied = new Map<string, string>(net.subnets.map((s) => [s.gateway, net.hostMac!]));
    const hosts = new Set<string>();
    for (const e of this.view.endpoints(net.id)) {
      for (const ip of [e.ipv4, e.ipv6]) if (ip) proxied.set(ip, e.mac);
      const host = this.view.nodes.get(e.node)?.advertise;
      if (e.node === this.self || !host) continue;
      remotes.set(e.mac, host);
      hosts.add(host);
    }
    // A remote MAC is the tunnel's in the bridge too: its frames never flood this host's ports first.
    apply(a.remotes, remotes, (mac, host) => {
      this.engine.setTunnelRemote(a.tunnel, mac, host);
      if (host) this.engine.addStaticMac(a.domain, mac, a.tunnel);
      else this.engine.removeMac(a.domain, mac);
    });
    apply(a.proxied, proxied, (ip, mac) => this.engine.setNeighborProxy(a.domain, ip, mac));
    const list = [...hosts].sort();
    if (list.join() !== a.hosts) this.engine.setTunnelHosts(a.tunnel, list);
    a.hosts = list.join();
  }

  /** The addresses of a new endpoint, claimed in the cluster; released again if the second one cannot be. */
  async claim(net: NetworkDoc, endpointId: string, req: { ipv4?: string; ipv6?: string }): Promise<{ ipv4: string; ipv6?: string }> {
    const v4 = net.subnets.find((s) => !s.subnet.includes(':'))!;
    const v6 = net.subnets.find((s) => s.subnet.includes(':'));
    const ipv4 = await this.ipam.claim(net.id, v4, endpointId, req.ipv4);
    try {
      return { ipv4, ipv6: v6 ? await this.ipam.claim(net.id, v6 as SubnetConfig, endpointId, req.ipv6) : undefined };
    } catch (e) {
      await this.ipam.release(net.id, ipv4, endpointId).catch(() => undefined);
      throw e;
    }
  }

  /** Tells every host where the endpoint is and what it is called. */
  announce(c: ContainerDoc, ep: Endpoint): Promise<void> {
    const aliases = c.mode.kind === 'bridge' ? (c.mode.networks.find((r) => r.networkId === ep.networkId)?.aliases ?? []) : [];
    const doc: EndpointAnnouncement = { networkId: ep.networkId, endpointId: ep.endpointId, containerId: c.id, name: c.name, hostname: c.hostname, aliases, mac: ep.mac, ipv4: ep.ipv4, ipv6: ep.ipv6, node: this.self };
    return this.store.announce(doc);
  }

  /** The endpoint withdrawn and its addresses released; a store that does not answer is logged, not fatal. */
  async withdraw(ep: Endpoint): Promise<void> {
    try {
      await this.store.withdraw(ep.networkId, ep.endpointId);
      for (const ip of [ep.ipv4, ep.ipv6]) if (ip) await this.ipam.release(ep.networkId, ip, ep.endpointId);
    } catch (e) {
      this.log('overlay.withdraw', { endpoint: ep.endpointId.slice(0, 12), error: (e as Error).message }, 'warn');
    }
  }

  /** The hosts that have the network (this one, and those with endpoints on it), as Docker's inspect lists an overlay's Peers. */
  peers(networkId: string): { Name: string; IP: string }[] {
    const nodes = new Set([this.self, ...this.view.endpoints(networkId).map((e) => e.node)]);
    return [...nodes].flatMap((id) => {
      const n = id === this.self ? this.membership.self : this.view.nodes.get(id);
      return n ? [{ Name: n.hostname, IP: n.advertise }] : [];
    });
  }

  /** Engine port id -> what it is, for statistics: the underlay and the tunnels. */
  owners(name: (networkId: string) => string): Map<number, string> {
    const out = new Map<number, string>();
    if (this.underlay !== undefined) out.set(this.underlay, `underlay ${this.membership.self.advertise}:${this.options.vxlanPort}`);
    for (const [port, what] of this.keys.owners()) out.set(port, what);
    for (const [id, a] of this.live) out.set(a.tunnel, `VXLAN tunnel of ${name(id)}`);
    return out;
  }
}

function claimsOf(net: NetworkDoc): NetworkClaims {
  return { id: net.id, name: net.name, vni: net.vni!, subnets: net.subnets.map((s) => s.subnet) };
}

/** Changes what the engine has (`have`) into `want`, one call per entry that differs, null for one gone. */
function apply(have: Map<string, string>, want: Map<string, string>, set: (key: string, value: string | null) => void): void {
  for (const [k, v] of want) if (have.get(k) !== v) set(k, v);
  for (const k of have.keys()) if (!want.has(k)) set(k, null);
  have.clear();
  for (const [k, v] of want) have.set(k, v);
}
