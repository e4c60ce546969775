import { isIP, isIPv4, isIPv6 } from 'node:net';
import {
  ArpOp,
  BROADCAST_MAC,
  EtherType,
  IcmpType,
  Icmpv6Type,
  IpProto,
  TcpFlag,
  buildArp,
  buildEthernet,
  buildIcmp,
  buildIpv4,
  buildIpv6,
  buildTcp,
  buildUdp,
  echoRest,
} from '../codec';

/**
 * The packets `ferry trace --inject` builds, written as one line, tcpdump-like:
 *
 *   tcp 172.18.0.2:40000 > 198.51.100.1:80 syn
 *   tcp [2001:db8::2]:40000 > [2001:db8::1]:80 syn,ack
 *   udp 172.18.0.2:5353 > 172.18.0.3:53 len 40
 *   icmp 172.18.0.2 > 172.18.0.3 echo            (echo, echo-reply, unreachable, time-exceeded)
 *   ip 172.18.0.2 > 198.51.100.1 proto 47        (any protocol number, empty payload)
 *   ip6 2001:db8::2 > 2001:db8::1 next 59
 *   arp who-has 172.18.0.1 tell 172.18.0.2
 *   eth 02:42:ac:12:00:02 > ff:ff:ff:ff:ff:ff type 0x88b5
 *
 * Any of them may start with `eth SRC > DST` to set the MAC addresses (else
 * the sender's own MAC, and the destination's or the gateway's). Options
 * after the addresses: `ttl N` (hop limit), `len N` (payload bytes), `df`
 * (IPv4 don't-fragment), `id N` (ICMP echo identifier), `vlan N` (an 802.1Q
 * tag). A spec that does not parse is refused with the form it expected.
 */
export type PacketSpec = {
  eth?: { src: string; dst: string };
  ttl: number;
  len: number;
  df: boolean;
  id: number;
  vlan?: number;
} & (
  | { kind: 'tcp' | 'udp'; src: string; dst: string; sport: number; dport: number; flags: number }
  | { kind: 'icmp'; src: string; dst: string; type: 'echo' | 'echo-reply' | 'unreachable' | 'time-exceeded' }
  | { kind: 'ip'; src: string; dst: string; proto: number }
  | { kind: 'arp'; target: string; sender: string }
  | { kind: 'eth'; etherType: number }
);

export class PacketSpecError extends Error {
  readonly code = 'invalid';
  constructor(spec: string, why: string) {
    super(`packet "${spec}": ${why}`);
    this.name = 'PacketSpecError';
  }
}

const FORMS = 'tcp|udp SRC:PORT > DST:PORT [FLAGS], icmp SRC > DST [echo|echo-reply|unreachable|time-exceeded], ip|ip6 SRC > DST [proto N], arp who-has IP tell IP, eth SRC > DST type 0xNNNN';
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const FLAG_NAMES: Record<string, number> = { syn: TcpFlag.SYN, ack: TcpFlag.ACK, fin: TcpFlag.FIN, rst: TcpFlag.RST, psh: TcpFlag.PSH, urg: TcpFlag.URG, ece: TcpFlag.ECE, cwr: TcpFlag.CWR };

function intIn(spec: string, what: string, raw: string | undefined, min: number, max: number): number {
  const n = raw !== undefined && /^(0x[0-9a-f]+|\d+)$/i.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) throw new PacketSpecError(spec, `${what} must be a number from ${min} to ${max} (got ${raw === undefined ? 'nothing' : `"${raw}"`})`);
  return n;
}

/** "1.2.3.4:80" or "[2001:db8::1]:80" */
function endpoint(spec: string, raw: string | undefined): { ip: string; port: number } {
  const m = raw ? /^\[([^\]]+)\]:(\d+)$/.exec(raw) ?? /^([^:]+):(\d+)$/.exec(raw) : null;
  if (!m || !isIP(m[1]!)) throw new PacketSpecError(spec, `"${raw ?? ''}" is not ADDRESS:PORT (192.0.2.1:80 or [2001:db8::1]:80)`);
  return { ip: m[1]!, port: intIn(spec, 'a port', m[2], 0, 65535) };
}

function address(spec: string, raw: string | undefined): string {
  if (!raw || !isIP(raw)) throw new PacketSpecError(spec, `"${raw ?? ''}" is not an IP address`);
  return raw;
}

function sameFamily(spec: string, a: string, b: string): void {
  if (isIPv4(a) !== isIPv4(b)) throw new PacketSpecError(spec, `${a} and ${b} are not of one IP version`);
}

export function parsePacketSpec(spec: string): PacketSpec {
  let words = spec.trim().split(/\s+/).filter(Boolean);
  const base = { ttl: 64, len: 0, df: false, id: 0x4645 } as { eth?: { src: string; dst: string }; ttl: number; len: number; df: boolean; id: number; vlan?: number };
  if (words[0] === 'eth' && words[2] === '>' && words[4] !== 'type') {
    const [src, dst] = [words[1]!, words[3]!];
    if (!MAC.test(src) || !MAC.test(dst)) throw new PacketSpecError(spec, 'eth takes SRC-MAC > DST-MAC (aa:bb:cc:dd:ee:ff)');
    base.eth = { src: src.toLowerCase(), dst: dst.toLowerCase() };
    words = words.slice(4);
  }
  const [kind, ...rest] = words;
  let layer: PacketSpec;
  let tail: string[];
  switch (kind) {
    case 'tcp':
    case 'udp': {
      if (rest[1] !== '>') throw new PacketSpecError(spec, `expected ${kind} SRC:PORT > DST:PORT`);
      const s = endpoint(spec, rest[0]);
      const d = endpoint(spec, rest[2]);
      sameFamily(spec, s.ip, d.ip);
      tail = rest.slice(3);
      let flags = 0;
      if (kind === 'tcp' && tail[0] && /^[a-z]+(,[a-z]+)*$/.test(tail[0]) && tail[0].split(',').every((f) => f in FLAG_NAMES)) {
        flags = tail[0].split(',').reduce((acc, f) => acc | FLAG_NAMES[f]!, 0);
        tail = tail.slice(1);
      }
      layer = { ...base, kind, src: s.ip, dst: d.ip, sport: s.port, dport: d.port, flags: kind === 'tcp' && !flags ? TcpFlag.SYN : flags };
      break;
    }
    case 'icmp': {
      if (rest[1] !== '>') throw new PacketSpecError(spec, 'expected icmp SRC > DST [echo|echo-reply|unreachable|time-exceeded]');
      const src = address(spec, rest[0]);
      const dst = address(spec, rest[2]);
      sameFamily(spec, src, dst);
      tail = rest.slice(3);
      let type: 'echo' | 'echo-reply' | 'unreachable' | 'time-exceeded' = 'echo';
      if (tail[0] === 'echo' || tail[0] === 'echo-reply' || tail[0] === 'unreachable' || tail[0] === 'time-exceeded') type = tail.shift() as typeof type;
      layer = { ...base, kind, src, dst, type };
      break;
    }
    case 'ip':
    case 'ip6': {
      if (rest[1] !== '>') throw new PacketSpecError(spec, `expected ${kind} SRC > DST [${kind === 'ip' ? 'proto' : 'next'} N]`);
      const src = address(spec, rest[0]);
      const dst = address(spec, rest[2]);
      sameFamily(spec, src, dst);
      if ((kind === 'ip') !== isIPv4(src)) throw new PacketSpecError(spec, `${kind} takes ${kind === 'ip' ? 'IPv4' : 'IPv6'} addresses`);
      tail = rest.slice(3);
      let proto = 253; // RFC 3692: for experimentation
      if (tail[0] === 'proto' || tail[0] === 'next') {
        proto = intIn(spec, tail[0], tail[1], 0, 255);
        tail = tail.slice(2);
      }
      layer = { ...base, kind: 'ip', src, dst, proto };
      break;
    }
    case 'arp': {
      if (rest[0] !== 'who-has' || rest[2] !== 'tell') throw new PacketSpecError(spec, 'expected arp who-has IP tell IP');
      const target = address(spec, rest[1]);
      const sender = address(spec, rest[3]);
      if (!isIPv4(target) || !isIPv4(sender)) throw new PacketSpecError(spec, 'ARP is for IPv4 addresses');
      tail = rest.slice(4);
      layer = { ...base, kind, target, sender };
      break;
    }
    case 'eth': {
      if (rest[1] !== '>' || rest[3] !== 'type') throw new PacketSpecError(spec, 'expected eth SRC > DST type 0xNNNN');
      if (!MAC.test(rest[0]!) || !MAC.test(rest[2]!)) throw new PacketSpecError(spec, 'eth takes SRC-MAC > DST-MAC (aa:bb:cc:dd:ee:ff)');
      layer = { ...base, eth: { src: rest[0]!.toLowerCase(), dst: rest[2]!.toLowerCase() }, kind: 'eth', etherType: intIn(spec, 'type', rest[4], 0x600, 0xffff) };
      tail = rest.slice(5);
      break;
    }
    default:
      throw new PacketSpecError(spec, `unknown packet kind "${kind ?? ''}"; expected one of: ${FORMS}`);
  }
  for (let i = 0; i < tail.length; i++) {
    const w = tail[i]!;
    if (w === 'ttl') layer.ttl = intIn(spec, 'ttl', tail[++i], 0, 255);
    else if (w === 'len') layer.len = intIn(spec, 'len', tail[++i], 0, 9000);
    else if (w === 'id') layer.id = intIn(spec, 'id', tail[++i], 0, 65535);
    else if (w === 'vlan') layer.vlan = intIn(spec, 'vlan', tail[++i], 0, 4095);
    else if (w === 'df') layer.df = true;
    else throw new PacketSpecError(spec, `unknown option "${w}" (accepted: ttl N, len N, id N, vlan N, df)`);
  }
  return layer;
}

/** The addresses a frame needs that the spec may leave out. */
export interface FrameContext {
  /** The sender's own MAC (the container's interface). */
  srcMac: string;
  /** Where a frame for this IP goes first: the destination's MAC on the link, or the gateway's. */
  nextHopMac(ip: string): string;
}

export function buildPacket(spec: PacketSpec, ctx: FrameContext): Buffer {
  const payload = Buffer.alloc(spec.len, 0x46); // 'F'
  let etherType: number;
  let l3: Buffer;
  let dstIp: string | undefined;
  switch (spec.kind) {
    case 'eth':
      etherType = spec.etherType;
      l3 = payload;
      break;
    case 'arp':
      etherType = EtherType.ARP;
      l3 = buildArp({ op: ArpOp.Request, senderMac: spec.eth?.src ?? ctx.srcMac, senderIp: spec.sender, targetMac: '00:00:00:00:00:00', targetIp: spec.target });
      break;
    default: {
      dstIp = spec.dst;
      const ip = { src: spec.src, dst: spec.dst };
      const v6 = isIPv6(spec.src);
      let proto: number;
      let l4: Buffer;
      if (spec.kind === 'tcp' || spec.kind === 'udp') {
        proto = spec.kind === 'tcp' ? IpProto.TCP : IpProto.UDP;
        l4 =
          spec.kind === 'tcp'
            ? buildTcp({ srcPort: spec.sport, dstPort: spec.dport, seq: 1, ack: spec.flags & TcpFlag.ACK ? 1 : 0, flags: spec.flags, window: 64240, urgent: 0, options: Buffer.alloc(0), payload }, ip)
            : buildUdp({ srcPort: spec.sport, dstPort: spec.dport, payload }, ip);
      } else if (spec.kind === 'icmp') {
        proto = v6 ? IpProto.ICMPv6 : IpProto.ICMP;
        const types = v6
          ? { echo: Icmpv6Type.EchoRequest, 'echo-reply': Icmpv6Type.EchoReply, unreachable: Icmpv6Type.DestUnreachable, 'time-exceeded': Icmpv6Type.TimeExceeded }
          : { echo: IcmpType.EchoRequest, 'echo-reply': IcmpType.EchoReply, unreachable: IcmpType.DestUnreachable, 'time-exceeded': IcmpType.TimeExceeded };
        const echo = spec.type === 'echo' || spec.type === 'echo-reply';
        l4 = buildIcmp({ type: types[spec.type], code: 0, rest: echo ? echoRest(spec.id, 1) : Buffer.alloc(4), body: payload }, v6 ? ip : undefined);
      } else if (spec.kind === 'ip') {
        proto = spec.proto;
        l4 = payload;
      } else {
        throw new Error(`unreachable: ${spec.kind}`);
      }
      etherType = v6 ? EtherType.IPv6 : EtherType.IPv4;
      l3 = v6
        ? buildIpv6({ trafficClass: 0, flowLabel: 0, nextHeader: proto, hopLimit: spec.ttl, src: spec.src, dst: spec.dst, payload: l4 })
        : buildIpv4({ dscp: 0, ecn: 0, id: 1, dontFragment: spec.df, moreFragments: false, fragmentOffset: 0, ttl: spec.ttl, protocol: proto, src: spec.src, dst: spec.dst, options: Buffer.alloc(0), payload: l4 });
    }
  }
  const src = spec.eth?.src ?? ctx.srcMac;
  const dst = spec.eth?.dst ?? (spec.kind === 'arp' ? BROADCAST_MAC : ctx.nextHopMac(dstIp!));
  return buildEthernet({ src, dst, etherType, payload: l3, ...(spec.vlan !== undefined ? { vlan: { tpid: EtherType.VLAN, pcp: 0, dei: false, id: spec.vlan } } : {}) });
}
