import { SubnetAllocator, parseCidr } from '../ipam';
import type { Store } from '../store';
import { notFound } from './errors';
import type { ContainerDoc, NetworkDoc } from './model';

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
      if (usable(c)) this.containers.set(c.id, c);
      else this.onDamaged('container', String(c?.id));
    }
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async saveNetwork(n: NetworkDoc): Promise<void> {
    await this.store.put('networks', n.id, n);
    this.networks.set(n.id, n);
  }
  async deleteNetwork(id: string): Promise<void> {
    await this.store.delete('networks', id);
    this.networks.delete(id);
  }
  async saveContainer(c: ContainerDoc): Promise<void> {
    await this.store.put('containers', c.id, c);
    this.containers.set(c.id, c);
  }
  async deleteContainer(id: string): Promise<void> {
    await this.store.delete('containers', id);
    this.containers.delete(id);
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
    const c = resolve([...this.containers.values()], ref);
    if (!c) throw notFound(`container "${ref}" not found`);
    return c;
  }
  findContainer(ref: string): ContainerDoc | undefined {
    return resolve([...this.containers.values()], ref);
  }

  /** Containers with an endpoint on the network now. */
  attached(networkId: string): ContainerDoc[] {
    return [...this.containers.values()].filter((c) => c.endpoints.some((e) => e.networkId === networkId));
  }

  /** An allocator for one subnet of a network, seeded with the addresses in use. */
  allocator(net: NetworkDoc, family: 4 | 6): SubnetAllocator | undefined {
    const config = net.subnets.find((s) => parseCidr(s.subnet).family === family);
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
