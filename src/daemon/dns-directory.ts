import type { DnsContainer, DnsDirectory } from '../dns/directory';
import type { ContainerDoc } from './model';
import type { Overlays } from './overlays';
import type { State } from './state';

/**
 * The resolver's view of the daemon's state (see dns/directory.ts). On an
 * overlay network the members are also the other hosts' endpoints, as the
 * cluster view holds them now: a container removed on one host is gone for
 * every resolver as soon as the store's watch says so.
 */
export function dnsDirectory(state: State, overlays: () => Overlays | undefined = () => undefined): DnsDirectory {
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
    members: (networkId) => {
      const local = state.attached(networkId).filter((c) => c.state === 'running' && c.mode.kind === 'bridge').map(view);
      const o = overlays();
      if (!o || state.networks.get(networkId)?.driver !== 'overlay') return local;
      const remote = o.view.endpoints(networkId).filter((e) => e.node !== o.self);
      return [...local, ...remote.map((e): DnsContainer => ({ id: e.containerId, name: e.name, hostname: e.hostname, state: 'running', dns: [], endpoints: [e], aliases: () => e.aliases }))];
    },
    // Both only grow, so their sum grows whenever either does.
    revision: () => state.revision + (overlays()?.view.revision ?? 0),
    byAddress: (networkId, address) => {
      // Not only running ones: a container's first query can come before its start is recorded.
      const c = state.byAddress(networkId, address);
      return c ? view(c) : undefined;
    },
  };
}
