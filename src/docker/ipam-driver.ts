import { randomBytes } from 'node:crypto';
import { type Cidr, SubnetAllocator, bigintToIp, formatCidr, overlaps, parseCidr, ulaSubnetFor } from '../ipam';
import type { Store } from '../store';
import { badRequest, conflict, notFound } from '../daemon/errors';

/**
 * Docker's IPAM driver protocol, backed by Ferry's IPAM. Docker asks for a
 * pool before the network exists and for each address before its endpoint
 * exists, so unlike Ferry's own networks (whose used addresses are their
 * endpoints) a pool keeps its allocations itself, in the store: they outlive
 * a restart of either daemon.
 */
export interface DockerPool {
  id: string;
  subnet: string;
  /** Addresses handed out, the gateway among them. */
  allocated: string[];
}

const COLLECTION = 'docker-pools';
const GLOBAL_SPACE = 'ferry-global';

export class DockerIpam {
  private readonly pools = new Map<string, DockerPool>();

  constructor(
    private readonly store: Store,
    /** Subnets in use (Ferry's networks, the host's routes, the uplink), and the next free default pool given those. */
    private readonly taken: () => Promise<Cidr[]>,
    private readonly nextFree: (taken: Cidr[]) => Cidr,
  ) {}

  async load(): Promise<void> {
    for (const p of await this.store.list<DockerPool>(COLLECTION)) this.pools.set(p.id, p);
  }

  capabilities(): unknown {
    return { RequiresMACAddress: false, RequiresRequestReplay: false };
  }

  defaultAddressSpaces(): unknown {
    return { LocalDefaultAddressSpace: 'ferry-local', GlobalDefaultAddressSpace: GLOBAL_SPACE };
  }

  async requestPool(req: { AddressSpace?: string; Pool?: string; SubPool?: string; V6?: boolean }): Promise<unknown> {
    if (req.AddressSpace === GLOBAL_SPACE)
      throw badRequest("Ferry's IPAM keeps its pools on this host; a network of scope global takes its pool from Docker's default IPAM, which keeps it in Docker's cluster store (leave out --ipam-driver)");
    if (req.SubPool) throw badRequest(`--ip-range ${req.SubPool}: Ferry's IPAM hands out the whole pool; give --subnet only, or use Docker's default IPAM`);
    const id = randomBytes(16).toString('hex');
    let cidr: Cidr;
    if (req.Pool) {
      cidr = parseCidr(req.Pool);
      if ((cidr.family === 6) !== !!req.V6) throw badRequest(`pool ${req.Pool} is not an IPv${req.V6 ? 6 : 4} subnet`);
      const clash = [...this.pools.values()].find((p) => overlaps(parseCidr(p.subnet), cidr));
      if (clash) throw conflict(`pool ${req.Pool} overlaps ${clash.subnet}, already handed out to another Docker network`);
      const used = (await this.taken()).find((t) => overlaps(t, cidr));
      if (used) throw conflict(`pool ${req.Pool} overlaps ${formatCidr(used)}, a network or route of this host`);
    } else if (req.V6) {
      cidr = parseCidr(ulaSubnetFor(id));
    } else {
      cidr = this.nextFree([...(await this.taken()), ...[...this.pools.values()].map((p) => parseCidr(p.subnet))]);
    }
    const pool: DockerPool = { id, subnet: formatCidr(cidr), allocated: [] };
    await this.save(pool);
    return { PoolID: id, Pool: pool.subnet, Data: {} };
  }

  async releasePool(req: { PoolID?: string }): Promise<unknown> {
    const pool = this.pool(req.PoolID);
    await this.store.delete(COLLECTION, pool.id);
    this.pools.delete(pool.id);
    return {};
  }

  /**
   * The lowest free address, or the one asked for. Docker asks for the
   * gateway first (Options says so), so it gets the first address, as with
   * Docker's own IPAM.
   */
  async requestAddress(req: { PoolID?: string; Address?: string; Options?: Record<string, string> | null }): Promise<unknown> {
    const pool = this.pool(req.PoolID);
    const cidr = parseCidr(pool.subnet);
    // The network address as "gateway": it is never handed out anyway, and nothing else is held back.
    const allocator = new SubnetAllocator({ subnet: pool.subnet, gateway: bigintToIp(cidr.base, cidr.family), auxAddresses: {} }, pool.allocated);
    const address = allocator.allocate(req.Address || undefined);
    pool.allocated.push(address);
    await this.save(pool);
    return { Address: `${address}/${cidr.prefix}`, Data: {} };
  }

  async releaseAddress(req: { PoolID?: string; Address?: string }): Promise<unknown> {
    const pool = this.pool(req.PoolID);
    pool.allocated = pool.allocated.filter((a) => a !== req.Address);
    await this.save(pool);
    return {};
  }

  private pool(id: string | undefined): DockerPool {
    const pool = id ? this.pools.get(id) : undefined;
    if (!pool) throw notFound(`no pool ${JSON.stringify(id)} in Ferry's IPAM`);
    return pool;
  }

  private async save(pool: DockerPool): Promise<void> {
    await this.store.put(COLLECTION, pool.id, pool);
    this.pools.set(pool.id, pool);
  }
}
