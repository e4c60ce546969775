import type { DnsContainer, DnsDirectory } from '../dns/directory';
import type { ContainerDoc } from './model';
import type { State } from './state';

/** The resolver's view of the daemon's state (see dns/directory.ts). */
export function dnsDirectory(state: State): DnsDirectory {
  const view = (c: ContainerDoc): DnsContainer => ({
    id: c.id,
    name: c.name,
    hostname: c.hostname,
    state: c.state,
    netns: c.netns,
    dns: c.dns,
    endpoints: c.endpoints,
    aliases: (networkId) => (c.mode.kind === 'bridge' ? (c.mode.networks.find((r) => r.networkId === networkId)?.aliases ?? []) : []),
  });
  return {
    container: (id) => {
      const c = state.containers.get(id);
      return c ? view(c) : undefined;
    },
    network: (id) => {
      const n = state.networks.get(id);
      return n ? { id: n.id, name: n.name, isDefault: !!n.isDefault } : undefined;
    },
    members: (networkId) => state.attached(networkId).filter((c) => c.state === 'running' && c.mode.kind === 'bridge').map(view),
    byAddress: (networkId, address) => {
      // Not only running ones: a container's first query can come before its start is recorded.
      const c = state.byAddress(networkId, address);
      return c ? view(c) : undefined;
    },
  };
}
