import type { Engine, TapPort } from '../dataplane';
import { configureInterface, createNetns, deleteNetns, netnsPath, type Route } from '../netns';

export interface InterfaceSpec {
  /** Existing network namespace of the container. */
  netns: string;
  /** Bridge domain the port joins (container and host roles). */
  domain?: number;
  /** Interface name inside the container (default eth0). */
  ifname?: string;
  mac?: string;
  mtu?: number;
  addresses: string[];
  routes?: Route[];
  txQueueLen?: number;
  /** Keep the TAP across an engine restart (see TapPortOptions.persist). */
  persist?: boolean;
  /** false: no checksum or segmentation offloads (see TapOptions.offloads). */
  offloads?: boolean;
  /** false: no ARP on it (an ipvlan l3 member). */
  arp?: boolean;
  /** A container's interface (default), the host's interface of a network, or a macvlan/ipvlan member. */
  role?: 'container' | 'host' | 'demuxed';
}

export type EndpointSpec = InterfaceSpec;

export interface Endpoint {
  netns: string;
  ifname: string;
  port: TapPort;
}

/**
 * Adds one interface to a container's existing namespace: the TAP is created
 * directly inside it (no move, one netlink round trip fewer), then given its
 * MAC, MTU, addresses and routes, and brought up with lo. The engine holds
 * the TAP's fd from the moment it exists. On failure the port is removed
 * before the error (which names the step) is thrown.
 */
export async function addInterface(engine: Engine, spec: InterfaceSpec): Promise<Endpoint> {
  const ifname = spec.ifname ?? 'eth0';
  const port = engine.addTapPort({ name: ifname, netns: netnsPath(spec.netns), domain: spec.domain, role: spec.role, txQueueLen: spec.txQueueLen, persist: spec.persist, mtu: spec.mtu, offloads: spec.offloads });
  try {
    await configureInterface(spec.netns, { ifname, mac: spec.mac, mtu: spec.mtu, arp: spec.arp, addresses: spec.addresses, routes: spec.routes });
    return { netns: spec.netns, ifname, port };
  } catch (e) {
    engine.removePort(port.id);
    throw e;
  }
}

/**
 * Attaches a new container: creates its namespace and its first interface.
 * All or nothing: when a step fails, what the earlier steps made is removed.
 */
export async function attachEndpoint(engine: Engine, spec: EndpointSpec): Promise<Endpoint> {
  await createNetns(spec.netns);
  try {
    return await addInterface(engine, spec);
  } catch (e) {
    await deleteNetns(spec.netns).catch(() => undefined);
    throw e;
  }
}

/** Removes the port (its TAP goes with it) and the namespace. */
export async function detachEndpoint(engine: Engine, ep: Endpoint): Promise<void> {
  engine.removePort(ep.port.id);
  await deleteNetns(ep.netns);
}
