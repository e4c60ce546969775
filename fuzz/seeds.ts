import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import dnsPacket from 'dns-packet';
import { ArpOp, EtherType, IcmpType, IpProto, buildArp, buildEthernet, buildIcmp, buildIpv4, buildIpv6, buildUdp } from '../src/codec';
import { buildPacket, parsePacketSpec } from '../src/trace/packet-spec';
import * as golden from '../test/codec/golden';
import type { FuzzTarget } from './build';

/**
 * Seed corpora for the libFuzzer targets, in their record format
 * (fuzz/targets/records.h): the golden frames captured from Linux, and
 * flows built for router_fuzz.cc's topology with the same builders `ferry
 * trace --inject` uses (src/trace/packet-spec.ts), so checksums are right.
 */

/** Ports of router_fuzz.cc, by name. */
const PORT = { a: 0, b: 1, c: 2, d: 3, host1: 4, host2: 5, uplink: 6 } as const;
type PortName = keyof typeof PORT;

const MAC = { a: '02:00:00:00:00:0a', b: '02:00:00:00:00:0b', c: '02:00:00:00:00:0c', d: '02:00:00:00:00:0d', router1: '02:00:00:00:01:01', router2: '02:00:00:00:01:02', uplink: '02:00:00:00:02:0a', world: '02:00:00:00:02:01' };
const UPLINK_IP = '198.51.100.10';
const WORLD = '198.51.100.2';
const UPLINK_IP6 = '2001:db8:ff::10';
const WORLD6 = '2001:db8:ff::2';

interface Rec {
  port: PortName | number;
  frame: Buffer;
  /** A virtio-net header: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset. */
  vnet?: [number, number, number, number, number, number];
  dry?: boolean;
}

export function encodeRecords(recs: Rec[]): Buffer {
  return Buffer.concat(
    recs.map((r) => {
      const port = typeof r.port === 'number' ? r.port : PORT[r.port];
      const head = Buffer.from([port | (r.vnet ? 8 : 0) | (r.dry ? 0x10 : 0)]);
      const vnet = Buffer.alloc(r.vnet ? 10 : 0);
      if (r.vnet) {
        const [flags, gso, hdrLen, gsoSize, start, offset] = r.vnet;
        vnet.writeUInt8(flags, 0);
        vnet.writeUInt8(gso, 1);
        vnet.writeUInt16LE(hdrLen, 2);
        vnet.writeUInt16LE(gsoSize, 4);
        vnet.writeUInt16LE(start, 6);
        vnet.writeUInt16LE(offset, 8);
      }
      const len = Buffer.alloc(2);
      len.writeUInt16BE(r.frame.length);
      return Buffer.concat([head, vnet, len, r.frame]);
    }),
  );
}

/** A frame from a spec line, sent from `srcMac` to `dstMac`. */
const frame = (srcMac: string, dstMac: string, spec: string) => buildPacket(parsePacketSpec(spec), { srcMac, nextHopMac: () => dstMac });

const arpReply = (senderMac: string, senderIp: string, targetMac: string, targetIp: string) =>
  buildEthernet({ src: senderMac, dst: targetMac, etherType: EtherType.ARP, payload: buildArp({ op: ArpOp.Reply, senderMac, senderIp, targetMac, targetIp }) });

/** An IPv6 neighbour solicitation (135) or advertisement (136) with its link-layer address option. */
function neighborMessage(type: 135 | 136, srcMac: string, dstMac: string, src: string, dst: string, target: string): Buffer {
  const body = Buffer.alloc(24);
  Buffer.from(expand6(target), 'hex').copy(body, 0);
  body[16] = type === 135 ? 1 : 2;
  body[17] = 1;
  Buffer.from(srcMac.replace(/:/g, ''), 'hex').copy(body, 18);
  const rest = Buffer.from(type === 136 ? [0x60, 0, 0, 0] : [0, 0, 0, 0]);
  const payload = buildIcmp({ type, code: 0, rest, body }, { src, dst });
  return buildEthernet({ src: srcMac, dst: dstMac, etherType: EtherType.IPv6, payload: buildIpv6({ trafficClass: 0, flowLabel: 0, nextHeader: IpProto.ICMPv6, hopLimit: 255, src, dst, payload }) });
}

/** An IPv6 address written out as 32 hex digits. */
function expand6(a: string): string {
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  return [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t].map((x) => x.padStart(4, '0')).join('');
}

const dnsQuery = (name: string, type: 'A' | 'AAAA' | 'PTR' = 'A') => dnsPacket.encode({ id: 0x1234, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] });

function udpFrame(srcMac: string, dstMac: string, src: string, sport: number, dst: string, dport: number, payload: Buffer): Buffer {
  const ip = { src, dst };
  const l3 = buildIpv4({ dscp: 0, ecn: 0, id: 7, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: IpProto.UDP, src, dst, options: Buffer.alloc(0), payload: buildUdp({ srcPort: sport, dstPort: dport, payload }, ip) });
  return buildEthernet({ src: srcMac, dst: dstMac, etherType: EtherType.IPv4, payload: l3 });
}

/** An ICMP error from `from` about the packet `quoted` (an IPv4 packet, its header and 8 bytes quoted). */
function icmpError(srcMac: string, dstMac: string, from: string, to: string, quoted: Buffer, type: number = IcmpType.DestUnreachable, code = 3): Buffer {
  const ihl = (quoted[0]! & 15) * 4;
  const body = quoted.subarray(0, ihl + 8);
  const l3 = buildIpv4({ dscp: 0, ecn: 0, id: 9, dontFragment: false, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: IpProto.ICMP, src: from, dst: to, options: Buffer.alloc(0), payload: buildIcmp({ type, code, rest: Buffer.alloc(4), body }) });
  return buildEthernet({ src: srcMac, dst: dstMac, etherType: EtherType.IPv4, payload: l3 });
}

const ipOf = (f: Buffer) => f.subarray(14);

/** A UDP datagram from `frame` cut into IPv4 fragments of `size` payload bytes (the last may be shorter), each a frame. */
function fragments(frame: Buffer, size: number, overlapBy = 0): Buffer[] {
  const ip = ipOf(frame);
  const hdr = (ip[0]! & 15) * 4;
  const payload = ip.subarray(hdr);
  const out: Buffer[] = [];
  for (let at = 0; at < payload.length; at += size) {
    const from = at === 0 ? 0 : at - overlapBy;
    const more = at + size < payload.length;
    const piece = buildIpv4({ dscp: 0, ecn: 0, id: 0x4242, dontFragment: false, moreFragments: more, fragmentOffset: from, ttl: 64, protocol: ip[9]!, src: [...ip.subarray(12, 16)].join('.'), dst: [...ip.subarray(16, 20)].join('.'), options: Buffer.alloc(0), payload: payload.subarray(from, Math.min(at + size, payload.length)) });
    out.push(Buffer.concat([frame.subarray(0, 14), piece]));
  }
  return out;
}
const badChecksum = (f: Buffer) => {
  f.writeUInt16BE(f.readUInt16BE(24) ^ 0x0101, 24);
  return f;
};

/** The golden frames, each alone and with a TCP GSO header (CHECKSUM_PARTIAL), from A's port. */
function goldenSeeds(): Buffer[] {
  const frames = [golden.ARP_REQUEST, golden.ICMP_ECHO, golden.ICMP6_ECHO, golden.UDP4, golden.UDP6, golden.TCP_SYN, golden.TCP_DATA, golden.ICMP_ECHO_TAGGED];
  const seeds = frames.map((f) => encodeRecords([{ port: 'a', frame: f }]));
  // TCP data as a GSO frame: csum_start at the TCP header, offset 16.
  seeds.push(encodeRecords([{ port: 'a', frame: golden.TCP_DATA, vnet: [1, 1, 66, 1448, 34, 16] }]));
  seeds.push(encodeRecords([{ port: 'a', frame: golden.UDP4, vnet: [1, 5, 42, 1400, 34, 6] }]));
  return seeds;
}

/** Flows through router_fuzz.cc's topology: out through the NAT and back, published ports, hairpin, the resolver, ICMP errors, spoofing. */
function routerSeeds(): Buffer[] {
  const worldArp = arpReply(MAC.world, '198.51.100.1', MAC.uplink, UPLINK_IP);
  const neighborArp = arpReply(MAC.world, WORLD, MAC.uplink, UPLINK_IP);
  const syn = frame(MAC.a, MAC.router1, `tcp 192.0.2.1:40000 > ${WORLD}:80 syn`);
  const synAck = frame(MAC.world, MAC.uplink, `tcp ${WORLD}:80 > ${UPLINK_IP}:40000 syn,ack`);
  const ack = frame(MAC.a, MAC.router1, `tcp 192.0.2.1:40000 > ${WORLD}:80 ack`);
  const fin = frame(MAC.a, MAC.router1, `tcp 192.0.2.1:40000 > ${WORLD}:80 fin,ack`);
  const udpOut = frame(MAC.a, MAC.router1, `udp 192.0.2.1:5000 > ${WORLD}:53 len 20`);
  const udpOutNated = frame(MAC.uplink, MAC.world, `udp ${UPLINK_IP}:5000 > ${WORLD}:53 len 20`);
  const published = frame(MAC.world, MAC.uplink, `tcp ${WORLD}:33000 > ${UPLINK_IP}:8080 syn`);
  const publishedUdp = frame(MAC.world, MAC.uplink, `udp ${WORLD}:33001 > ${UPLINK_IP}:5300 len 30`);
  const neighborAdvert = neighborMessage(136, MAC.world, MAC.uplink, '2001:db8:ff::1', 'fe80::ff:fe00:20a', '2001:db8:ff::1');
  const neighborSolicit = neighborMessage(135, MAC.world, '33:33:ff:00:00:10', '2001:db8:ff::1', 'ff02::1:ff00:10', UPLINK_IP6);
  const seeds = [
    [{ port: 'uplink', frame: worldArp }, { port: 'a', frame: syn }, { port: 'uplink', frame: synAck }, { port: 'a', frame: ack }, { port: 'a', frame: fin }],
    [{ port: 'a', frame: syn }, { port: 'uplink', frame: neighborArp }, { port: 'uplink', frame: synAck }],
    [{ port: 'uplink', frame: worldArp }, { port: 'a', frame: udpOut }, { port: 'uplink', frame: icmpError(MAC.world, MAC.uplink, WORLD, UPLINK_IP, ipOf(udpOutNated)) }],
    // A container forging an error about A's flow (hardening issue, bug 4).
    [{ port: 'uplink', frame: worldArp }, { port: 'a', frame: udpOut }, { port: 'd', frame: icmpError(MAC.d, MAC.router1, '192.0.2.4', WORLD, ipOf(udpOutNated).subarray(0)) }],
    [{ port: 'uplink', frame: worldArp }, { port: 'uplink', frame: published }, { port: 'b', frame: frame(MAC.b, MAC.router1, `tcp 192.0.2.2:80 > ${WORLD}:33000 syn,ack`) }],
    [{ port: 'uplink', frame: publishedUdp }],
    // Hairpin: C on network 2 to a published port.
    [{ port: 'c', frame: frame(MAC.c, MAC.router2, `tcp 203.0.113.3:41000 > ${UPLINK_IP}:8080 syn`) }],
    // The resolver: 127.0.0.11:53 to the gateway, and the answer back from the host port.
    [{ port: 'a', frame: udpFrame(MAC.a, MAC.router1, '192.0.2.1', 45000, '127.0.0.11', 53, dnsQuery('b')) }, { port: 'host1', frame: udpFrame(MAC.router1, MAC.a, '192.0.2.254', 5353, '192.0.2.1', 45000, dnsQuery('b')) }],
    [{ port: 'c', frame: udpFrame(MAC.c, MAC.router2, '203.0.113.3', 45000, '127.0.0.11', 53, dnsQuery('example.test')) }],
    // Isolation and spoofing: network 1 to network 2, D borrowing C's address, the world borrowing A's.
    [{ port: 'a', frame: frame(MAC.a, MAC.router1, 'icmp 192.0.2.1 > 203.0.113.3 echo') }],
    [{ port: 'd', frame: frame(MAC.d, MAC.router1, 'udp 203.0.113.3:53 > 198.51.100.2:53 len 4') }],
    [{ port: 'uplink', frame: frame(MAC.world, MAC.uplink, `tcp 192.0.2.1:80 > ${UPLINK_IP}:8080 syn`) }],
    // Port security: A's MAC from B's port, a gratuitous ARP for the gateway.
    [{ port: 'b', frame: frame(MAC.a, MAC.b, 'udp 192.0.2.1:1 > 192.0.2.2:2 len 8') }],
    [{ port: 'd', frame: arpReply(MAC.d, '192.0.2.254', 'ff:ff:ff:ff:ff:ff', '192.0.2.254') }],
    // TTL 1 to the world (an ICMP time-exceeded back), and a frame too big for the egress MTU.
    [{ port: 'a', frame: frame(MAC.a, MAC.router1, `udp 192.0.2.1:5000 > ${WORLD}:9 ttl 1 len 8`) }],
    [{ port: 'a', frame: frame(MAC.a, MAC.b, 'udp 192.0.2.1:5000 > 192.0.2.2:9 len 3000') }],
    // A GSO TCP frame to the world through the NAT, CHECKSUM_PARTIAL.
    [{ port: 'uplink', frame: worldArp }, { port: 'a', frame: frame(MAC.a, MAC.router1, `tcp 192.0.2.1:40001 > ${WORLD}:80 ack len 4000`), vnet: [1, 1, 54, 1448, 34, 16] }],
    // A dry run (ferry trace --inject).
    [{ port: 'a', frame: syn, dry: true }],
    // IPv6: out through NAT66 and back, the published port, the routed network from the world, neighbour discovery, hop limit 1.
    [{ port: 'a', frame: frame(MAC.a, MAC.router1, `tcp [2001:db8:1::1]:40000 > [${WORLD6}]:80 syn`) }, { port: 'uplink', frame: neighborAdvert }, { port: 'uplink', frame: frame(MAC.world, MAC.uplink, `tcp [${WORLD6}]:80 > [${UPLINK_IP6}]:40000 syn,ack`) }],
    [{ port: 'uplink', frame: frame(MAC.world, MAC.uplink, `tcp [${WORLD6}]:33000 > [${UPLINK_IP6}]:8080 syn`) }, { port: 'b', frame: frame(MAC.b, MAC.router1, `tcp [2001:db8:1::2]:80 > [${WORLD6}]:33000 syn,ack`) }],
    [{ port: 'uplink', frame: frame(MAC.world, MAC.uplink, `tcp [${WORLD6}]:33000 > [2001:db8:2::3]:90 syn`) }, { port: 'uplink', frame: frame(MAC.world, MAC.uplink, `icmp ${WORLD6} > 2001:db8:2::3 echo`) }],
    [{ port: 'uplink', frame: neighborSolicit }, { port: 'a', frame: frame(MAC.a, MAC.router1, `udp [2001:db8:1::1]:5000 > [${WORLD6}]:9 ttl 1 len 8`) }],
    [{ port: 'a', frame: frame(MAC.a, MAC.router1, `udp [2001:db8:1::1]:5000 > [${WORLD6}]:9 len 1600`) }, { port: 'c', frame: frame(MAC.c, MAC.router2, `icmp 2001:db8:2::3 > 2001:db8:1::1 echo`) }],
    // IPv4 fragments: a datagram to the published UDP port in three pieces (out of order), one with an overlap, one from a container out through SNAT.
    [{ port: 'uplink', frame: worldArp }, ...fragments(frame(MAC.world, MAC.uplink, `udp ${WORLD}:33001 > ${UPLINK_IP}:5300 len 3000`), 1480).reverse().map((f) => ({ port: 'uplink', frame: f }))],
    fragments(frame(MAC.world, MAC.uplink, `udp ${WORLD}:33002 > ${UPLINK_IP}:5300 len 3000`), 1480, 16).map((f) => ({ port: 'uplink', frame: f })),
    [{ port: 'uplink', frame: worldArp }, ...fragments(frame(MAC.a, MAC.router1, `udp 192.0.2.1:5000 > ${WORLD}:9 len 4000`), 1480).map((f) => ({ port: 'a', frame: f }))],
    // Found by this target: a GSO frame with a wrong IPv4 header checksum was routed out through the NAT.
    [{ port: 'uplink', frame: neighborArp }, { port: 'a', frame: badChecksum(frame(MAC.a, MAC.router1, `tcp 192.0.2.1:40002 > ${WORLD}:80 ack len 3000`)), vnet: [1, 1, 54, 1448, 34, 16] }],
  ] as Rec[][];
  return seeds.map(encodeRecords);
}

/** Ports of demux_fuzz.cc, and their segments' frames: tagged from the wire, ARP and neighbour discovery, members to each other. */
function demuxSeeds(): Buffer[] {
  const PARENT = '02:00:00:00:02:00';
  const WIRE = '02:00:00:00:09:01';
  const tag = (vid: number, f: Buffer) => Buffer.concat([f.subarray(0, 12), Buffer.from([0x81, 0x00, vid >> 8, vid & 0xff]), f.subarray(12)]);
  const recs: Rec[][] = [
    [{ port: 0, frame: frame(WIRE, '02:00:00:00:00:0a', 'icmp 172.16.86.254 > 172.16.86.2 echo') }],
    [{ port: 0, frame: golden.ARP_REQUEST }],
    [{ port: 0, frame: tag(50, frame(WIRE, '02:00:00:00:00:0c', 'udp 172.16.50.254:9 > 172.16.50.2:9 len 8')) }],
    [{ port: 0, frame: tag(60, frame(WIRE, PARENT, 'udp 10.0.60.254:9 > 10.0.60.2:9 len 8')) }],
    [{ port: 0, frame: tag(70, frame(WIRE, PARENT, 'icmp 198.51.100.1 > 10.0.70.2 echo')) }],
    [{ port: 0, frame: tag(60, golden.ICMP_ECHO_TAGGED) }],
    [{ port: 1, frame: frame('02:00:00:00:00:0a', '02:00:00:00:00:0b', 'udp 172.16.86.2:9 > 172.16.86.3:9 len 8') }],
    [{ port: 1, frame: golden.ARP_REQUEST }],
    [{ port: 3, frame: frame('02:00:00:00:00:0c', 'ff:ff:ff:ff:ff:ff', 'udp 172.16.50.2:9 > 172.16.50.255:9 len 8') }],
    [{ port: 4, frame: frame(PARENT, PARENT, 'udp 10.0.60.2:9 > 10.0.60.3:9 len 8') }],
    // l3: out to the gateway (ARP asked), the answer, then IPv6 to an on-link host (a solicitation) and its advertisement.
    [{ port: 6, frame: frame(PARENT, PARENT, 'icmp 10.0.70.2 > 192.0.2.9 echo') }, { port: 0, frame: tag(70, arpReply(WIRE, '198.51.100.1', PARENT, '198.51.100.10')) }],
    [{ port: 6, frame: golden.ICMP6_ECHO }, { port: 7, frame: golden.UDP6 }],
    [{ port: 6, frame: frame(PARENT, PARENT, 'udp 10.0.70.2:9 > 10.0.70.3:9 len 8') }],
  ];
  return recs.map(encodeRecords);
}

/**
 * vxlan_fuzz.cc: UDP_GRO runs (even ports) of VXLAN datagrams carrying
 * consecutive TCP segments of one flow, one broken by another flow and a
 * short last segment; and frames for the tunnel (odd ports): a TSO frame, a
 * checksum left partial.
 */
function vxlanSeeds(): Buffer[] {
  const vxlan = Buffer.from([0x08, 0, 0, 0, 0, 0x10, 0x04, 0]); // VNI 4100
  const A = '02:42:0a:00:00:02';
  const B = '02:42:0a:00:00:03';
  const segment = (flow: string, seq: number, len: number) => {
    const f = frame(A, B, `tcp ${flow} ack len ${len}`);
    f.writeUInt32BE(seq, 38); // Ethernet 14 + IPv4 20 + 4: the sequence number
    return Buffer.concat([vxlan, f]);
  };
  const run = (parts: Buffer[]) => Buffer.concat(parts);
  const mss = 1398;
  const one = '10.0.0.2:40000 > 10.0.0.3:5201';
  const other = '10.0.0.2:40001 > 10.0.0.3:5201';
  const datagram = 8 + 54 + mss;
  const recs: Rec[][] = [
    [{ port: 0, frame: run([0, 1, 2, 3].map((k) => segment(one, 1 + k * mss, mss))), vnet: [0, 0, 0, datagram, 0, 0] }],
    [{ port: 0, frame: run([segment(one, 1, mss), segment(one, 1 + mss, mss), segment(other, 1, mss), segment(other, 1 + mss, 100)]), vnet: [0, 0, 0, datagram, 0, 0] }],
    [{ port: 0, frame: segment(one, 1, 200) }],
    [{ port: 1, frame: frame(A, B, `tcp ${one} ack len 6000`), vnet: [1, 1, 54, mss, 34, 16] }],
    [{ port: 1, frame: frame(A, B, `tcp ${one} ack len 500`), vnet: [1, 0, 0, 0, 34, 16] }],
    [{ port: 1, frame: frame(A, B, 'udp 10.0.0.2:9 > 10.0.0.3:9 len 300'), vnet: [1, 0, 0, 0, 34, 6] }],
  ];
  return recs.map(encodeRecords);
}

/**
 * esp_fuzz.cc's inputs: payloads to seal and open again (odd ports: a VXLAN
 * datagram's worth, empty, odd lengths) and packets as the network might
 * send them (even ports: too short, an ESP header with no tag).
 */
function espSeeds(): Buffer[] {
  const payload = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => i & 0xff));
  const sealAndOpen = [0, 1, 3, 60, 1450].map((n) => ({ port: 1, frame: payload(n) }));
  const raw = [Buffer.alloc(0), Buffer.from('fb1fb02e00000001', 'hex'), Buffer.concat([Buffer.from('fb1fb02e000000010000000000000001', 'hex'), payload(36)])].map((frame) => ({ port: 0, frame }));
  return [encodeRecords(sealAndOpen), encodeRecords(raw), encodeRecords([...sealAndOpen.slice(0, 2), ...raw])];
}

/** Writes each target's seeds into DIR/<target>/; returns how many each got. */
export function writeSeeds(dir: string): Record<FuzzTarget, number> {
  const sets: Record<FuzzTarget, Buffer[]> = { parse: goldenSeeds(), router: [...goldenSeeds(), ...routerSeeds()], demux: [...goldenSeeds(), ...demuxSeeds()], vxlan: vxlanSeeds(), esp: espSeeds() };
  for (const [target, seeds] of Object.entries(sets)) {
    mkdirSync(path.join(dir, target), { recursive: true });
    seeds.forEach((s, i) => writeFileSync(path.join(dir, target, `seed-${String(i).padStart(3, '0')}`), s));
  }
  return Object.fromEntries(Object.entries(sets).map(([t, s]) => [t, s.length])) as Record<FuzzTarget, number>;
}
