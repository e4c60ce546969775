import { type SubnetConfig, parseCidr } from '../ipam';
import type { PortBinding, Protocol } from '../container/port-spec';
import type { PublishedPort } from '../nat/publisher';

/** What the store holds. Field names are Ferry's; Docker's shapes are made in inspect.ts. */

export type NetworkDriver = 'bridge' | 'host' | 'null' | 'macvlan' | 'ipvlan' | 'overlay';

export interface NetworkDoc {
  id: string; // 64 hex digits
  name: string;
  driver: NetworkDriver;
  created: string;
  internal: boolean;
  attachable: boolean;
  enableIPv6: boolean;
  /** IPv4 first, then IPv6 if enabled. Empty for host and none. */
  subnets: SubnetConfig[];
  options: Record<string, string>;
  labels: Record<string, string>;
  /** overlay: its VXLAN network identifier, unique in the cluster. The document lives in etcd, not in the host's store. */
  vni?: number;
  /** The host's interface for this network (bridge and overlay drivers): ferry0, br-<12 hex>, or the bridge.name option. */
  hostInterface?: string;
  hostMac?: string;
  /** macvlan/ipvlan: the host interface it is on, and the VLAN Ferry tags there (none for --internal without a parent). */
  parent?: { ifname: string; vlan: number; mac: string; mtu: number };
  /** macvlan/ipvlan with ferry.host_access=true: the host's interface on the network. */
  hostAccess?: { ifname: string; mac: string; ipv4: string };
  mtu: number;
  isDefault?: boolean;
  /** Made through Docker's plugin protocol (docker/network-driver.ts): its id is Docker's, and only Docker removes it or puts containers on it. */
  managedBy?: 'docker';
}

/** The network's subnet of one family, if it has one. */
export function subnetOf(net: Pick<NetworkDoc, 'subnets'>, family: 4 | 6): SubnetConfig | undefined {
  return net.subnets.find((s) => parseCidr(s.subnet).family === family);
}

/** A container's wish for one network, kept while it is stopped. */
export interface NetworkRequest {
  networkId: string;
  ipv4?: string; // --ip: kept across restarts
  ipv6?: string;
  aliases: string[];
  mac?: string;
  /** The interface's name, when the runtime chose it (CNI_IFNAME); otherwise the next ethN. */
  ifname?: string;
}

/** An attachment while the container runs. */
export interface Endpoint {
  networkId: string;
  endpointId: string;
  ifname: string;
  mac: string;
  ipv4?: string;
  ipv6?: string;
  /** This interface carries the container's queries to 127.0.0.11 (a route in its local table). */
  resolver?: boolean;
}

export type NetworkMode = { kind: 'bridge'; networks: NetworkRequest[] } | { kind: 'host' } | { kind: 'none' } | { kind: 'container'; containerId: string };

export interface ContainerDoc {
  id: string;
  name: string;
  created: string;
  hostname: string;
  cmd: string[];
  mode: NetworkMode;
  /** The network it was made on, by name (HostConfig.NetworkMode), kept when it is disconnected from all. */
  networkMode?: string;
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  extraHosts: { name: string; ip: string }[];
  ports: PortBinding[];
  exposed: { port: number; protocol: Protocol }[];
  publishAll: boolean;
  autoRemove: boolean;
  /** --rate-limit: what each of its interfaces may send (src/container/rate-limit.ts). */
  rateLimit?: string;
  /** -e: KEY=VALUE (absent in documents written before it existed). */
  env?: string[];
  /** -w: the working directory of its command. */
  workdir?: string;
  /** -u: USER[:GROUP] its command runs as. */
  user?: string;
  /** --link: containers (by id) it is told of at start, under an alias. */
  links?: { id: string; alias: string }[];
  /** -i: stdin comes through the daemon (attach); it ends when the daemon does. */
  interactive?: boolean;
  /** -t: a terminal of its own (a pty made by script(1)), of this size. */
  tty?: { rows: number; cols: number };
  state: 'created' | 'running' | 'exited';
  pid?: number;
  /** /proc/PID/stat start time, to tell our process from a later one with the same pid. */
  pidStart?: string;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  /** Network namespace name under /run/netns while running (bridge and none modes). */
  netns?: string;
  endpoints: Endpoint[];
  /** Ports published while it runs, with the host ports chosen. */
  published?: PublishedPort[];
  /**
   * A Docker container on Ferry's networks (docker/network-driver.ts): its
   * sandbox's namespace path as dockerd names it, and its id once dockerd
   * has told it. Docker runs it; Ferry only carries its endpoints.
   */
  docker?: { sandboxKey: string; containerId?: string };
  /** A CNI runtime's container (cni/attachments.ts): its id and namespace path as the runtime gave them. */
  cni?: { containerId: string; netns: string };
}

/**
 * A container another runtime runs (Docker through the plugin, a CNI
 * runtime): running while it has endpoints, with nothing of a process or
 * files of Ferry's; its `docker` or `cni` field says whose it is.
 */
export function foreignContainer(fields: Pick<ContainerDoc, 'id' | 'name' | 'hostname' | 'netns'> & (Required<Pick<ContainerDoc, 'docker'>> | Required<Pick<ContainerDoc, 'cni'>>)): ContainerDoc {
  const now = new Date().toISOString();
  return {
    created: now,
    startedAt: now,
    cmd: [],
    mode: { kind: 'bridge', networks: [] },
    dns: [],
    dnsSearch: [],
    dnsOptions: [],
    extraHosts: [],
    ports: [],
    exposed: [],
    publishAll: false,
    autoRemove: false,
    state: 'running',
    endpoints: [],
    ...fields,
  };
}
