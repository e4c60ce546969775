import { isIPv6 } from 'node:net';
import type { PortBinding, Protocol } from '../container/port-spec';
import type { Engine } from '../dataplane';
import { NatError } from './errors';
import { openRelay, type Relay } from './relay';
import type { Uplink } from './uplink';

/** One published port as installed: what `inspect` shows under NetworkSettings.Ports. */
export interface PublishedPort {
  protocol: 'tcp' | 'udp';
  /** "" = every address. */
  hostIp: string;
  hostPort: number;
  containerPort: number;
  targetIp: string;
}

export interface PublishOptions {
  hostRelay?: boolean;
}

/** Docker's range for ports it chooses (the kernel's default ephemeral range). */
export const CHOSEN_PORTS = { first: 32768, last: 60999 } as const;

const ANY = ['', '0.0.0.0'];
const ANY6 = '::';
const isV6 = (p: PublishedPort) => isIPv6(p.targetIp);

/**
 * Turns a container's -p/-P into installed mappings: a DNAT entry in the fast
 * path for traffic arriving on the uplink (and hairpin traffic from other
 * containers), and a userspace relay in the host namespace for connections
 * from the host itself. With an external IPv6 address (--external-ip6) and a
 * container with an IPv6 address, the plain forms (-p 8080:80) publish on
 * IPv6 too, as Docker does, and [::]:8080:80 on IPv6 only; the IPv6 mapping
 * is a second entry (hostIp "::"), in NAT66, on the same host port. A host port is used by one mapping per protocol; a
 * port chosen by Ferry is the lowest free one of CHOSEN_PORTS, or of the
 * range the user gave. All or nothing: a mapping that fails undoes the others.
 */
export class Publisher {
  /** "tcp/8080" -> container id. */
  private readonly used = new Map<string, string>();
  private readonly installed = new Map<string, { ports: PublishedPort[]; relays: Relay[] }>();

  constructor(
    private readonly engine: Engine,
    private readonly uplink: () => Uplink | undefined,
    private readonly hostAddresses: () => string[],
  ) {}

  /** What -p and -P ask for, as bindings (-P: every exposed port not already given, on a chosen port). */
  static requested(ports: PortBinding[], exposed: { port: number; protocol: Protocol }[], publishAll: boolean): PortBinding[] {
    const all = [...ports];
    if (publishAll)
      for (const e of exposed)
        if (!all.some((b) => b.containerPort === e.port && b.protocol === e.protocol)) all.push({ containerPort: e.port, protocol: e.protocol, hostIp: '' });
    return all;
  }

  /**
   * Chooses host ports and installs every mapping of a container.
   * opts.hostRelay false: no relay for the host's own connections (a CNI
   * runtime such as podman holds the host port itself, to reserve it).
   */
  async publish(containerId: string, bindings: PortBinding[], targetIp: string, defaultHostIp: string, targetIp6?: string, opts: PublishOptions = {}): Promise<PublishedPort[]> {
    const ports: PublishedPort[] = [];
    const up = this.uplink();
    for (const b of bindings) {
      if (b.protocol === 'sctp') throw new NatError('bad_binding', `cannot publish ${b.containerPort}/sctp: Ferry's NAT handles tcp and udp`);
      const hostIp = b.hostIp || defaultHostIp;
      if (isIPv6(hostIp)) {
        if (!up?.address6) throw new NatError('bad_binding', `cannot publish on [${hostIp}]: the daemon has no external IPv6 address (ferry daemon --external-ip6 CIDR)`);
        if (!targetIp6) throw new NatError('bad_binding', `cannot publish on [${hostIp}]: the container has no IPv6 address (a network created with --ipv6)`);
        if (hostIp !== ANY6 && hostIp !== up.address6) throw new NatError('bad_binding', `cannot publish on [${hostIp}]: Ferry publishes IPv6 on its external address ${up.address6} or [::]`);
        ports.push({ protocol: b.protocol, hostIp, hostPort: this.choosePort(b, ports), containerPort: b.containerPort, targetIp: targetIp6 });
        continue;
      }
      const port: PublishedPort = { protocol: b.protocol, hostIp: ANY.includes(hostIp) ? '' : hostIp, hostPort: this.choosePort(b, ports), containerPort: b.containerPort, targetIp };
      ports.push(port);
      if (hostIp === '' && up?.address6 && targetIp6) ports.push({ ...port, hostIp: ANY6, targetIp: targetIp6 });
    }
    const record = { ports: [] as PublishedPort[], relays: [] as Relay[] };
    this.installed.set(containerId, record);
    try {
      for (const p of ports) await this.install(containerId, p, record, opts);
    } catch (e) {
      this.unpublish(containerId);
      throw e;
    }
    return ports;
  }

  /** Installs mappings chosen earlier (a daemon restart with the container still running). */
  async restore(containerId: string, ports: PublishedPort[], opts: PublishOptions = {}): Promise<void> {
    const record = { ports: [] as PublishedPort[], relays: [] as Relay[] };
    this.installed.set(containerId, record);
    for (const p of ports) await this.install(containerId, p, record, opts);
  }

  unpublish(containerId: string): void {
    const record = this.installed.get(containerId);
    if (!record) return;
    for (const r of record.relays) r.close();
    for (const p of record.ports) {
      this.used.delete(`${p.protocol}/${p.hostPort}`);
      if (this.fastPath(p)) this.engine.unpublish(p.protocol, p.hostPort, isV6(p) ? 6 : 4);
    }
    this.installed.delete(containerId);
  }

  private choosePort(b: PortBinding, chosen: PublishedPort[]): number {
    // One container's 0.0.0.0:8080 and [::]:8080 are one host port in two families, as Docker binds both.
    const v6 = isIPv6(b.hostIp ?? '');
    const taken = (port: number) =>
      this.used.has(`${b.protocol}/${port}`) || chosen.some((p) => p.protocol === b.protocol && p.hostPort === port && isV6(p) === v6);
    const shown = `${b.hostIp || '0.0.0.0'}:`;
    if (b.hostPortStart !== undefined && b.hostPortStart === b.hostPortEnd) {
      if (taken(b.hostPortStart)) throw new NatError('port_allocated', `Bind for ${shown}${b.hostPortStart} failed: port is already allocated`);
      return b.hostPortStart;
    }
    const first = b.hostPortStart ?? CHOSEN_PORTS.first;
    const last = b.hostPortEnd ?? CHOSEN_PORTS.last;
    for (let port = first; port <= last; port++) if (!taken(port)) return port;
    throw new NatError('port_allocated', `Bind for ${shown}${first}-${last} failed: every port of the range is already allocated`);
  }

  private fastPath(p: PublishedPort): boolean {
    const up = this.uplink();
    if (isV6(p)) return !!up?.address6 && (p.hostIp === ANY6 || p.hostIp === up.address6);
    return !!up && (p.hostIp === '' || p.hostIp === up.address);
  }

  private async install(containerId: string, p: PublishedPort, record: { ports: PublishedPort[]; relays: Relay[] }, opts: PublishOptions): Promise<void> {
    // The relay serves the host's own IPv4 connections; IPv6 is published in the fast path only.
    const local = !isV6(p) && (p.hostIp === '' || this.hostAddresses().includes(p.hostIp));
    const relayed = local && opts.hostRelay !== false;
    if (!this.fastPath(p) && !local) throw new NatError('bad_binding', `cannot publish on ${p.hostIp}: it is neither the external address nor an address of this host`);
    this.used.set(`${p.protocol}/${p.hostPort}`, containerId);
    record.ports.push(p);
    if (relayed) {
      try {
        record.relays.push(await openRelay({ protocol: p.protocol, bindIp: p.hostIp || '0.0.0.0', port: p.hostPort, targetIp: p.targetIp, targetPort: p.containerPort }));
      } catch (e) {
        record.ports.pop();
        this.used.delete(`${p.protocol}/${p.hostPort}`);
        throw new NatError('port_allocated', `Bind for ${p.hostIp || '0.0.0.0'}:${p.hostPort} failed: ${(e as Error).message}`);
      }
    }
    const bindIp = p.hostIp === '' || p.hostIp === ANY6 ? undefined : p.hostIp;
    if (this.fastPath(p)) this.engine.publish({ protocol: p.protocol, port: p.hostPort, bindIp, targetIp: p.targetIp, targetPort: p.containerPort });
  }
}
