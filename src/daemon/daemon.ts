import { mkdirSync } from 'node:fs';
import { Engine, type ConntrackTimeouts, type NativePortStats, type NativeStats } from '../dataplane';
import { ferryVersion } from '../dataplane/native';
import { attachUplink, listHostAddresses, Publisher, validateUplink, type Uplink, type UplinkSpec } from '../nat';
import { DnsService } from '../dns/server';
import { parseCidr } from '../ipam';
import { FileStore } from '../store';
import { Membership, newNodeId, type StoreTls } from '../cluster/membership';
import { Bridges } from './bridges';
import { DemuxNetworks } from './demux-networks';
import { Containers } from './containers';
import type { Logger } from './log';
import { Networks } from './networks';
import { isAlive } from './processes';
import { Sandboxes } from './sandboxes';
import { State } from './state';
import type { PortDirectory } from './port-names';
import { Tracing } from './tracing';
import { Captures } from './capture';
import { dnsDirectory } from './dns-directory';
import { Events } from './events';
import { Overlays } from './overlays';
import { RELOADABLE, type DaemonConfig } from './config';
import type { ViewChange } from '../cluster/view';
import { DockerApi } from '../docker/engine-api';
import { DockerIpam } from '../docker/ipam-driver';
import { DockerNetworkDriver } from '../docker/network-driver';
import { pluginSocket, serveDockerPlugin } from '../docker/plugin';
import { CniAttachments } from '../cni/attachments';

/** The engine's counters with each port and domain named (`ferry stats`). */
export type DaemonStats = Omit<NativeStats, 'ports' | 'domains' | 'segments'> & {
  ports: (NativePortStats & { carries?: string })[];
  domains: (NativeStats['domains'][number] & { network?: string })[];
  segments: (NativeStats['segments'][number] & { network?: string })[];
};

/** How often the host's own addresses are read again (they decide what is routed and what goes to the host). */
const HOST_ADDRESS_REFRESH_MS = 5000;

export interface DaemonInfo {
  ServerVersion: string;
  Containers: number;
  ContainersRunning: number;
  ContainersStopped: number;
  Networks: number;
  Uplink: { Interface: string; Address: string; Address6?: string } | null;
  Cluster: boolean;
  Labels: string[];
}

export interface DaemonOptions {
  stateDir: string;
  /** Names of the containers' network namespaces start with this. */
  netnsPrefix: string;
  /** The host's resolv.conf, which containers without --dns inherit (default /etc/resolv.conf). */
  hostResolvConf: string;
  /** Queries per second each container may send to the embedded resolver. */
  dnsRateLimit?: number;
  /** How long the resolver waits for each upstream server. */
  dnsUpstreamTimeoutMs?: number;
  /** The uplink: without it, containers reach each other and the host, nothing else. */
  uplink?: UplinkSpec;
  conntrackMax?: number;
  conntrackTimeouts?: ConntrackTimeouts;
  /** --poll: the worker's polling (adaptive by default; busy: it never sleeps). */
  poll?: 'adaptive' | 'busy';
  /** --ipfrag-time: seconds an incomplete IPv4 datagram waits for its fragments. */
  ipfragTime?: number;
  /** daemon.json and its flags (daemon/config.ts). */
  config?: DaemonConfig;
  /** --docker-plugin: Docker's network and IPAM plugin, named name, its sockets in dir; dockerd's Engine API (for names) at host. */
  docker?: { name: string; dir?: string; host: string };
  /** --cluster-store: etcd's client URLs, this host's underlay address, the lease TTL in seconds, --vxlan-port, --overlay-key-rotation. */
  cluster?: { hosts: string[]; tls?: StoreTls; advertise: string; ttlSeconds: number; vxlanPort?: number; keyRotationMs?: number };
  log: Logger;
}

/**
 * The control plane: store, engine, networks and containers, wired together.
 *
 * start() reconciles the store with the kernel and the engine, so a daemon
 * started after another stopped (cleanly or by kill -9) picks up where it
 * stopped: bridge domains and host interfaces are made again (their TAPs are
 * persistent and reattached), running containers' TAPs are taken back into the
 * engine, and containers whose process died meanwhile are marked exited.
 */
export class Daemon {
  readonly engine: Engine;
  readonly state: State;
  readonly publisher: Publisher;
  uplink?: Uplink;
  private hostAddresses: string[] = [];
  private hostAddressTimer?: NodeJS.Timeout;
  private hostAddressRefresh: Promise<void> = Promise.resolve();
  readonly networks: Networks;
  readonly containers: Containers;
  readonly dns: DnsService;
  readonly tracing: Tracing;
  readonly captures: Captures;
  /** The CNI plugin's attachments (cni/attachments.ts). */
  readonly cni: CniAttachments;
  readonly events = new Events();
  private readonly bridges: Bridges;
  private readonly demux: DemuxNetworks;
  private readonly sandboxes: Sandboxes;
  private reaper?: NodeJS.Timeout;
  /** In a cluster (--cluster-store): this daemon's membership. */
  membership?: Membership;
  /** In a cluster: the overlay networks and the cluster's view of them. */
  overlays?: Overlays;
  /** daemon.json and its flags; reload() changes what can change while running. */
  private config: DaemonConfig;
  /** Set by stop(): done when the cluster has been told (await it before exiting). */
  leaving?: Promise<void>;
  /** --docker-plugin: Ferry as Docker's network and IPAM driver. */
  private docker?: { driver: DockerNetworkDriver; overlay?: DockerNetworkDriver; ipam: DockerIpam; servers: import('node:http').Server[] };

  private constructor(
    private readonly store: FileStore,
    readonly options: DaemonOptions,
  ) {
    this.config = options.config ?? {};
    this.engine = new Engine({ conntrackMax: options.conntrackMax, poll: options.poll });
    if (options.conntrackTimeouts) this.engine.setConntrackTimeouts(options.conntrackTimeouts);
    if (options.ipfragTime) this.engine.setReassemblyTimeout(options.ipfragTime);
    this.state = new State(store, (kind, id) => options.log('store.damaged', { kind, id }, 'warn'));
    this.publisher = new Publisher(this.engine, () => this.uplink, () => this.hostAddresses);
    this.bridges = new Bridges(this.engine, () => void this.refreshHostAddresses(), {
      serve: (id, gateway) => this.dns.serve(id, gateway),
      close: (id) => this.dns.close(id),
    });
    this.demux = new DemuxNetworks(this.engine);
    this.sandboxes = new Sandboxes(this.engine, this.bridges, this.demux, this.state, options.netnsPrefix, () => this.overlays);
    this.networks = new Networks(this.state, this.bridges, this.demux, this.sandboxes, options.log, this.events, () => {
      if (!options.uplink) return undefined;
      try {
        const v6 = options.uplink.externalIp6;
        return { ifname: options.uplink.ifname, subnet: parseCidr(options.uplink.externalIp), ...(v6 ? { subnet6: parseCidr(v6) } : {}) };
      } catch {
        return undefined; // refused with its reason by validateUplink
      }
    }, () => this.overlays, () => this.config);
    this.dns = new DnsService(dnsDirectory(this.state, () => this.overlays), { rateLimit: options.dnsRateLimit ?? 5000, upstreamTimeoutMs: options.dnsUpstreamTimeoutMs ?? 2000, hostResolvConf: options.hostResolvConf, defaultDns: () => this.config.dns ?? [] });
    this.containers = new Containers(this.state, this.sandboxes, options.stateDir, options.log, options.hostResolvConf, this.dns, this.publisher, this.events, () => this.config.dns ?? []);
    this.cni = new CniAttachments(this.state, this.sandboxes, this.publisher, this.events, options.log, options.netnsPrefix);
    if (options.docker) {
      const api = new DockerApi(options.docker.host);
      const driver = (scope: 'local' | 'global') => new DockerNetworkDriver(this.state, this.networks, this.sandboxes, this.engine, this.publisher, this.events, options.log, options.netnsPrefix, api, scope, () => this.overlays);
      const ipam = new DockerIpam(store, () => this.networks.takenSubnets(), (taken) => this.networks.nextFreePool(taken));
      // In a cluster, a second driver (NAME-overlay) of scope global: Docker's multi-host networks on Ferry's overlays.
      this.docker = { driver: driver('local'), ...(options.cluster ? { overlay: driver('global') } : {}), ipam, servers: [] };
    }
    this.tracing = new Tracing(this.engine, this.state, this.portDirectory());
    this.captures = new Captures(this.engine, this.state, this.portDirectory());
  }

  /** The engine's ports by the names users know them by. */
  private portDirectory(): PortDirectory {
    const hostPorts = () => {
      const out = new Map<number, { ifname: string; network: string }>();
      for (const [port, networkId] of this.bridges.owners().ports) {
        const n = this.state.networks.get(networkId);
        if (n) out.set(port, { ifname: n.hostInterface ?? '?', network: n.name });
      }
      return out;
    };
    return {
      names: () => {
        const names = this.sandboxes.portOwners();
        for (const [port, what] of this.demux.owners((id) => this.state.networks.get(id))) names.set(port, what);
        for (const [port, h] of hostPorts()) names.set(port, `host interface ${h.ifname} of ${h.network}`);
        if (this.uplink) names.set(this.uplink.port, `uplink ${this.uplink.ifname}`);
        for (const [port, what] of this.overlays?.owners((id) => this.state.networks.get(id)?.name ?? id.slice(0, 12)) ?? []) names.set(port, what);
        return names;
      },
      containerPort: (c, ifname) => this.sandboxes.portOf(c, ifname),
      hostPort: (ref) => {
        if (this.uplink && (ref === 'uplink' || ref === this.uplink.ifname)) return this.uplink.port;
        for (const [port, h] of hostPorts()) if (h.ifname === ref || h.network === ref) return port;
        return undefined;
      },
    };
  }

  static async start(options: DaemonOptions): Promise<Daemon> {
    // Checked before anything is made: a bad --uplink leaves no interface behind.
    if (options.uplink) await validateUplink(options.uplink, await listHostAddresses());
    mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
    const d = new Daemon(await FileStore.open(`${options.stateDir}/store`), options);
    try {
      // The cluster first: a store that does not answer stops the start before anything is made.
      if (options.cluster) await d.joinCluster(options.cluster);
      await d.reconcile();
      if (d.docker) await d.serveDocker(options.docker!);
    } catch (e) {
      for (const s of d.docker?.servers ?? []) s.close();
      d.docker?.driver.stop();
      d.docker?.overlay?.stop();
      d.engine.shutdown();
      await d.overlays?.stop();
      await d.membership?.leave();
      throw e;
    }
    // Containers adopted after a restart are polled (this daemon is not their
    // parent); the ones it starts report their exit as an event.
    d.hostAddressTimer = setInterval(() => void d.refreshHostAddresses(), HOST_ADDRESS_REFRESH_MS);
    d.reaper = setInterval(() => void d.state.exclusive(() => d.containers.reap()).catch((e: Error) => options.log('container.reap', { error: e.message }, 'error')), 1000);
    return d;
  }

  /** Docker's plugin sockets: NAME, and NAME-overlay in a cluster. */
  private async serveDocker(opts: NonNullable<DaemonOptions['docker']>): Promise<void> {
    const docker = this.docker!;
    const onError = (method: string, e: Error) => this.options.log('docker.plugin', { method, error: e.message }, 'warn');
    docker.servers.push(await serveDockerPlugin(pluginSocket(opts.name, opts.dir), docker.driver, docker.ipam, onError));
    if (docker.overlay) docker.servers.push(await serveDockerPlugin(pluginSocket(`${opts.name}-overlay`, opts.dir), docker.overlay, docker.ipam, onError));
  }

  /** Joins the cluster under this daemon's node id, made once and kept in its store. */
  private async joinCluster(cluster: NonNullable<DaemonOptions['cluster']>): Promise<void> {
    let id = (await this.store.get<{ id: string }>('meta', 'node'))?.id;
    if (!id) {
      id = newNodeId();
      await this.store.put('meta', 'node', { id });
    }
    this.membership = await Membership.join({
      hosts: cluster.hosts,
      tls: cluster.tls,
      id,
      advertise: cluster.advertise,
      ttlSeconds: cluster.ttlSeconds,
      onLost: (e) => this.options.log('cluster.lease_lost', { error: e.message }, 'warn'),
    });
    this.options.log('cluster.join', { node: id, advertise: cluster.advertise, store: cluster.hosts });
    this.overlays = new Overlays(this.engine, this.bridges, this.membership, { vxlanPort: cluster.vxlanPort ?? 4789, keyRotationMs: cluster.keyRotationMs }, this.options.log);
    await this.overlays.start((change) => void this.clusterChanged(change));
  }

  /** Another host made or removed an overlay network, or endpoints came, went, or their host went down. */
  private async clusterChanged(change: ViewChange): Promise<void> {
    const overlays = this.overlays!;
    try {
      if (change.kind === 'network') {
        const net = overlays.view.networks.get(change.id);
        await this.state.exclusive(() => this.networks.adopt(net, change.id));
      } else if (change.kind === 'keys') {
        overlays.keys.changed();
      } else {
        for (const id of change.networks) {
          const net = this.state.networks.get(id);
          if (net) overlays.sync(net);
        }
      }
    } catch (e) {
      this.options.log('cluster.change', { change: change.kind, error: (e as Error).message }, 'warn');
    }
  }

  private async reconcile(): Promise<void> {
    await this.state.load();
    await this.networks.ensureDefaults();
    // The cluster's overlay networks, as the view holds them now (later ones come as changes).
    for (const n of this.overlays?.view.networks.values() ?? []) this.state.adoptNetwork(n);
    for (const n of this.state.networks.values()) {
      await this.bridges.up(n);
      await this.demux.up(n);
      await this.overlays?.up(n);
    }
    await this.refreshHostAddresses();
    if (this.options.uplink) this.uplink = await attachUplink(this.engine, this.options.uplink, this.hostAddresses);
    await this.docker?.ipam.load();
    let adopted = 0;
    for (const c of this.state.containers.values()) {
      if (c.docker) {
        // Docker's containers: Docker says when they go (Leave), not their process.
        await this.docker?.driver.reattach(c).then(
          () => adopted++,
          (e: Error) => this.options.log('container.reattach', { id: c.id, name: c.name, error: e.message }, 'warn'),
        );
        continue;
      }
      if (c.cni) {
        // A runtime's: there while its namespace is.
        await this.cni.reattach(c).then(
          (kept) => void (kept && adopted++),
          (e: Error) => this.options.log('container.reattach', { id: c.id, name: c.name, error: e.message }, 'warn'),
        );
        continue;
      }
      // One whose process is gone is reaped below; its namespace went with it.
      if (c.state !== 'running' || !isAlive(c.pid, c.pidStart)) continue;
      try {
        await this.sandboxes.reattach(c);
        await this.containers.republish(c);
        adopted++;
      } catch (e) {
        this.options.log('container.reattach', { id: c.id, name: c.name, error: (e as Error).message }, 'warn');
      }
    }
    await this.containers.reap();
    this.options.log('daemon.start', { networks: this.state.networks.size, containers: this.state.containers.size, adopted });
  }

  /** The host's addresses, read again: traffic to them goes to the host, never through the router. */
  // Readings run one after another: overlapping ones (the timer, a network
  // just made) could finish out of order and put back a list older than the
  // change, leaving a new gateway address routed for up to one period.
  refreshHostAddresses(): Promise<void> {
    this.hostAddressRefresh = this.hostAddressRefresh.then(async () => {
      try {
        this.hostAddresses = await listHostAddresses();
        this.engine.setHostAddresses(this.hostAddresses);
      } catch (e) {
        this.options.log('host.addresses', { error: (e as Error).message }, 'warn');
      }
    });
    return this.hostAddressRefresh;
  }

  /** Labels of each port for metrics: its interface, and the container and network it serves. */
  portLabels(): Map<number, Record<string, string>> {
    const out = new Map<number, Record<string, string>>();
    for (const c of this.state.containers.values())
      for (const ep of c.endpoints) {
        const port = this.sandboxes.portOf(c, ep.ifname);
        if (port !== undefined) out.set(port, { interface: ep.ifname, container: c.name, network: this.state.networks.get(ep.networkId)?.name ?? '' });
      }
    for (const [port, networkId] of this.bridges.owners().ports) {
      const n = this.state.networks.get(networkId);
      if (n) out.set(port, { interface: n.hostInterface ?? '', network: n.name });
    }
    if (this.uplink) out.set(this.uplink.port, { interface: this.uplink.ifname });
    return out;
  }

  /** `ferry info` (docker info): what the daemon holds, its uplink and its labels. */
  info(): DaemonInfo {
    const containers = [...this.state.containers.values()];
    const running = containers.filter((c) => c.state === 'running').length;
    const up = this.uplink;
    return {
      ServerVersion: ferryVersion(),
      Containers: containers.length,
      ContainersRunning: running,
      ContainersStopped: containers.length - running,
      Networks: this.state.networks.size,
      Uplink: up ? { Interface: up.ifname, Address: `${up.address}/${up.prefixLen}`, ...(up.address6 ? { Address6: `${up.address6}/${up.prefixLen6}` } : {}) } : null,
      Cluster: this.options.cluster ? true : false,
      Labels: this.config.labels ?? [],
    };
  }

  /** The engine's counters, each port and domain named by what it carries. */
  stats(): DaemonStats {
    const s = this.engine.stats();
    const names = this.portDirectory().names();
    const host = this.bridges.owners();
    const netName = (id: string | undefined) => (id ? (this.state.networks.get(id)?.name ?? id.slice(0, 12)) : undefined);
    return {
      ...s,
      ports: s.ports.map((p) => ({ ...p, carries: names.get(p.id) })),
      domains: s.domains.map((d) => ({ ...d, network: netName(host.domains.get(d.id)) })),
      segments: s.segments.map((g) => ({ ...g, network: netName(this.demux.networkOf(g.id)) })),
    };
  }

  /**
   * SIGHUP: daemon.json read again. What can change while running changes
   * (dns: the nameservers of containers started from now on, and the
   * embedded resolver's upstreams at once; labels); a change to anything else is
   * reported, not applied, as dockerd does on `systemctl reload docker`.
   */
  reload(next: DaemonConfig): { applied: string[]; ignored: string[] } {
    const keys = new Set([...Object.keys(this.config), ...Object.keys(next)]) as Set<keyof DaemonConfig>;
    const changed = [...keys].filter((k) => JSON.stringify(this.config[k]) !== JSON.stringify(next[k]));
    const applied = changed.filter((k) => RELOADABLE.includes(k));
    const ignored = changed.filter((k) => !RELOADABLE.includes(k));
    this.config = { ...this.config, ...Object.fromEntries(RELOADABLE.map((k) => [k, next[k]])) };
    this.options.log('daemon.reload', { applied, ignored }, ignored.length ? 'warn' : 'info');
    return { applied, ignored };
  }

  /** Stops serving; containers keep running and their TAPs stay for the next daemon. */
  stop(): void {
    for (const s of this.docker?.servers ?? []) s.close();
    this.docker?.driver.stop();
    this.docker?.overlay?.stop();
    if (this.reaper) clearInterval(this.reaper);
    if (this.hostAddressTimer) clearInterval(this.hostAddressTimer);
    for (const c of this.state.containers.values()) this.publisher.unpublish(c.id);
    this.dns.stop();
    this.engine.shutdown();
    this.leaving = (this.overlays?.stop() ?? Promise.resolve()).then(() => this.membership?.leave()); // the lease revoked: down at once for the others
    this.options.log('daemon.stop');
  }
}
