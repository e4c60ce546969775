import { randomBytes } from 'node:crypto';
import type { Engine } from '../dataplane';
import { macFromIpv4 } from '../codec';
import { parseRateLimit } from '../container/rate-limit';
import { addInterface } from '../endpoint';
import { configureInterface, createNetns, deleteNetns, netnsPath, pinNetnsToProcess, setNetnsSysctl, type Route } from '../netns';
import type { Bridges } from './bridges';
import { DemuxNetworks, isIpvlanL3 } from './demux-networks';
import { Overlays } from './overlays';
import { parseCidr } from '../ipam';
import { BRIDGE_OPTIONS, DEFAULT_GATEWAY_AUX } from './networks';
import { RESOLVER_ADDRESS } from '../dns/server';
import { badRequest, conflict } from './errors';
import { type ContainerDoc, type Endpoint, type NetworkDoc, type NetworkRequest, subnetOf } from './model';
import type { State } from './state';

/**
 * A container's network: its namespace and one interface per network (eth0,
 * eth1, ...), each a persistent TAP in the network's bridge domain. Created
 * when the container starts and removed when it stops, releasing its
 * addresses, as Docker does with a container's sandbox.
 */
export class Sandboxes {
  /** endpointId -> engine port id, for the endpoints this daemon holds. */
  private readonly ports = new Map<string, number>();

  constructor(
    private readonly engine: Engine,
    private readonly bridges: Bridges,
    private readonly demux: DemuxNetworks,
    private readonly state: State,
    private readonly netnsPrefix: string,
    private readonly overlays: () => Overlays | undefined = () => undefined,
  ) {}

  netnsName(c: ContainerDoc): string {
    return `${this.netnsPrefix}${c.id.slice(0, 12)}`;
  }

  /** Creates the namespace and, in bridge mode, every requested interface. All or nothing. */
  async create(c: ContainerDoc): Promise<void> {
    if (c.mode.kind !== 'bridge' && c.mode.kind !== 'none') return;
    const ns = this.netnsName(c);
    await createNetns(ns);
    c.netns = ns;
    c.endpoints = [];
    try {
      if (c.mode.kind === 'none') {
        await configureInterface(ns, { ifname: 'lo', up: true, loopbackUp: false });
        return;
      }
      this.setIpv6(c);
      // 127.0.0.11 is routed to the gateway (see resolverRoute); every interface may carry a loopback address.
      setNetnsSysctl(ns, 'net.ipv4.conf.default.route_localnet', '1');
      for (const req of c.mode.networks) await this.addNetwork(c, req);
    } catch (e) {
      await this.destroy(c);
      throw e;
    }
  }

  /** Allocates addresses on the network and adds the next ethN. */
  async addNetwork(c: ContainerDoc, req: NetworkRequest): Promise<Endpoint> {
    const net = this.state.networks.get(req.networkId);
    if (!net) throw badRequest(`network ${req.networkId.slice(0, 12)} no longer exists`);
    const ifname = req.ifname ?? `eth${nextIndex(c.endpoints)}`;
    const endpointId = randomBytes(32).toString('hex');
    const prefix = (family: 4 | 6) => parseCidr(subnetOf(net, family)!.subnet).prefix;
    const hasV6 = net.subnets.some((s) => parseCidr(s.subnet).family === 6);
    if (req.ipv6 && !hasV6) throw badRequest(`network "${net.name}" has no IPv6 subnet for --ip6 ${req.ipv6}`);
    const overlays = Overlays.handles(net) ? this.overlays() : undefined;
    if (Overlays.handles(net) && !overlays) throw badRequest(`network "${net.name}" is an overlay network and this daemon is not in a cluster`);
    const { ipv4, ipv6 } = overlays ? await overlays.claim(net, endpointId, req) : { ipv4: this.state.allocator(net, 4)!.allocate(req.ipv4), ipv6: this.state.allocator(net, 6)?.allocate(req.ipv6) };
    const ep: Endpoint = { networkId: net.id, endpointId, ifname, mac: req.mac ?? macFromIpv4([0x02, 0x42], ipv4), ipv4, ipv6 };
    try {
      this.checkMacFree(net, ep.mac);
      const addresses = [`${ipv4}/${prefix(4)}`, ...(ipv6 ? [`${ipv6}/${prefix(6)}`] : [])];
      const routes: Route[] = [];
      // The first network gives the default routes, as in Docker; --internal gives none.
      // (daemon.json's default-gateway on the default bridge: another router on it).
      if (c.endpoints.length === 0 && !net.internal) {
        for (const s of net.subnets) routes.push({ to: 'default', via: s.auxAddresses[DEFAULT_GATEWAY_AUX[s.subnet.includes(':') ? 6 : 4]] ?? s.gateway });
      }
      if (DemuxNetworks.handles(net)) return await this.addDemuxed(c, net, ep, addresses, routes);
      if (!c.endpoints.some((e) => e.resolver)) {
        routes.push(resolverRoute(net));
        ep.resolver = true;
      }
      const iface = await addInterface(this.engine, { netns: c.netns!, domain: this.bridges.domain(net.id), ifname, mac: ep.mac, mtu: net.mtu, addresses, routes, persist: true });
      this.ports.set(ep.endpointId, iface.port.id);
      this.secure(ep, iface.port.id);
      this.limit(c, iface.port.id);
      this.route(ep);
      c.endpoints.push(ep);
      this.state.reindex(c);
      await overlays?.announce(c, ep);
      return ep;
    } catch (e) {
      // Nothing of it stays claimed in the cluster (what was made here goes with the sandbox).
      if (overlays && !c.endpoints.includes(ep)) await overlays.withdraw(ep);
      throw e;
    }
  }

  /**
   * On a macvlan or ipvlan network: a TAP of the segment, with its own MAC
   * (ipvlan: the parent's), the parent's MTU, and the segment's router as
   * its gateway. Ferry's resolver is not on this network's path: the
   * container's queries go where a bridge network of it sends them, if any.
   */
  private async addDemuxed(c: ContainerDoc, net: NetworkDoc, ep: Endpoint, addresses: string[], routes: Route[]): Promise<Endpoint> {
    if (net.driver === 'ipvlan') ep.mac = net.parent!.mac;
    // ipvlan l3: no ARP; every destination is on the interface (Ferry routes them), so the default route has no gateway.
    const l3 = isIpvlanL3(net);
    const own = l3 ? routes.map((r) => (r.to === 'default' ? { to: r.via?.includes(':') ? '::/0' : 'default' } : r)) : routes;
    const iface = await addInterface(this.engine, { netns: c.netns!, role: 'demuxed', ifname: ep.ifname, mac: ep.mac, mtu: net.mtu, arp: l3 ? false : undefined, addresses, routes: own, persist: true });
    try {
      this.join(ep, iface.port.id);
      await this.demux.routeFromHost(net, ep.ipv4, true);
    } catch (e) {
      this.engine.removePort(iface.port.id);
      throw e;
    }
    this.ports.set(ep.endpointId, iface.port.id);
    c.endpoints.push(ep);
    this.state.reindex(c);
    return ep;
  }

  private join(ep: Endpoint, port: number): void {
    this.engine.addSegmentMember(this.demux.segment(ep.networkId), port, { mac: ep.mac, addresses: [ep.ipv4, ep.ipv6].filter((a): a is string => !!a) });
  }

  /** A MAC is one interface's on a network: another container's, or the gateway's, is refused. */
  private checkMacFree(net: NetworkDoc, mac: string): void {
    const m = mac.toLowerCase();
    if (net.hostMac?.toLowerCase() === m) throw conflict(`MAC address ${mac} is the gateway's of network "${net.name}"; choose another --mac-address`);
    for (const other of this.state.attached(net.id))
      for (const e of other.endpoints)
        if (e.networkId === net.id && e.mac.toLowerCase() === m) throw conflict(`MAC address ${mac} is already used by container "${other.name}" on network "${net.name}"; choose another --mac-address`);
  }

  /**
   * IPv6 only where a network of the container has it, as Docker does: on an
   * IPv4-only network a container gets no link-local address, so it sends no
   * MLD reports, router solicitations or DAD probes, which the bridge would
   * have to flood to every port (with 1,000 containers, 1,000 copies each).
   */
  setIpv6(c: ContainerDoc): void {
    if (c.mode.kind !== 'bridge' || !c.netns) return;
    const v6 = c.mode.networks.some((r) => this.state.networks.get(r.networkId)?.enableIPv6);
    for (const scope of ['all', 'default']) setNetnsSysctl(c.netns, `net.ipv6.conf.${scope}.disable_ipv6`, v6 ? '0' : '1');
  }

  async removeNetwork(c: ContainerDoc, networkId: string): Promise<void> {
    const resolverGone = c.endpoints.some((e) => e.networkId === networkId && e.resolver);
    for (const ep of c.endpoints.filter((e) => e.networkId === networkId)) await this.release(ep);
    c.endpoints = c.endpoints.filter((e) => e.networkId !== networkId);
    this.state.reindex(c);
    // The interface that carried the queries is gone: the next one carries them.
    const next = resolverGone ? c.endpoints[0] : undefined;
    const net = next && this.state.networks.get(next.networkId);
    if (next && net && c.netns) {
      await configureInterface(c.netns, { ifname: next.ifname, routes: [resolverRoute(net)], loopbackUp: false });
      next.resolver = true;
    }
  }

  /** Removes every interface (the TAPs are deleted) and the namespace. */
  async destroy(c: ContainerDoc): Promise<void> {
    for (const ep of c.endpoints) await this.release(ep);
    c.endpoints = [];
    this.state.reindex(c);
    if (c.netns) await deleteNetns(c.netns).catch(() => undefined);
    c.netns = undefined;
  }

  /**
   * Once the container's process lives in the namespace, its name follows
   * the process, not a mount of this daemon's (see netns/namespaces.ts): the
   * next daemon, and the host, find it whatever mount namespace they run in.
   */
  async pin(c: ContainerDoc): Promise<void> {
    if (c.netns && c.pid) await pinNetnsToProcess(c.netns, c.pid);
  }

  /**
   * After a daemon restart: the name pinned to the container's process again
   * (a daemon of an older Ferry left a mount that may have died with it), and
   * the persistent TAPs of the running container taken back into the engine.
   */
  async reattach(c: ContainerDoc): Promise<void> {
    await this.pin(c);
    for (const ep of c.endpoints) {
      const net = this.state.networks.get(ep.networkId);
      if (net && DemuxNetworks.handles(net)) {
        const port = this.engine.addTapPort({ name: ep.ifname, netns: netnsPath(c.netns!), role: 'demuxed', persist: true });
        this.ports.set(ep.endpointId, port.id);
        this.join(ep, port.id);
        continue;
      }
      const overlay = !!net && Overlays.handles(net);
      const port = this.engine.addTapPort({ name: ep.ifname, netns: netnsPath(c.netns!), domain: this.bridges.domain(ep.networkId), persist: true });
      this.ports.set(ep.endpointId, port.id);
      this.secure(ep, port.id);
      this.limit(c, port.id);
      this.route(ep);
      // Announced again: the store may have been told of its withdrawal while this daemon was away.
      if (overlay) await this.overlays()?.announce(c, ep);
    }
    // A container started by a Ferry that still put the resolver inside it gets the route now.
    if (!c.endpoints.some((e) => e.resolver)) await this.routeResolver(c);
  }

  /**
   * Sends the container's queries to 127.0.0.11 by its first interface, if
   * that is on a bridge or overlay network (see resolverRoute; a macvlan or
   * ipvlan network's gateway is not Ferry): for namespaces Ferry did not
   * make with the route in them.
   */
  async routeResolver(c: ContainerDoc): Promise<void> {
    const first = c.endpoints[0];
    const net = first && this.state.networks.get(first.networkId);
    if (!first || (net?.driver !== 'bridge' && net?.driver !== 'overlay') || !c.netns) return;
    setNetnsSysctl(c.netns, `net.ipv4.conf.${first.ifname}.route_localnet`, '1');
    await configureInterface(c.netns, { ifname: first.ifname, routes: [resolverRoute(net)], loopbackUp: false });
    first.resolver = true;
  }

  /**
   * A Docker endpoint's interface (docker/network-driver.ts): a persistent
   * TAP made in the daemon's own namespace under the endpoint's ifname,
   * which dockerd is told (Join's SrcName); dockerd moves it into the
   * container, names it ethN and gives it its addresses and routes. The
   * engine holds it from the start.
   */
  attachForDocker(ep: Endpoint, mtu: number): number {
    const port = this.engine.addTapPort({ name: ep.ifname, domain: this.bridges.domain(ep.networkId), mtu, persist: true }).id;
    this.adopt(ep, port);
    return port;
  }

  /** After a daemon restart: a Docker container's TAP taken back from its namespace. */
  reattachForDocker(c: ContainerDoc, ep: Endpoint): void {
    this.adopt(ep, this.engine.addTapPort({ name: ep.ifname, netns: netnsPath(c.netns!), domain: this.bridges.domain(ep.networkId), persist: true }).id);
  }

  private adopt(ep: Endpoint, port: number): void {
    this.ports.set(ep.endpointId, port);
    this.secure(ep, port);
    this.route(ep);
  }

  /** The engine port of an endpoint this daemon holds. */
  portOfEndpoint(endpointId: string): number | undefined {
    return this.ports.get(endpointId);
  }

  /**
   * Port security, on unless the network says -o ferry.port_security=false:
   * the port may send only as the endpoint (its MAC and addresses), and its
   * MAC is a static entry that no other port's frames can move.
   */
  private secure(ep: Endpoint, port: number): void {
    const net = this.state.networks.get(ep.networkId);
    if (!net || net.options[BRIDGE_OPTIONS.portSecurity] === 'false') return;
    this.engine.setPortIdentity(port, { mac: ep.mac, ipv4: ep.ipv4, ipv6: ep.ipv6 ? [ep.ipv6] : [] });
    this.engine.addStaticMac(this.bridges.domain(ep.networkId), ep.mac, port);
  }

  /** --rate-limit: the engine polices what the interface sends. */
  private limit(c: ContainerDoc, port: number): void {
    if (c.rateLimit) this.engine.setRateLimit(port, parseRateLimit(c.rateLimit));
  }

  /** Tells the gateway router where the endpoint's address lives (for replies and published ports). */
  private route(ep: Endpoint): void {
    for (const address of [ep.ipv4, ep.ipv6]) if (address) this.engine.setEndpoint({ address, domain: this.bridges.domain(ep.networkId), mac: ep.mac });
  }

  /** The engine port of a running container's interface. */
  portOf(c: ContainerDoc, ifname: string): number | undefined {
    const ep = c.endpoints.find((e) => e.ifname === ifname);
    return ep ? this.ports.get(ep.endpointId) : undefined;
  }

  /** Engine port id -> the endpoint it carries, for naming ports in statistics. */
  portOwners(): Map<number, string> {
    const owners = new Map<number, string>();
    for (const c of this.state.containers.values())
      for (const ep of c.endpoints) {
        const port = this.ports.get(ep.endpointId);
        if (port !== undefined) owners.set(port, `${c.name}/${ep.ifname} on ${this.state.networks.get(ep.networkId)?.name ?? '?'}`);
      }
    return owners;
  }

  /** Its port (and TAP) removed, its addresses unrouted, and withdrawn from the cluster. */
  async release(ep: Endpoint): Promise<void> {
    const port = this.ports.get(ep.endpointId);
    const net = this.state.networks.get(ep.networkId);
    const demuxed = !!net && DemuxNetworks.handles(net);
    if (port !== undefined) this.engine.removePort(port);
    if (port !== undefined && !demuxed) for (const address of [ep.ipv4, ep.ipv6]) if (address) this.engine.removeEndpoint(address);
    if (demuxed) void this.demux.routeFromHost(net, ep.ipv4, false);
    this.ports.delete(ep.endpointId);
    // Withdrawn from every host, its addresses free in the cluster.
    if (net && Overlays.handles(net)) await this.overlays()?.withdraw(ep);
  }
}

function nextIndex(endpoints: Endpoint[]): number {
  const used = new Set(endpoints.map((e) => Number(e.ifname.slice(3))));
  let i = 0;
  while (used.has(i)) i++;
  return i;
}

/**
 * The route that makes 127.0.0.11 not local in the container: its queries
 * leave by this interface for the gateway, where the data plane hands them to
 * the daemon's resolver (native/resolver/resolver_stages.h). The container's
 * own port 53 stays free. route_localnet lets a loopback address on the wire.
 */
function resolverRoute(net: NetworkDoc): Route {
  const v4 = net.subnets.find((s) => !s.subnet.includes(':'))!;
  return { to: `${RESOLVER_ADDRESS}/32`, via: v4.gateway, table: 'local' };
}
