/**
 * What the resolver needs to know of containers and networks, and nothing
 * more: the daemon answers it from its state (src/daemon/dns-directory.ts),
 * so dns/ never imports the daemon.
 */
export interface DnsEndpoint {
  networkId: string;
  ipv4?: string;
  ipv6?: string;
}

export interface DnsContainer {
  id: string;
  name: string;
  hostname: string;
  state: string;
  /** Where its resolver listens: the container's network namespace. */
  netns?: string;
  /** Its --dns servers (else the host's are used). */
  dns: string[];
  endpoints: DnsEndpoint[];
  /** Its --network-alias names on one network. */
  aliases(networkId: string): string[];
}

export interface DnsNetwork {
  id: string;
  name: string;
  /** The default bridge: names do not resolve there, as in Docker. */
  isDefault: boolean;
}

export interface DnsDirectory {
  container(id: string): DnsContainer | undefined;
  network(id: string): DnsNetwork | undefined;
  /** Running containers with an endpoint on the network. */
  members(networkId: string): DnsContainer[];
  /** The running container whose address on the network this is. */
  byAddress(networkId: string, address: string): DnsContainer | undefined;
  /**
   * A number that grows whenever anything a name answer depends on changes
   * (containers, their endpoints, names and states, networks, other hosts'
   * endpoints): the resolver keeps each network's names indexed until it
   * moves. Without it, every query reads the members afresh.
   */
  revision?(): number;
}
