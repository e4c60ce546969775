import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { BridgeOutcome, ConntrackCounter, DemuxOutcome, ConntrackTimeoutName, DropReason, PortRole, StageName } from './generated/names';

/** The shapes the native addon returns; see native/napi/*_binding.cc. Names come from generated/names.ts. */
export interface NativePortStats {
  id: number;
  name: string;
  kind: string;
  role: PortRole;
  /** Its bridge domain, or 4294967295 for none (the uplink). */
  domain: number;
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  drops: Record<DropReason, number>;
}

export type BridgeOutcomes = Record<BridgeOutcome, number>;

/** How a bridge domain is routed: see native/l3/router.h. */
export interface NetworkRouting {
  /** The host port's MAC: containers send off-net frames to it. */
  routerMac: string;
  gateway: string;
  subnet: string;
  prefixLen: number;
  /** Port id of the network's host TAP. */
  hostPort: number;
  mtu?: number;
  masquerade?: boolean;
  internal?: boolean;
  icc?: boolean;
  /** Where the embedded resolver listens on the gateway address (native/resolver/resolver_stages.h). */
  resolverPort?: number;
  /** IPv6 (--ipv6): the subnet's prefix, its length and the gateway; NAT66 unless routed6 (gateway_mode_ipv6=routed). */
  subnet6?: string;
  prefixLen6?: number;
  gateway6?: string;
  routed6?: boolean;
}

export interface UplinkOptions {
  ifname: string;
  netns?: string;
  /** The external address, owned by Ferry (not configured in the kernel). */
  address: string;
  prefixLen: number;
  gateway?: string;
  mac: string;
  mtu?: number;
  /** The external IPv6 address (--external-ip6), owned by Ferry as address is. */
  address6?: string;
  prefixLen6?: number;
  gateway6?: string;
}

export interface PublishedPort {
  protocol: 'tcp' | 'udp';
  port: number;
  /** Only for this destination address; absent: any. */
  bindIp?: string;
  /** IPv4 or IPv6: the family decides which NAT (nat or nat6) publishes it. */
  targetIp: string;
  targetPort: number;
}

export interface ConntrackTuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  id?: number;
  packets: number;
}

export interface ConntrackEntry {
  family: 'ipv4' | 'ipv6';
  protocol: 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'other';
  protonum: number;
  timeout: number;
  state?: string;
  original: ConntrackTuple;
  reply: ConntrackTuple;
  replied: boolean;
  assured: boolean;
  snat: boolean;
  dnat: boolean;
}

export type ConntrackStats = Record<ConntrackCounter, number> & { entries: number; maxEntries: number; memoryBytes: number };

export type ConntrackTimeouts = Partial<Record<ConntrackTimeoutName, number>>;

/** A stage's own counters, and what the graph measured of it (nsPerPacket: sampled, 1 run in 16). */
export type StageStats = Record<string, number> & { packets: number; batches: number; nsPerPacket: number };

/** An underlay socket; `sealed`: ESP in UDP (port 4500 by default) for encrypted overlays, keyed per peer with setEspPeer. */
export interface UnderlayOptions {
  address: string;
  port?: number;
  netns?: string;
  sealed?: boolean;
  /** This run of the daemon (random at every start): part of every key, so a restart never reuses one. */
  generation?: number;
}

/** One peer host's ESP associations (native/crypto/esp_peers.h): what it may seal with, and which epoch this host seals with. */
export interface EspPeerConfig {
  peer: string;
  peerGeneration: number;
  sendEpoch: number;
  secrets: { epoch: number; secret: Buffer }[];
}

export interface EspPeerState {
  peer: string;
  sendEpoch: number;
  sendSpi: number;
  /** Sequence numbers the sender has used. */
  sent: number;
  receiveSpis: number[];
}

export interface NativeStats {
  ports: NativePortStats[];
  domains: { id: number; ports: number; macEntries: number; maxEntries: number; agingSeconds: number; bridge: BridgeOutcomes }[];
  segments: { id: number; parent: number; vlan: number; members: number; demux: Record<DemuxOutcome, number> }[];
  stages: Record<StageName, StageStats>;
  worker: { wakeups: number; polls: number; batches: number; packets: number; commands: number; ticks: number; poolEmpty: number; busyNs: number; gapNs: number; uptimeNs: number };
  conntrack: ConntrackStats;
  /** NAT66's table: the same bound (--conntrack-max) and timeouts, 104 bytes an entry. */
  conntrack6: ConntrackStats;
  neighbors: number;
}

/** One packet's path through the graph, as `ferry trace` prints it. */
export interface TracedPacket {
  id: number;
  steps: { us: number; kind: 'rx' | 'stage' | 'next' | 'tx'; stage: string; text: string }[];
}

export interface MacEntry {
  mac: string;
  port: number;
  static: boolean;
  ageSeconds: number;
}

export interface VnetHeader {
  flags?: number;
  gsoType?: number;
  hdrLen?: number;
  gsoSize?: number;
  csumStart?: number;
  csumOffset?: number;
}

export interface NativeEngine {
  createDomain(opts: { maxEntries?: number; agingSeconds?: number }): number;
  removeDomain(id: number): void;
  configureDomain(id: number, opts: { maxEntries?: number; agingSeconds?: number; maxPerPort?: number }): void;
  addTapPort(opts: { name: string; netns?: string; domain?: number; role?: 'container' | 'host' | 'demuxed'; txQueueLen?: number; persist?: boolean; mtu?: number; offloads?: boolean }): {
    id: number;
    name: string;
    offloads: number;
    ifindex: number;
  };
  addPacketPort(opts: { ifname: string; netns?: string; domain?: number; role?: 'container' | 'host' | 'parent' }): { id: number; name: string };
  createSegment(opts: SegmentOptions): number;
  addUnderlay(opts: UnderlayOptions): number;
  addTunnel(opts: { underlay: number; vni: number; domain: number }): number;
  setTunnelHosts(port: number, hosts: string[]): void;
  setEspPeer(port: number, peer: EspPeerConfig): void;
  espPeers(port: number): EspPeerState[];
  setTunnelRemote(port: number, mac: string, host: string | null): void;
  setNeighborProxy(domain: number, address: string, mac: string | null): void;
  removeSegment(id: number): void;
  addSegmentMember(segment: number, port: number, opts: { mac?: string; hostAccess?: boolean; addresses?: string[] }): void;
  removePort(id: number, opts?: { keepDevice?: boolean }): void;
  portNetns(id: number): number;
  addStaticMac(domain: number, mac: string, port: number): void;
  removeMac(domain: number, mac: string): boolean;
  macTable(domain: number): MacEntry[];
  stats(): NativeStats;
  pinWorker(cpu: number): void;
  setRateLimit(port: number, limit: { bytesPerSecond: number } | { packetsPerSecond: number } | null): void;
  setPortIdentity(port: number, identity: { mac: string; ipv4?: string; ipv6?: string[] } | null): void;
  shutdown(): void;
  configureNetwork(domain: number, opts: NetworkRouting | { routed: false }): void;
  setUplink(opts: UplinkOptions): number;
  setHostAddresses(addresses: string[]): void;
  setEndpoint(opts: { address: string; domain: number; mac: string }): void;
  removeEndpoint(address: string): void;
  publish(opts: PublishedPort): void;
  unpublish(protocol: 'tcp' | 'udp', port: number, family?: 4 | 6): boolean;
  conntrack(): ConntrackEntry[];
  conntrackFlush(): void;
  setConntrackTimeouts(t: ConntrackTimeouts): void;
  setReassemblyTimeout(seconds: number): void;
  traceStart(opts: { count: number; port?: number }): void;
  traceStop(): void;
  traceRead(): { packets: TracedPacket[]; pending: number; lost: number };
  inject(opts: { port: number; frame: Buffer; dryRun: boolean }): TracedPacket | null;
  captureStart(opts: CaptureOptions): number;
  captureRead(id: number): Buffer | null;
  captureStop(id: number): CaptureCounters;
  captureClose(id: number): void;
}

/** A macvlan/ipvlan network on a parent port (native/demux/segments.h). */
export interface SegmentOptions {
  /** The parent port (role 'parent'); none: an --internal network, its members reach only each other. */
  parent?: number;
  /** 802.1Q VID its frames carry on the wire; 0 or none: untagged. */
  vlan?: number;
  driver: 'macvlan' | 'ipvlan-l2' | 'ipvlan-l3';
  /** macvlan_mode, or ipvlan_flag (default bridge). */
  mode?: 'bridge' | 'private' | 'vepa' | 'passthru';
  /** ipvlan: the parent's MAC, which every member wears. */
  parentMac?: string;
  /** ipvlan l3: the host's IPv4 address on the parent and its prefix length, which Ferry routes as. */
  parentIp?: string;
  parentPrefix?: number;
  /** ipvlan l3: the host's gateway on the parent, for what is off its subnet. */
  gateway?: string;
  /** ipvlan l3, IPv6: the host's link-local address on the parent (neighbour solicitations come from it; none: no IPv6). */
  parentLinkLocal?: string;
  /** ipvlan l3, IPv6: the host's global address on the parent and its prefix length (on-link next hops). */
  parentIp6?: string;
  parentPrefix6?: number;
  /** ipvlan l3, IPv6: the host's IPv6 gateway on the parent. */
  gateway6?: string;
}

export interface CaptureOptions {
  ports: number[];
  /** A BPF expression (tcpdump's syntax), compiled by libpcap. */
  filter?: string;
  snaplen?: number;
  /** Also record frames the graph dropped, with their reason. */
  drops?: boolean;
  /** The ring between the worker and the reader (default 32 MB). */
  bufferBytes?: number;
}

export interface CaptureCounters {
  captured: number;
  /** Frames that matched but did not fit in the ring: the reader was too slow. */
  lost: number;
  filtered: number;
}

/** What names.cc exports: each list is [{name, help}]. */
export interface NativeNames {
  dropReasons: { name: string; help: string }[];
  errorCodes: { name: string; help: string }[];
  portRoles: { name: string; help: string }[];
  bridgeOutcomes: { name: string; help: string }[];
  demuxOutcomes: { name: string; help: string }[];
  conntrackCounters: { name: string; help: string }[];
  conntrackTimeouts: { name: string; help: string }[];
  stageCounters: Record<string, { name: string; help: string }[]>;
  constants: { espUdpPort: number; sealedOverhead: number };
}

export interface NativePacketSocket {
  send(frame: Buffer, vnet?: VnetHeader): number;
  recv(timeoutMs: number): { frame: Buffer; outgoing: boolean; vnet?: VnetHeader } | null;
  close(): void;
}

interface NativeAddon {
  NativeEngine: new (opts: { burst?: number; spinMicros?: number; poll?: 'adaptive' | 'busy'; cpu?: number; conntrackMax?: number }) => NativeEngine;
  PacketSocket: new (opts: { netns?: string; ifname: string; vnetHdr?: boolean }) => NativePacketSocket;
  names: NativeNames;
  writeInNetns(netns: string, file: string, text: string): void;
  openListenSockets(netns: string, address: string, port: number): { udp: number; tcp: number };
}

/** The package root: where package.json is, from src/ or from dist/src/. */
export function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find Ferry's package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

/** Ferry's version, from its package.json. */
export function ferryVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

const addons = new Map<string, NativeAddon>();

/** The addon of this checkout, or another build's (a benchmark comparing two builds in one run). */
export function loadNative(file = path.join(packageRoot(), 'build', 'Release', 'ferry_native.node')): NativeAddon {
  const loaded = addons.get(file);
  if (loaded) return loaded;
  if (!existsSync(file)) throw new Error(`the native addon ${file} is not built; run scripts/install.sh (or npm run build)`);
  const addon = require(file) as NativeAddon;
  addons.set(file, addon);
  return addon;
}
