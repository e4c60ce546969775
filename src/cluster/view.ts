import type { IKeyValue, Namespace, Watcher } from 'etcd3';
import { Keyring, type KeyringState } from './keyring';
import type { NodeDoc } from './membership';

/**
 * What every daemon of a cluster knows of the others, read from etcd once
 * and then kept by one watch on everything under /ferry/ (started at the
 * revision the first read saw, so no change falls between the two):
 *
 *   nodes/<node>                 NodeDoc (membership.ts), kept
 *   alive/<node>                 under the node's lease
 *   networks/<network>           an overlay network (its NetworkDoc, with its VNI)
 *   endpoints/<network>/<ep>     an overlay endpoint: MAC, addresses, names, host
 *   addresses/<network>/<ip>     the endpoint an address is claimed for (ipam.ts)
 *   keyring/...                  the secrets of encrypted networks (keyring.ts)
 *
 * Endpoints of a node whose lease expired stay in the store (the node may
 * come back with its containers) but are not in `endpoints()`: for every
 * other host they are withdrawn until the node is alive again.
 */
export interface EndpointAnnouncement {
  networkId: string;
  endpointId: string;
  containerId: string;
  name: string;
  hostname: string;
  aliases: string[];
  mac: string;
  ipv4?: string;
  ipv6?: string;
  /** The node it runs on. */
  node: string;
}

/**
 * What changed: a network appeared or went, or the endpoints of these
 * networks changed, or the keys hosts seal with are due again (the keyring,
 * or a host's membership, changed).
 */
export type ViewChange = { kind: 'network'; id: string; gone: boolean } | { kind: 'endpoints'; networks: string[] } | { kind: 'keys' };

export class ClusterView<Network extends { id: string } = { id: string }> {
  readonly networks = new Map<string, Network>();
  readonly nodes = new Map<string, NodeDoc>();
  readonly keyring: KeyringState = { secrets: new Map() };
  private readonly alive = new Set<string>();
  /** network -> endpoint id -> announcement, whoever's node is alive or not. */
  private readonly announced = new Map<string, Map<string, EndpointAnnouncement>>();
  /** network -> claimed addresses. */
  private readonly claimed = new Map<string, Set<string>>();
  private watcher?: Watcher;
  private listener: (c: ViewChange) => void = () => undefined;
  private changes = 0;

  constructor(private readonly kv: Namespace) {}

  /** Reads everything, then follows every change. */
  async start(): Promise<void> {
    const all = await this.kv.getAll().prefix('').exec();
    for (const kv of all.kvs) this.apply(kv.key.toString(), kv.value.toString());
    this.watcher = await this.kv.watch().prefix('').startRevision(String(BigInt(all.header.revision) + 1n)).create();
    this.watcher.on('put', (kv: IKeyValue) => this.apply(kv.key.toString(), kv.value.toString()));
    this.watcher.on('delete', (kv: IKeyValue) => this.apply(kv.key.toString(), undefined));
  }

  /** Told of every change after start (one listener: the daemon). */
  onChange(listener: (c: ViewChange) => void): void {
    this.listener = listener;
  }

  /** Stops following; `bounded` keeps a store that is gone from holding the daemon's exit. */
  async stop(bounded: <T>(p: Promise<T>) => Promise<T>): Promise<void> {
    if (this.watcher) await bounded(this.watcher.cancel()).catch(() => undefined);
  }

  /** The network's endpoints on nodes that are alive. */
  endpoints(networkId: string): EndpointAnnouncement[] {
    return [...(this.announced.get(networkId)?.values() ?? [])].filter((e) => this.alive.has(e.node));
  }

  /** Every announcement of the network, alive or not (what refuses its removal). */
  allEndpoints(networkId: string): EndpointAnnouncement[] {
    return [...(this.announced.get(networkId)?.values() ?? [])];
  }

  /** Addresses claimed on the network, as far as this daemon has heard. */
  addresses(networkId: string): Set<string> {
    return this.claimed.get(networkId) ?? new Set();
  }

  isAlive(node: string): boolean {
    return this.alive.has(node);
  }

  /** Grows with every change the view takes in (the resolver's indexes follow it). */
  get revision(): number {
    return this.changes;
  }

  private apply(key: string, value: string | undefined): void {
    this.changes++;
    if (Keyring.apply(this.keyring, key, value)) return this.listener({ kind: 'keys' });
    const [kind, a, b] = key.split('/', 3) as [string, string, string | undefined];
    const parse = <T>() => {
      try {
        return value === undefined ? undefined : (JSON.parse(value) as T);
      } catch {
        return undefined; // not ours to read: ignored, as a damaged document of the file store
      }
    };
    if (kind === 'networks' && a) {
      const doc = parse<Network>();
      if (doc) this.networks.set(a, doc);
      else this.networks.delete(a);
      this.listener({ kind: 'network', id: a, gone: !doc });
    } else if (kind === 'endpoints' && a && b) {
      const doc = parse<EndpointAnnouncement>();
      const map = this.announced.get(a) ?? new Map<string, EndpointAnnouncement>();
      this.announced.set(a, map);
      if (doc) map.set(b, doc);
      else map.delete(b);
      this.listener({ kind: 'endpoints', networks: [a] });
    } else if (kind === 'addresses' && a && b) {
      const set = this.claimed.get(a) ?? new Set<string>();
      this.claimed.set(a, set);
      if (value === undefined) set.delete(b);
      else set.add(b);
    } else if (kind === 'nodes' && a) {
      const doc = parse<NodeDoc>();
      if (doc) this.nodes.set(a, doc);
      else this.nodes.delete(a);
      this.nodeChanged(a); // its advertise address may be another now
    } else if (kind === 'alive' && a) {
      if (value === undefined) this.alive.delete(a);
      else this.alive.add(a);
      this.nodeChanged(a);
    }
  }

  /** The networks where the node has endpoints are told their endpoints changed; its keys are due again. */
  private nodeChanged(node: string): void {
    this.listener({ kind: 'keys' });
    const touched = [...this.announced].filter(([, m]) => [...m.values()].some((e) => e.node === node)).map(([n]) => n);
    if (touched.length) this.listener({ kind: 'endpoints', networks: touched });
  }
}
