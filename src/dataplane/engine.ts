import { native } from './errors';
import {
  loadNative,
  type CaptureCounters,
  type CaptureOptions,
  type ConntrackEntry,
  type ConntrackTimeouts,
  type EspPeerConfig,
  type EspPeerState,
  type MacEntry,
  type NativeEngine,
  type NativeStats,
  type NetworkRouting,
  type PublishedPort,
  type SegmentOptions,
  type TracedPacket,
  type UnderlayOptions,
  type UplinkOptions,
} from './native';

export interface EngineOptions {
  /** Frames read from one port per poll (1..256). */
  burst?: number;
  /** How long the worker keeps polling after the last packet before sleeping, at least (adaptive polling learns longer). */
  spinMicros?: number;
  /** adaptive (default): poll a learnt while after work, then sleep; busy: never sleep (a core for the worker, the lowest latency). */
  poll?: 'adaptive' | 'busy';
  /** Pin the worker thread to this CPU. */
  cpu?: number;
  /** Bound on the conntrack table (default 262,144); its memory is allocated up front. */
  conntrackMax?: number;
  /** Another build's addon (a path to ferry_native.node), for benchmarks that compare builds. */
  addon?: string;
}

export interface DomainOptions {
  /** Bound on the MAC table (default 65,536). */
  maxEntries?: number;
  /** Idle time before a learned entry is removed (default 300 s). */
  agingSeconds?: number;
  /** Learned (not static) entries one port may hold (default 256; 0: no limit). */
  maxPerPort?: number;
}

export interface TapPortOptions {
  /** Device name (at most 15 characters). */
  name: string;
  /** A container's interface (default), the host's interface of a network, or a member of a macvlan/ipvlan segment. */
  role?: 'container' | 'host' | 'demuxed';
  /** Create the device directly inside this network namespace (a path such as /run/netns/NAME). */
  netns?: string;
  /** Its bridge domain (container and host roles). */
  domain?: number;
  /** Length of the TAP's queue towards Ferry (default 4096). */
  txQueueLen?: number;
  /** The device's MTU; Ferry refuses (too_big) frames longer than it on egress, as the kernel behind it would. */
  mtu?: number;
  /** Checksum and segmentation offloads (default on); off, the TAP hands over only whole, checksummed frames (the VXLAN tunnel cuts TSO frames itself, native/vxlan/segment.h). */
  offloads?: boolean;
  /**
   * Keep the device when Ferry lets go of it (daemon restart): the container
   * keeps eth0 with its addresses and routes, and adding a port with the same
   * name and namespace reattaches. removePort() deletes it unless keepDevice.
   */
  persist?: boolean;
}

export interface TapPort {
  id: number;
  name: string;
  /** TUN_F_* bits the kernel accepted. */
  offloads: number;
  ifindex: number;
}

export const TunOffload = { CSUM: 0x01, TSO4: 0x02, TSO6: 0x04, TSO_ECN: 0x08, USO4: 0x20, USO6: 0x40 } as const;

/**
 * Ferry's data plane: a native worker thread forwarding between ports. Every
 * method here is a control call; none is per packet. Calls are synchronous and
 * take microseconds: the worker runs them between two batches.
 */
export class Engine {
  private readonly handle: NativeEngine;
  private stopped = false;

  constructor(opts: EngineOptions = {}) {
    const { addon, ...config } = opts;
    const { NativeEngine } = loadNative(addon);
    this.handle = native(() => new NativeEngine(config));
  }

  createDomain(opts: DomainOptions = {}): number {
    return native(() => this.handle.createDomain(opts));
  }
  removeDomain(id: number): void {
    native(() => this.handle.removeDomain(id));
  }
  configureDomain(id: number, opts: DomainOptions): void {
    native(() => this.handle.configureDomain(id, opts));
  }
  addTapPort(opts: TapPortOptions): TapPort {
    return native(() => this.handle.addTapPort(opts));
  }
  /**
   * Attaches an existing host interface (a NIC, a veth end) to a bridge domain
   * through AF_PACKET, in promiscuous mode while attached. See
   * native/ports/packet_port.h for RPS on a veth with local TCP senders.
   */
  addPacketPort(opts: { ifname: string; netns?: string; domain?: number; role?: 'container' | 'host' | 'parent' }): { id: number; name: string } {
    return native(() => this.handle.addPacketPort(opts));
  }
  /** A macvlan/ipvlan network on a parent port (role 'parent'); its members are TAPs of role 'demuxed'. */
  createSegment(opts: SegmentOptions): number {
    return native(() => this.handle.createSegment({ ...opts, parentMac: opts.parentMac?.toLowerCase() }));
  }
  /** Refused while it has members. */
  removeSegment(id: number): void {
    native(() => this.handle.removeSegment(id));
  }
  /**
   * The VXLAN underlay: a UDP socket on the advertise address (port 4789 by
   * default), in the given namespace. Returns its port id. A sealed one
   * (port 4500 by default) carries encrypted networks' datagrams in ESP.
   */
  addUnderlay(opts: UnderlayOptions): number {
    return native(() => this.handle.addUnderlay(opts));
  }
  /** A peer host's keys on the sealed underlay; what did not change keeps its sequence numbers and replay window. */
  setEspPeer(port: number, peer: EspPeerConfig): void {
    native(() => this.handle.setEspPeer(port, peer));
  }
  espPeers(port: number): EspPeerState[] {
    return native(() => this.handle.espPeers(port));
  }
  /**
   * An overlay network's tunnel: a port of its bridge domain that speaks
   * VXLAN with this VNI through the underlay. With `mtu` (the overlay's),
   * IPv4 with DF longer than that is answered with ICMP fragmentation needed.
   */
  addTunnel(opts: { underlay: number; vni: number; domain: number; mtu?: number }): number {
    return native(() => this.handle.addTunnel(opts));
  }
  /** The hosts (underlay addresses) that have the network: floods go to each. */
  setTunnelHosts(port: number, hosts: string[]): void {
    native(() => this.handle.setTunnelHosts(port, hosts));
  }
  /** Which host a MAC of the network lives on (null: forget it). */
  setTunnelRemote(port: number, mac: string, host: string | null): void {
    native(() => this.handle.setTunnelRemote(port, mac.toLowerCase(), host));
  }
  /**
   * ARP requests and neighbour solicitations containers of the domain send
   * for `address` are answered in the fast path with `mac` (null: no longer):
   * an overlay's remote containers, known from the cluster state.
   */
  setNeighborProxy(domain: number, address: string, mac: string | null): void {
    native(() => this.handle.setNeighborProxy(domain, address, mac && mac.toLowerCase()));
  }
  /** A member joins: by its MAC (macvlan) or its addresses (ipvlan); removing its port takes it out. */
  addSegmentMember(segment: number, port: number, opts: { mac?: string; hostAccess?: boolean; addresses?: string[] }): void {
    native(() => this.handle.addSegmentMember(segment, port, { ...opts, mac: opts.mac?.toLowerCase() }));
  }
  /**
   * A new fd of the network namespace a TAP port's device is in now (the
   * caller closes it): where it went when another program moved it.
   */
  portNetns(id: number): number {
    return native(() => this.handle.portNetns(id));
  }

  /** Removes a port; its TAP is deleted, unless keepDevice leaves a persistent one in place. */
  removePort(id: number, opts: { keepDevice?: boolean } = {}): void {
    native(() => this.handle.removePort(id, opts));
  }
  addStaticMac(domain: number, mac: string, port: number): void {
    native(() => this.handle.addStaticMac(domain, mac.toLowerCase(), port));
  }
  removeMac(domain: number, mac: string): boolean {
    return native(() => this.handle.removeMac(domain, mac.toLowerCase()));
  }
  macTable(domain: number): MacEntry[] {
    return native(() => this.handle.macTable(domain));
  }
  stats(): NativeStats {
    return native(() => this.handle.stats());
  }
  /** Pins the worker thread to one CPU, or lets it run anywhere again (-1). Forwarding goes on. */
  pinWorker(cpu: number): void {
    native(() => this.handle.pinWorker(cpu));
  }
  /**
   * Port security: the MAC and addresses a container port may send as
   * (native/security/port_security_stage.h), or none (null).
   */
  setPortIdentity(port: number, identity: { mac: string; ipv4?: string; ipv6?: string[] } | null): void {
    native(() => this.handle.setPortIdentity(port, identity && { ...identity, mac: identity.mac.toLowerCase() }));
  }
  /** Polices what arrives on a port (a container's sending), or lifts the limit (null). */
  setRateLimit(port: number, limit: { bytesPerSecond: number } | { packetsPerSecond: number } | null): void {
    native(() => this.handle.setRateLimit(port, limit));
  }
  /** Makes a domain a routed network behind a gateway, or a plain L2 domain again. */
  configureNetwork(domain: number, routing: NetworkRouting | { routed: false }): void {
    native(() => this.handle.configureNetwork(domain, routing));
  }
  /** Attaches the router's uplink (AF_PACKET) and gives it the external address; returns the port id. */
  setUplink(opts: UplinkOptions): number {
    return native(() => this.handle.setUplink(opts));
  }
  /** The host's own IPv4 addresses: frames to them are bridged to the host port, never routed. */
  setHostAddresses(addresses: string[]): void {
    native(() => this.handle.setHostAddresses(addresses));
  }
  setEndpoint(ep: { address: string; domain: number; mac: string }): void {
    native(() => this.handle.setEndpoint({ ...ep, mac: ep.mac.toLowerCase() }));
  }
  removeEndpoint(address: string): void {
    native(() => this.handle.removeEndpoint(address));
  }
  publish(p: PublishedPort): void {
    native(() => this.handle.publish(p));
  }
  unpublish(protocol: 'tcp' | 'udp', port: number, family: 4 | 6 = 4): boolean {
    return native(() => this.handle.unpublish(protocol, port, family));
  }
  conntrack(): ConntrackEntry[] {
    return native(() => this.handle.conntrack());
  }
  conntrackFlush(): void {
    native(() => this.handle.conntrackFlush());
  }
  setConntrackTimeouts(t: ConntrackTimeouts): void {
    native(() => this.handle.setConntrackTimeouts(t));
  }
  /** How long an incomplete IPv4 datagram waits for its fragments (Linux's net.ipv4.ipfrag_time, 30 s). */
  setReassemblyTimeout(seconds: number): void {
    native(() => this.handle.setReassemblyTimeout(seconds));
  }
  /** Marks the next `count` packets (on one port, or any) for tracing; read them with traceRead(). */
  traceStart(count: number, port?: number): void {
    native(() => this.handle.traceStart({ count, port }));
  }
  traceStop(): void {
    native(() => this.handle.traceStop());
  }
  /** What the traced packets went through so far (and forgets it); pending: how many are still to come. */
  traceRead(): { packets: TracedPacket[]; pending: number; lost: number } {
    return native(() => this.handle.traceRead());
  }
  /**
   * Runs one frame through the graph as if it arrived on the port, and returns
   * its path. A dry run sends nothing and changes no table.
   */
  inject(port: number, frame: Buffer, opts: { dryRun?: boolean } = {}): TracedPacket | null {
    return native(() => this.handle.inject({ port, frame, dryRun: opts.dryRun ?? true }));
  }
  /** Starts copying the frames crossing these ports into a ring; returns the capture's id. */
  captureStart(opts: CaptureOptions): number {
    return native(() => this.handle.captureStart(opts));
  }
  /** What the ring holds now (records of native/core/capture.h; see src/capture/pcapng.ts), or null. */
  captureRead(id: number): Buffer | null {
    return native(() => this.handle.captureRead(id));
  }
  /** No more frames are copied; what the ring holds can still be read, then close(). */
  captureStop(id: number): CaptureCounters {
    return native(() => this.handle.captureStop(id));
  }
  captureClose(id: number): void {
    native(() => this.handle.captureClose(id));
  }
  /** Stops the worker and closes every port; TAP devices disappear with their fds. */
  shutdown(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.handle.shutdown();
  }
}
