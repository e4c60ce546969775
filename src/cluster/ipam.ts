import { IpamError, SubnetAllocator, type SubnetConfig } from '../ipam';
import type { OverlayStore } from './overlay-store';
import type { ClusterView } from './view';

/**
 * Addresses of an overlay network, unique in the cluster: the lowest address
 * free as far as this daemon has heard is claimed in etcd (a key that must
 * not exist yet); if another host claimed it first, the next one is tried.
 * The view may lag behind the store; the claim never does.
 */
export class ClusterIpam {
  constructor(
    private readonly store: OverlayStore,
    private readonly view: ClusterView,
  ) {}

  async claim(networkId: string, config: SubnetConfig, endpointId: string, requested?: string): Promise<string> {
    const alloc = new SubnetAllocator(config, this.view.addresses(networkId));
    for (;;) {
      const ip = alloc.allocate(requested); // refuses what is reserved, out of range, or known taken
      const r = await this.store.claimAddress(networkId, ip, endpointId);
      if (r === 'claimed') return ip;
      if (r === 'gone') throw new IpamError('invalid', `network ${networkId.slice(0, 12)} was removed from the cluster`);
      if (requested !== undefined) throw new IpamError('in_use', `address ${ip} is already in use in the cluster`);
      // Taken by another host meanwhile: the allocator holds it as used now; the next one.
    }
  }

  release(networkId: string, address: string, endpointId: string): Promise<void> {
    return this.store.releaseAddress(networkId, address, endpointId);
  }
}
