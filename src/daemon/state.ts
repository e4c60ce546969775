import { SubnetAllocator } from '../ipam';
import type { Store } from '../store';
import { notFound } from './errors';
import { type ContainerDoc, type NetworkDoc, subnetOf } from './model';

/**
 * The daemon's view of the store: networks and containers in memory, every
 * change written through. Mutations are serialised by `exclusive`, so two
 * requests never allocate the same address or claim the same name.
 *
 * Address allocations are not stored on their own: a network's used addresses
 * are the endpoints of its running containers, so the store cannot hold two
 * versions of that fact.
 */
export class State {
  readonly networks = new Map<string, NetworkDoc>();
  readonly containers = new Map<string, ContainerDoc>();
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * Network id -> ids of the containers with an endpoint on it, kept on every
   * save, so allocating an address or answering a DNS query looks at one
   * network's members, never at every container.
   */
  private readonly members = new Map<string, Set<string>>();
  private readonly memberOf = new Map<string, Set<string>>();
  /** Network id -> address -> container id, for the resolver to know who asks. */
  private readonly addresses = new Map<string, Map<string, string>>();
  private readonly addressOf = new Map<string, [string, string][]>();
  /** Container name -> id: names are unique, and looked up on every request. */
  private readonly byName = new Map<string, string>();
  /** Grows on every change of a container or network held here (the resolver's indexes follow it). */
  private changes = 0;
  get revision(): number {
    return this.changes;
  }

  constructor(
    private readonly store: Store,
    /** Told of a stored document too damaged to use (it is left in the store, untouched). */
    private readonly onDamaged: (kind: string, id: string) => void = () => undefined,
  ) {}

  async load(): Promise<void> {
    // Documents from before the API checked its bodies may lack a usable id or name.
    const usable = (d: { id?: unknown; name?: unknown }) => typeof d?.id === 'string' && typeof d.name === 'string';
    for (const n of await this.store.list<NetworkDoc>('networks')) {
      if (usable(n)) this.networks.set(n.id, n);
      else this.onDamaged('network', String(n?.id));
    }
    for (const c of await this.store.list<ContainerDoc>('containers')) {
      if (usable(c)) this.setContainer(c);
      else this.onDamaged('container', String(c?.id));
    }
  }

  private setContainer(c: ContainerDoc): void {
    this.changes++;
    const old = this.containers.get(c.id);
    if (old && old.name !== c.name) this.byName.delete(old.name);
    this.containers.set(c.id, c);
    this.byName.set(c.name, c.id);
    this.reindex(c);
  }

  /** Keeps the per-network index right after a container's endpoints changed in memory, before it is saved. */
  reindex(c: ContainerDoc): void {
    if (this.containers.get(c.id) !== c) return;
    this.changes++;
    this.index(c.id, new Set(c.endpoints.map((e) => e.networkId)));
    this.indexAddresses(c.id, c.endpoints.flatMap((e) => [e.ipv4, e.ipv6].filter((a): a is string => !!a).map((a) => [e.networkId, a] as [string, string])));
  }

  private indexAddresses(id: string, now: [string, string][]): void {
    for (const [net, addr] of this.addressOf.get(id) ?? []) if (this.addresses.get(net)?.get(addr) === id) this.addresses.get(net)!.delete(addr);
    for (const [net, addr] of now) {
      if (!this.addresses.has(net)) this.addresses.set(net, new Map());
      this.addresses.get(net)!.set(addr, id);
    }
    if (now.length) this.addressOf.set(id, now);
    else this.addressOf.delete(id);
  }

  /** The container holding this address on the network now. */
  byAddress(networkId: string, address: string): ContainerDoc | undefined {
    const id = this.addresses.get(networkId)?.get(address);
    return id === undefined ? undefined : this.containers.get(id);
  }

  private index(id: string, now: Set<string>): void {
    const before = this.memberOf.get(id) ?? new Set<string>();
    for (const n of before) if (!now.has(n)) this.members.get(n)?.delete(id);
    for (const n of now) {
      if (!this.members.has(n)) this.members.set(n, new Set());
      this.members.get(n)!.add(id);
    }
    if (now.size) this.memberOf.set(id, now);
    else this.memberOf.delete(id);
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async saveNetwork(n: NetworkDoc): Promise<void> {
    await this.store.put('networks', n.id, n);
    this.networks.set(n.id, n);
    this.changes++;
  }
  async deleteNetwork(id: string): Promise<void> {
    await this.store.delete('networks', id);
    this.networks.delete(id);
    this.changes++;
  }
  /** A network whose document lives in the cluster store (overlay): held here, never written to this host's store. */
  adoptNetwork(n: NetworkDoc): void {
    this.networks.set(n.id, n);
    this.changes++;
  }
  forgetNetwork(id: string): void {
    this.networks.delete(id);
    this.changes++;
  }
  async saveContainer(c: ContainerDoc): Promise<void> {
    await this.store.put('containers', c.id, c);
    this.setContainer(c);
  }
  async deleteContainer(id: string): Promise<void> {
    await this.store.delete('containers', id);
    const old = this.containers.get(id);
    if (old && this.byName.get(old.name) === id) this.byName.delete(old.name);
    this.containers.delete(id);
    this.changes++;
    this.index(id, new Set());
    this.indexAddresses(id, []);
  }

  /** By exact name, full id, or a unique id prefix, as Docker resolves references. */
  network(ref: string): NetworkDoc {
    const n = resolve([...this.networks.values()], ref);
    if (!n) throw notFound(`network "${ref}" not found`);
    return n;
  }
  findNetwork(ref: string): NetworkDoc | undefined {
    return resolve([...this.networks.values()], ref);
  }
  container(ref: string): ContainerDoc {
    const c = this.findContainer(ref);
    if (!c) throw notFound(`container "${ref}" not found`);
    return c;
  }
  /** By name or full id in one probe; a short id prefix needs a scan, as in Docker. */
  findContainer(ref: string): ContainerDoc | undefined {
    const id = this.byName.get(ref);
    return (id !== undefined ? this.containers.get(id) : undefined) ?? this.containers.get(ref) ?? resolve([...this.containers.values()], ref);
  }

  /** Containers with an endpoint on the network now. */
  attached(networkId: string): ContainerDoc[] {
    const out: ContainerDoc[] = [];
    for (const id of this.members.get(networkId) ?? []) {
      const c = this.containers.get(id);
      if (c?.endpoints.some((e) => e.networkId === networkId)) out.push(c);
    }
    return out;
  }

  /** An allocator for one subnet of a network, seeded with the addresses in use. */
  allocator(net: NetworkDoc, family: 4 | 6): SubnetAllocator | undefined {
    const config = subnetOf(net, family);
    if (!config) return undefined;
    const used = this.attached(net.id).flatMap((c) => c.endpoints.filter((e) => e.networkId === net.id).map((e) => (family === 4 ? e.ipv4 : e.ipv6)));
    return new SubnetAllocator(config, used.filter((ip): ip is string => !!ip));
  }
}

function resolve<T extends { id: string; name: string }>(items: T[], ref: string): T | undefined {
  const byName = items.find((i) => i.name === ref);
  if (byName) return byName;
  const byId = items.filter((i) => i.id.startsWith(ref));
  return ref.length > 0 && byId.length === 1 ? byId[0] : undefined;
}
