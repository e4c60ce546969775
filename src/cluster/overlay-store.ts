import type { Namespace } from 'etcd3';
import type { EndpointAnnouncement } from './view';

/**
 * The overlay's writes to etcd, each one transaction that either happens
 * whole or not at all (keys: see view.ts). What must be unique in the
 * cluster is claimed by creating a key that must not exist yet
 * (compare-and-swap on its create revision): a network's name, VNI and
 * subnets, and each address. Two hosts racing for one of them: one
 * transaction succeeds, the other sees it taken and picks again.
 *
 *   claims/name/<name>, claims/vni/<vni>, claims/subnet/<cidr, '/' as '_'>
 *   users/<network>    rewritten by every address claim: removing the network
 *                      compares its revision, so no address is claimed between
 *                      the check for endpoints and the removal
 */
export interface NetworkClaims {
  id: string;
  name: string;
  vni: number;
  subnets: string[];
}

export type ClaimResult = { ok: true } | { ok: false; taken: 'name' | 'vni' | { subnet: string } };

const subnetKey = (s: string) => `claims/subnet/${s.replace('/', '_')}`;

export class OverlayStore {
  constructor(
    private readonly kv: Namespace,
    /** Every call is bounded: a store that does not answer is an error naming it (membership.ts). */
    private readonly bounded: <T>(p: Promise<T>) => Promise<T>,
  ) {}

  async createNetwork(claims: NetworkClaims, doc: unknown): Promise<ClaimResult> {
    const keys = [`claims/name/${claims.name}`, `claims/vni/${claims.vni}`, ...claims.subnets.map(subnetKey)];
    let txn = this.kv.if(keys[0]!, 'Create', '==', 0);
    for (const k of keys.slice(1)) txn = txn.and(k, 'Create', '==', 0);
    const r = await this.bounded(txn.then(...keys.map((k) => this.kv.put(k).value(claims.id)), this.kv.put(`networks/${claims.id}`).value(JSON.stringify(doc))).commit());
    if (r.succeeded) return { ok: true };
    // Which one was taken: read them back.
    const owners = await this.bounded(Promise.all(keys.map((k) => this.kv.get(k).string())));
    const i = owners.findIndex((o) => o !== null);
    return { ok: false, taken: i === 0 ? 'name' : i === 1 ? 'vni' : { subnet: claims.subnets[Math.max(0, i - 2)]! } };
  }

  /**
   * Removes the network and its claims, unless an address is claimed on it:
   * then the claims' endpoints are returned and nothing is removed.
   */
  async removeNetwork(claims: NetworkClaims): Promise<{ removed: true } | { removed: false; endpoints: EndpointAnnouncement[] }> {
    const users = await this.bounded(this.kv.get(`users/${claims.id}`).exec());
    const revision = users.kvs[0]?.mod_revision ?? '0';
    const addresses = await this.bounded(this.kv.getAll().prefix(`addresses/${claims.id}/`).keys());
    if (addresses.length) {
      const eps = Object.values(await this.bounded(this.kv.getAll().prefix(`endpoints/${claims.id}/`).strings())).map((v) => JSON.parse(v) as EndpointAnnouncement);
      return { removed: false, endpoints: eps };
    }
    const keys = [`networks/${claims.id}`, `users/${claims.id}`, `claims/name/${claims.name}`, `claims/vni/${claims.vni}`, ...claims.subnets.map(subnetKey)];
    const r = await this.bounded(
      this.kv
        .if(`users/${claims.id}`, 'Mod', '==', revision)
        .then(...keys.map((k) => this.kv.delete().key(k)), this.kv.delete().prefix(`endpoints/${claims.id}/`))
        .commit(),
    );
    // An address was claimed meanwhile: look again.
    return r.succeeded ? { removed: true } : this.removeNetwork(claims);
  }

  /** Claims one address for an endpoint; false when it is taken (or the network is gone: `gone`). */
  async claimAddress(networkId: string, address: string, endpointId: string): Promise<'claimed' | 'taken' | 'gone'> {
    const key = `addresses/${networkId}/${address}`;
    const r = await this.bounded(
      this.kv
        .if(key, 'Create', '==', 0)
        .and(`networks/${networkId}`, 'Create', '>', 0)
        .then(this.kv.put(key).value(endpointId), this.kv.put(`users/${networkId}`).value(endpointId))
        .commit(),
    );
    if (r.succeeded) return 'claimed';
    return (await this.bounded(this.kv.get(`networks/${networkId}`).string())) === null ? 'gone' : 'taken';
  }

  /** Releases an address, if it is still this endpoint's. */
  async releaseAddress(networkId: string, address: string, endpointId: string): Promise<void> {
    const key = `addresses/${networkId}/${address}`;
    await this.bounded(this.kv.if(key, 'Value', '==', endpointId).then(this.kv.delete().key(key)).commit());
  }

  /** The endpoint, for every host: its MAC, addresses, names and node. */
  async announce(ep: EndpointAnnouncement): Promise<void> {
    await this.bounded(this.kv.put(`endpoints/${ep.networkId}/${ep.endpointId}`).value(JSON.stringify(ep)).exec());
  }

  async withdraw(networkId: string, endpointId: string): Promise<void> {
    await this.bounded(this.kv.delete().key(`endpoints/${networkId}/${endpointId}`).exec());
  }
}
