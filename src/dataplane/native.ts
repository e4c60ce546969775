import { existsSync } from 'node:fs';
import path from 'node:path';

/** The shapes the native addon returns; see native/napi/engine_binding.cc. */
export interface NativePortStats {
  id: number;
  name: string;
  kind: string;
  domain: number;
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  drops: Record<DropReason, number>;
}

export type DropReason =
  | 'runt'
  | 'oversize'
  | 'rx_queue_full'
  | 'bad_vnet_hdr'
  | 'bad_src_mac'
  | 'same_port'
  | 'no_domain'
  | 'no_tx_port'
  | 'port_down'
  | 'tx_error'
  | 'not_for_us'
  | 'bad_ip'
  | 'ttl_exceeded'
  | 'mtu_exceeded'
  | 'ip_fragment'
  | 'isolated'
  | 'icc_blocked'
  | 'no_route'
  | 'no_egress'
  | 'unpublished'
  | 'unsolicited'
  | 'conntrack_full'
  | 'nat_ports_exhausted'
  | 'icmp_error_no_flow'
  | 'neighbor_unresolved'
  | 'hold_full';

export interface BridgeOutcomes {
  unicast: number;
  flood_multicast: number;
  flood_unknown: number;
  learned: number;
  moved: number;
  learn_refused_full: number;
  static_conflict: number;
  filtered_same_port: number;
  aged: number;
  icc_blocked: number;
}

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
}

export interface PublishedPort {
  protocol: 'tcp' | 'udp';
  port: number;
  /** Only for this destination address; absent: any. */
  bindIp?: string;
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
  protocol: 'tcp' | 'udp' | 'icmp' | 'other';
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

export interface ConntrackTimeouts {
  tcpSynSent?: number;
  tcpSynRecv?: number;
  tcpEstablished?: number;
  tcpFinWait?: number;
  tcpCloseWait?: number;
  tcpLastAck?: number;
  tcpTimeWait?: number;
  tcpClose?: number;
  udp?: number;
  udpStream?: number;
  icmp?: number;
}

export interface RouterStats {
  router: Record<string, number>;
  conntrack: {
    created: number;
    expired: number;
    early_drop: number;
    insert_refused: number;
    removed: number;
    entries: number;
    maxEntries: number;
    memoryBytes: number;
  };
}

export interface NativeStats {
  ports: NativePortStats[];
  domains: { id: number; ports: number; macEntries: number; maxEntries: number; agingSeconds: number; bridge: BridgeOutcomes }[];
  stages: { parse: { accepted: number; dropped: number }; bridge: BridgeOutcomes };
  worker: { wakeups: number; polls: number; batches: number; packets: number; commands: number; ageSweeps: number };
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
  configureDomain(id: number, opts: { maxEntries?: number; agingSeconds?: number }): void;
  addTapPort(opts: { name: string; netns?: string; domain: number; txQueueLen?: number; persist?: boolean }): {
    id: number;
    name: string;
    offloads: number;
    ifindex: number;
  };
  addPacketPort(opts: { ifname: string; netns?: string; domain: number }): { id: number; name: string };
  removePort(id: number, opts?: { keepDevice?: boolean }): void;
  addStaticMac(domain: number, mac: string, port: number): void;
  removeMac(domain: number, mac: string): boolean;
  macTable(domain: number): MacEntry[];
  stats(): NativeStats;
  pinWorker(cpu: number): void;
  shutdown(): void;
  configureNetwork(domain: number, opts: NetworkRouting | { routed: false }): void;
  setUplink(opts: UplinkOptions): number;
  setHostAddresses(addresses: string[]): void;
  setEndpoint(opts: { address: string; domain: number; mac: string }): void;
  removeEndpoint(address: string): void;
  publish(opts: PublishedPort): void;
  unpublish(protocol: 'tcp' | 'udp', port: number): boolean;
  conntrack(): ConntrackEntry[];
  conntrackFlush(): void;
  setConntrackTimeouts(t: ConntrackTimeouts): void;
  routerStats(): RouterStats;
}

export interface NativePacketSocket {
  send(frame: Buffer, vnet?: VnetHeader): number;
  recv(timeoutMs: number): { frame: Buffer; outgoing: boolean; vnet?: VnetHeader } | null;
  close(): void;
}

interface NativeAddon {
  NativeEngine: new (opts: { burst?: number; spinMicros?: number; cpu?: number; conntrackMax?: number }) => NativeEngine;
  PacketSocket: new (opts: { netns?: string; ifname: string; vnetHdr?: boolean }) => NativePacketSocket;
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

let addon: NativeAddon | undefined;

export function loadNative(): NativeAddon {
  if (addon) return addon;
  const file = path.join(packageRoot(), 'build', 'Release', 'ferry_native.node');
  if (!existsSync(file)) throw new Error(`the native addon ${file} is not built; run scripts/install.sh (or npm run build)`);
  addon = require(file) as NativeAddon;
  return addon;
}
