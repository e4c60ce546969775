import { badRequest, notFound } from './errors';
import type { ContainerDoc } from './model';
import type { State } from './state';

/** What the daemon knows of the engine's ports: their ids, and the names users give them. */
export interface PortDirectory {
  /** Engine port id -> what it carries ("alpine1/eth0 on web", "host interface ferry0 of bridge", "uplink eth0"). */
  names(): Map<number, string>;
  /** The engine port of a container's interface. */
  containerPort(c: ContainerDoc, ifname: string): number | undefined;
  /** A host interface (ferry0, br-..., or its network's name) or the uplink ("uplink" or its interface name). */
  hostPort(ref: string): number | undefined;
}

/**
 * Ports by the names users give them (ferry trace --port, ferry capture):
 * CONTAINER/IFACE, CONTAINER (its eth0, or with `all` every interface it
 * has), a network's host interface (ferry0, br-...) or the network's name,
 * "uplink" or the uplink's interface, or a port id.
 */
export function resolvePorts(dir: PortDirectory, state: State, ref: string, all: boolean): number[] {
  if (/^\d+$/.test(ref) && dir.names().has(Number(ref))) return [Number(ref)];
  const [cref, iface] = ref.split('/');
  const c = state.findContainer(cref!);
  if (c) {
    const ifnames = iface ? [iface] : all ? c.endpoints.map((e) => e.ifname) : ['eth0'];
    const ports = ifnames.map((i) => dir.containerPort(c, i)).filter((p): p is number => p !== undefined);
    if (!ports.length || ports.length < ifnames.length)
      throw badRequest(`container "${c.name}" has no interface ${iface ?? 'eth0'} in Ferry's data path (is it running, on a bridge network?)`);
    return ports;
  }
  const port = dir.hostPort(ref);
  if (port !== undefined) return [port];
  throw notFound(`no port "${ref}": give CONTAINER[/IFACE], a network's host interface (ferry0, br-...), "uplink" or a port id`);
}
