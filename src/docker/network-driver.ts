import { createHash } from 'node:crypto';
import { closeSync, fstatSync, statSync, unlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { macFromIpv4 } from '../codec';
import type { Engine } from '../dataplane';
import type { PortBinding } from '../container/port-spec';
import { linkNetns, listAddresses, netnsState, pinNetnsToProcess } from '../netns';
import { Publisher, type PublishedPort } from '../nat/publisher';
import { badRequest, notFound } from '../daemon/errors';
import type { Events } from '../daemon/events';
import type { Logger } from '../daemon/log';
import { type ContainerDoc, type Endpoint, type NetworkDoc, foreignContainer, subnetOf } from '../daemon/model';
import { hostPart } from '../ipam';
import { BRIDGE_OPTIONS, type Networks } from '../daemon/networks';
import { Overlays } from '../daemon/overlays';
import type { Sandboxes } from '../daemon/sandboxes';
import type { State } from '../daemon/state';
import { type DockerApi, until } from './engine-api';

/**
 * Docker's network driver protocol (libnetwork's remote driver), on Ferry's
 * networks and data path.
 *
 * A network made with `docker network create -d ferry` is a Ferry bridge
 * network under Docker's network id. An endpoint is a persistent TAP that
 * Ferry makes in its own namespace when Docker creates the endpoint; Join
 * hands its name to dockerd, which moves it into the container, names it
 * ethN and gives it the addresses and the default route. The container is
 * held as a ContainerDoc marked `docker` (one per Docker sandbox), so the
 * resolver, `ferry stats`, `trace` and `capture` see it like Ferry's own.
 *
 * With scope global (the driver NAME-overlay of a daemon in a cluster, and
 * dockerd with --cluster-store), a network is one of Ferry's overlay
 * networks under Docker's id, in etcd: dockerd tells only the host where it
 * is made (CreateNetwork); the others learn it from the cluster, and get
 * CreateEndpoint for it directly. Endpoints are announced to every host, so
 * names resolve across them. Addresses come from Docker's IPAM, which keeps
 * global pools in its own cluster store; Ferry claims each in its cluster
 * IPAM as well.
 *
 * Two things the protocol does not carry come from elsewhere:
 * - Names. dockerd tells a driver ids only; the names of networks and
 *   containers come from dockerd's Engine API (--docker-host), read after
 *   Docker has stored the object.
 * - The container's namespace. Ferry's resolver needs a route in it (see
 *   Sandboxes.routeResolver), and dockerd's sandbox path may be a mount in
 *   dockerd's private mount namespace. The TAP's own fd says where the
 *   device went (TUNGETDEVNETNS): Ferry names that namespace after the move,
 *   before the container's process starts, and later pins the name to the
 *   container's process, which outlives a restart of either daemon.
 */

interface PortMapping {
  Proto: number;
  IP?: string;
  Port: number;
  HostIP?: string;
  HostPort?: number;
  HostPortEnd?: number;
}

const PORTMAP = 'com.docker.network.portmap';
const GENERIC = 'com.docker.network.generic';
const PROTOCOL_NUMBERS = { tcp: 6, udp: 17, sctp: 132 } as const;
const PROTOCOLS = Object.fromEntries(Object.entries(PROTOCOL_NUMBERS).map(([name, n]) => [n, name])) as Record<number, PortBinding['protocol']>;
/** How long Ferry waits for dockerd to move a TAP, and to tell a container's name and process. */
const SETTLE_MS = 10_000;
const NAMES_MS = 30_000;

export class DockerNetworkDriver {
  /** Endpoints made and not (or no longer) in a container, by endpoint id (their TAPs under srcName()). */
  private readonly loose = new Map<string, Endpoint>();
  /** Namespace fds held until a container's name is pinned to its process. */
  private readonly nsFds = new Map<string, number>();

  constructor(
    private readonly state: State,
    private readonly networks: Networks,
    private readonly sandboxes: Sandboxes,
    private readonly engine: Engine,
    private readonly publisher: Publisher,
    private readonly events: Events,
    private readonly log: Logger,
    private readonly netnsPrefix: string,
    private readonly docker: DockerApi | undefined,
    /** local: bridge networks; global: overlay networks of the cluster. */
    readonly scope: 'local' | 'global' = 'local',
    private readonly overlays: () => Overlays | undefined = () => undefined,
  ) {}

  capabilities(): unknown {
    return { Scope: this.scope, ConnectivityScope: this.scope };
  }

  async createNetwork(req: { NetworkID?: string; Options?: Record<string, unknown>; IPv4Data?: IpData[]; IPv6Data?: IpData[] }): Promise<unknown> {
    const id = need(req.NetworkID, 'NetworkID');
    const v4 = req.IPv4Data?.[0];
    const v6 = req.IPv6Data?.[0];
    if (!v4?.Pool) throw badRequest('Docker gave no IPv4 pool; Ferry networks have an IPv4 subnet');
    const generic = (req.Options?.[GENERIC] ?? {}) as Record<string, unknown>;
    const options = Object.fromEntries(Object.entries(generic).map(([k, v]) => [k, String(v)]));
    const net = await this.state.exclusive(() =>
      this.networks.create(
        {
          name: placeholderName(id),
          driver: this.scope === 'global' ? 'overlay' : 'bridge',
          subnets: [v4.Pool!, ...(v6?.Pool ? [v6.Pool] : [])],
          gateways: [v4.Gateway, v6?.Gateway].filter((g): g is string => !!g).map(hostPart),
          ipv6: !!v6?.Pool,
          internal: req.Options?.['com.docker.network.internal'] === true,
          options,
        },
        { id, managedBy: 'docker' },
      ),
    );
    void this.nameNetwork(net);
    return {};
  }

  async deleteNetwork(req: { NetworkID?: string }): Promise<unknown> {
    const id = need(req.NetworkID, 'NetworkID');
    if (this.state.networks.has(id)) await this.state.exclusive(() => this.networks.remove(id, 'docker'));
    return {};
  }

  async createEndpoint(req: { NetworkID?: string; EndpointID?: string; Interface?: { Address?: string; AddressIPv6?: string; MacAddress?: string } | null }): Promise<unknown> {
    const net = await this.known(req.NetworkID);
    const endpointId = need(req.EndpointID, 'EndpointID');
    const given = req.Interface ?? {};
    if (!given.Address) throw badRequest(`endpoint ${endpointId.slice(0, 12)}: Docker gave no IPv4 address`);
    let ipv4 = hostPart(given.Address);
    let ipv6 = given.AddressIPv6 ? hostPart(given.AddressIPv6) : undefined;
    const overlays = Overlays.handles(net) ? this.overlays() : undefined;
    // One address, one endpoint in the whole cluster: Ferry's cluster IPAM holds Docker's choice too.
    if (overlays) ({ ipv4, ipv6 } = await overlays.claim(net, endpointId, { ipv4, ipv6 }));
    const mac = given.MacAddress || macFromIpv4([0x02, 0x42], ipv4);
    const ep: Endpoint = { networkId: net.id, endpointId, ifname: srcName(endpointId), mac, ipv4, ...(ipv6 ? { ipv6 } : {}) };
    try {
      this.sandboxes.attachForDocker(ep, net.mtu);
    } catch (e) {
      if (overlays) await overlays.withdraw(ep);
      throw e;
    }
    this.loose.set(endpointId, ep);
    if (net.name === placeholderName(net.id)) void this.nameNetwork(net); // a global network made on another host
    // Docker refuses an answer that repeats what it gave: the MAC only when Ferry chose it.
    return { Interface: given.MacAddress ? {} : { MacAddress: mac } };
  }

  async deleteEndpoint(req: { EndpointID?: string }): Promise<unknown> {
    const endpointId = need(req.EndpointID, 'EndpointID');
    const held = this.loose.get(endpointId);
    if (held) await this.sandboxes.release(held);
    this.loose.delete(endpointId);
    return {};
  }

  endpointInfo(req: { EndpointID?: string }): unknown {
    const found = this.holder(need(req.EndpointID, 'EndpointID'));
    const ports = found?.c.published ?? [];
    return { Value: { [PORTMAP]: ports.map((p) => ({ Proto: PROTOCOL_NUMBERS[p.protocol], IP: p.targetIp, Port: p.containerPort, HostIP: p.hostIp, HostPort: p.hostPort, HostPortEnd: p.hostPort })) } };
  }

  async join(req: { NetworkID?: string; EndpointID?: string; SandboxKey?: string }): Promise<unknown> {
    const net = await this.known(req.NetworkID);
    const endpointId = need(req.EndpointID, 'EndpointID');
    const sandboxKey = need(req.SandboxKey, 'SandboxKey');
    const held = this.loose.get(endpointId);
    if (!held) throw notFound(`endpoint ${endpointId.slice(0, 12)} was not made by this daemon (was Ferry restarted between create and join?)`);
    const c = await this.state.exclusive(async () => {
      const c = this.sandbox(sandboxKey) ?? newDoc(sandboxKey, this.netnsPrefix);
      c.endpoints.push(held);
      if (c.mode.kind === 'bridge') c.mode.networks.push({ networkId: net.id, ipv4: held.ipv4, ipv6: held.ipv6, aliases: [] });
      await this.state.saveContainer(c);
      return c;
    });
    this.loose.delete(endpointId);
    this.events.emit('network', 'connect', net.id, { container: c.id, name: net.name, type: net.driver });
    void this.settle(c, held);
    return {
      InterfaceName: { SrcName: srcName(endpointId), DstPrefix: 'eth' },
      ...(net.internal ? {} : { Gateway: subnetOf(net, 4)?.gateway ?? '', ...(held.ipv6 ? { GatewayIPv6: subnetOf(net, 6)?.gateway ?? '' } : {}) }),
      StaticRoutes: [],
      DisableGatewayService: false,
    };
  }

  /** The endpoint leaves the container; its TAP stays until Docker deletes the endpoint. */
  async leave(req: { EndpointID?: string }): Promise<unknown> {
    const endpointId = need(req.EndpointID, 'EndpointID');
    await this.state.exclusive(async () => {
      const found = this.holder(endpointId);
      if (!found) return;
      const { c, ep } = found;
      c.endpoints = c.endpoints.filter((e) => e !== ep);
      if (c.mode.kind === 'bridge') c.mode.networks = c.mode.networks.filter((r) => r.networkId !== ep.networkId);
      this.loose.set(endpointId, { ...ep, ifname: srcName(endpointId), resolver: undefined });
      if (c.endpoints.length === 0) {
        this.publisher.unpublish(c.id);
        await this.state.deleteContainer(c.id);
        this.forgetNamespace(c);
      } else {
        await this.state.saveContainer(c);
      }
      this.events.emit('network', 'disconnect', ep.networkId, { container: c.id, name: this.state.networks.get(ep.networkId)?.name ?? '', type: 'bridge' });
    });
    return {};
  }

  /** Docker's published ports for the container, on Ferry's NAT (the client's address is kept). */
  async programExternalConnectivity(req: { EndpointID?: string; Options?: Record<string, unknown> }): Promise<unknown> {
    const endpointId = need(req.EndpointID, 'EndpointID');
    const mappings = (req.Options?.[PORTMAP] ?? []) as PortMapping[];
    await this.state.exclusive(async () => {
      const found = this.holder(endpointId);
      if (!found || !mappings.length) return;
      const { c, ep } = found;
      const bindings = mappings.map((m): PortBinding => {
        const protocol = PROTOCOLS[m.Proto];
        if (!protocol) throw badRequest(`port mapping ${m.Port}: protocol ${m.Proto} is not tcp (6), udp (17) or sctp (132)`);
        return { containerPort: m.Port, protocol, hostIp: m.HostIP ?? '', ...(m.HostPort ? { hostPortStart: m.HostPort, hostPortEnd: m.HostPortEnd || m.HostPort } : {}) };
      });
      this.publisher.unpublish(c.id);
      const hostIp = this.state.networks.get(ep.networkId)?.options[BRIDGE_OPTIONS.hostBinding] ?? '';
      c.ports = bindings;
      c.published = await this.publisher.publish(c.id, bindings, ep.ipv4!, hostIp, ep.ipv6);
      await this.state.saveContainer(c);
      this.log('docker.publish', { container: c.name, ports: c.published.map(describe) });
    });
    return {};
  }

  async revokeExternalConnectivity(req: { EndpointID?: string }): Promise<unknown> {
    await this.state.exclusive(async () => {
      const found = this.holder(need(req.EndpointID, 'EndpointID'));
      if (!found?.c.published) return;
      this.publisher.unpublish(found.c.id);
      found.c.published = undefined;
      await this.state.saveContainer(found.c);
    });
    return {};
  }

  /**
   * After a daemon restart: each Docker container's TAPs taken back from its
   * namespace, found by the name pinned to its process, or through dockerd.
   */
  async reattach(c: ContainerDoc): Promise<void> {
    if (netnsState(c.netns!) !== 'namespace') {
      const pid = c.docker?.containerId ? (await this.docker?.container(c.docker.containerId))?.State?.Pid : undefined;
      if (!pid) throw new Error(`the namespace of Docker container ${c.name} is gone and dockerd does not know its process`);
      await pinNetnsToProcess(c.netns!, pid);
    }
    for (const ep of c.endpoints) {
      this.sandboxes.reattachForDocker(c, ep);
      await this.announce(c, ep); // the store may have been told of its withdrawal meanwhile
    }
    if (c.published?.length) await this.publisher.restore(c.id, c.published);
  }

  /** Stops holding namespace fds (the daemon is stopping). */
  stop(): void {
    for (const fd of this.nsFds.values()) closeSync(fd);
    this.nsFds.clear();
  }

  /**
   * Waits for dockerd to move the TAP into the container and configure it,
   * then names the namespace and gives the container Ferry's resolver; then
   * asks dockerd for the container's name and process.
   */
  private async settle(c: ContainerDoc, ep: Endpoint): Promise<void> {
    const port = this.sandboxes.portOfEndpoint(ep.endpointId);
    try {
      if (port === undefined) return;
      if (!this.nsFds.has(c.id) && netnsState(c.netns!) !== 'namespace') {
        const fd = await this.movedTo(port);
        this.nsFds.set(c.id, fd);
        linkNetns(c.netns!, `/proc/${process.pid}/fd/${fd}`);
      }
      const ifname = await this.configured(c.netns!, ep);
      await this.state.exclusive(async () => {
        if (this.state.containers.get(c.id) !== c || !c.endpoints.includes(ep)) return;
        ep.ifname = ifname;
        if (!c.endpoints.some((e) => e.resolver)) await this.sandboxes.routeResolver(c);
        await this.state.saveContainer(c);
        await this.announce(c, ep);
      });
      this.log('docker.join', { container: c.name, interface: ifname, address: ep.ipv4 });
      await this.nameContainer(c, ep);
    } catch (e) {
      this.log('docker.join', { container: c.name, endpoint: ep.endpointId.slice(0, 12), error: (e as Error).message }, 'warn');
    }
  }

  /** An fd of the namespace the TAP was moved to, once dockerd has moved it. */
  private async movedTo(port: number): Promise<number> {
    const here = statSync('/proc/self/ns/net').ino;
    for (const deadline = Date.now() + SETTLE_MS; ; ) {
      const fd = this.engine.portNetns(port);
      if (fstatSync(fd).ino !== here) return fd;
      closeSync(fd);
      if (Date.now() > deadline) throw new Error(`dockerd did not move the interface within ${SETTLE_MS} ms`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** The interface's name in the container, once it is up with its address (dockerd renames it). */
  private async configured(ns: string, ep: Endpoint): Promise<string> {
    for (const deadline = Date.now() + SETTLE_MS; ; ) {
      const links = await listAddresses({ ns }); // no family filter: with one, ip leaves out the MAC
      const link = links.find((l) => l.address?.toLowerCase() === ep.mac.toLowerCase() && l.flags?.includes('UP') && l.addr_info?.some((a) => a.local === ep.ipv4));
      if (link) return link.ifname;
      if (Date.now() > deadline) throw new Error(`dockerd did not bring up ${ep.ipv4} in the container within ${SETTLE_MS} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private async nameContainer(c: ContainerDoc, ep: Endpoint): Promise<void> {
    if (!this.docker || c.docker?.containerId) return this.release(c);
    const docker = this.docker;
    const gone = () => this.state.containers.get(c.id) !== c; // it left before dockerd told its name
    const member = await until(async () => {
      const n = await docker.network(ep.networkId);
      return Object.entries(n?.Containers ?? {}).find(([, v]) => v.EndpointID === ep.endpointId);
    }, NAMES_MS, gone);
    if (gone()) return;
    if (!member) return this.log('docker.name', { container: c.name, error: `dockerd's network ${ep.networkId.slice(0, 12)} never listed the endpoint` }, 'warn');
    const [containerId, { Name }] = member;
    const info = await until(async () => {
      const i = await docker.container(containerId);
      return i?.State?.Pid ? i : undefined;
    }, NAMES_MS, gone);
    await this.state.exclusive(async () => {
      if (this.state.containers.get(c.id) !== c) return;
      c.docker = { ...c.docker!, containerId };
      const name = Name.replace(/^\//, '');
      const other = this.state.findContainer(name);
      if (other && other !== c) this.log('docker.name', { container: c.name, wanted: name, error: `a Ferry container is already called ${name}` }, 'warn');
      else c.name = name;
      if (info?.Config?.Hostname) c.hostname = info.Config.Hostname;
      if (info?.State?.Pid) await pinNetnsToProcess(c.netns!, info.State.Pid);
      await this.state.saveContainer(c);
      for (const e of c.endpoints) await this.announce(c, e); // the other hosts learn its name
    });
    if (info?.State?.Pid) this.release(c);
  }

  /** The namespace's name no longer needs this daemon's fd. */
  private release(c: ContainerDoc): void {
    const fd = this.nsFds.get(c.id);
    if (fd !== undefined) closeSync(fd);
    this.nsFds.delete(c.id);
  }

  private forgetNamespace(c: ContainerDoc): void {
    this.release(c);
    try {
      unlinkSync(`/run/netns/${c.netns}`);
    } catch {
      /* gone already */
    }
  }

  /** Docker's name (and labels) for a network it made, once dockerd has stored it. */
  private async nameNetwork(net: NetworkDoc): Promise<void> {
    if (!this.docker) return;
    const docker = this.docker;
    const info = await until(() => docker.network(net.id), NAMES_MS);
    if (!info) return this.log('docker.name', { network: net.id.slice(0, 12), error: 'dockerd never listed the network' }, 'warn');
    await this.state.exclusive(async () => {
      if (this.state.networks.get(net.id) !== net) return;
      const other = this.state.findNetwork(info.Name);
      if (other && other.id !== net.id && other.name === info.Name) return this.log('docker.name', { network: net.name, wanted: info.Name, error: `a Ferry network is already called ${info.Name}` }, 'warn');
      net.name = info.Name;
      net.labels = { ...(info.Labels ?? {}) };
      // An overlay network's document is the cluster's, under the name it was made with; each host shows its dockerd's.
      if (Overlays.handles(net)) this.state.adoptNetwork(net);
      else await this.state.saveNetwork(net);
    });
  }

  /** An overlay endpoint, told to every host with the container's name. */
  private async announce(c: ContainerDoc, ep: Endpoint): Promise<void> {
    const net = this.state.networks.get(ep.networkId);
    if (net && Overlays.handles(net)) await this.overlays()?.announce(c, ep);
  }

  /**
   * A network of this driver. A global one made on another host reaches
   * this daemon through the cluster's watch, which may be a moment behind
   * dockerd: it is waited for.
   */
  private async known(id: string | undefined): Promise<NetworkDoc> {
    const netId = need(id, 'NetworkID');
    if (this.scope === 'global') await until(async () => this.state.networks.get(netId), NAMES_MS / 6);
    return this.network(netId);
  }

  private network(id: string | undefined): NetworkDoc {
    const net = this.state.networks.get(need(id, 'NetworkID'));
    if (!net || net.managedBy !== 'docker' || Overlays.handles(net) !== (this.scope === 'global'))
      throw notFound(`network ${String(id).slice(0, 12)} is not a ${this.scope} Docker network of this Ferry daemon`);
    return net;
  }

  private sandbox(key: string): ContainerDoc | undefined {
    for (const c of this.state.containers.values()) if (c.docker?.sandboxKey === key) return c;
    return undefined;
  }

  private holder(endpointId: string): { c: ContainerDoc; ep: Endpoint } | undefined {
    for (const c of this.state.containers.values()) {
      const ep = c.docker ? c.endpoints.find((e) => e.endpointId === endpointId) : undefined;
      if (ep) return { c, ep };
    }
    return undefined;
  }
}

interface IpData {
  AddressSpace?: string;
  Pool?: string;
  Gateway?: string;
  AuxAddresses?: Record<string, string>;
}

/** What a Docker network is called until dockerd has told its name. */
function placeholderName(id: string): string {
  return `docker-${id.slice(0, 12)}`;
}

function need(value: string | undefined, what: string): string {
  if (typeof value !== 'string' || !value) throw badRequest(`the request has no ${what}`);
  return value;
}

/** The TAP's name in Ferry's namespace, which dockerd is told (Join's SrcName) and moves back to on Leave. */
function srcName(endpointId: string): string {
  return `fyd${endpointId.slice(0, 11)}`;
}

function describe(p: PublishedPort): string {
  return `${p.hostIp || '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.protocol}`;
}

/** A Docker sandbox as Ferry holds it: running while it has endpoints, named by dockerd later. */
function newDoc(sandboxKey: string, netnsPrefix: string): ContainerDoc {
  const sandbox = basename(sandboxKey);
  const id = createHash('sha256').update(`docker:${sandboxKey}`).digest('hex');
  return foreignContainer({ id, name: `docker-${sandbox}`, hostname: sandbox, netns: `${netnsPrefix}d${sandbox.slice(0, 12)}`, docker: { sandboxKey } });
}
