import { ipv4FromBytes, ipv4ToBytes } from './address';
import { internetChecksum } from './checksum';
import { MalformedPacket, requireLength } from './errors';

export const IpProto = { ICMP: 1, TCP: 6, UDP: 17, ICMPv6: 58 } as const;
export const IPV4_MIN_HEADER = 20;
const Offset = { verIhl: 0, tos: 1, totalLength: 2, id: 4, flagsFrag: 6, ttl: 8, protocol: 9, checksum: 10, src: 12, dst: 16 } as const;

export interface Ipv4Packet {
  dscp: number;
  ecn: number;
  id: number;
  dontFragment: boolean;
  moreFragments: boolean;
  fragmentOffset: number; // in bytes
  ttl: number;
  protocol: number;
  src: string;
  dst: string;
  options: Buffer;
  payload: Buffer;
  /** Parsed only: the header checksum as received, and whether it verifies. */
  checksum?: number;
  checksumValid?: boolean;
}

export function parseIpv4(buf: Buffer): Ipv4Packet {
  requireLength('ipv4', buf, IPV4_MIN_HEADER);
  const version = buf[Offset.verIhl]! >> 4;
  const headerLen = (buf[Offset.verIhl]! & 0xf) * 4;
  if (version !== 4) throw new MalformedPacket('ipv4', `version ${version}`);
  if (headerLen < IPV4_MIN_HEADER) throw new MalformedPacket('ipv4', `header length ${headerLen} < 20`);
  const totalLength = buf.readUInt16BE(Offset.totalLength);
  if (totalLength < headerLen) throw new MalformedPacket('ipv4', `total length ${totalLength} < header length ${headerLen}`);
  if (totalLength > buf.length) throw new MalformedPacket('ipv4', `total length ${totalLength} > ${buf.length} bytes present`);
  const flagsFrag = buf.readUInt16BE(Offset.flagsFrag);
  return {
    dscp: buf[Offset.tos]! >> 2,
    ecn: buf[Offset.tos]! & 3,
    id: buf.readUInt16BE(Offset.id),
    dontFragment: (flagsFrag & 0x4000) !== 0,
    moreFragments: (flagsFrag & 0x2000) !== 0,
    fragmentOffset: (flagsFrag & 0x1fff) * 8,
    ttl: buf[Offset.ttl]!,
    protocol: buf[Offset.protocol]!,
    src: ipv4FromBytes(buf.subarray(Offset.src)),
    dst: ipv4FromBytes(buf.subarray(Offset.dst)),
    options: buf.subarray(IPV4_MIN_HEADER, headerLen),
    payload: buf.subarray(headerLen, totalLength), // trailing Ethernet padding is not payload
    checksum: buf.readUInt16BE(Offset.checksum),
    checksumValid: internetChecksum(buf.subarray(0, headerLen)) === 0,
  };
}

export function buildIpv4(p: Ipv4Packet): Buffer {
  if (p.options.length % 4) throw new RangeError('IPv4 options must be a multiple of 4 bytes');
  const headerLen = IPV4_MIN_HEADER + p.options.length;
  const out = Buffer.alloc(headerLen + p.payload.length);
  out[Offset.verIhl] = 0x40 | (headerLen / 4);
  out[Offset.tos] = (p.dscp << 2) | p.ecn;
  out.writeUInt16BE(out.length, Offset.totalLength);
  out.writeUInt16BE(p.id, Offset.id);
  out.writeUInt16BE((p.dontFragment ? 0x4000 : 0) | (p.moreFragments ? 0x2000 : 0) | (p.fragmentOffset / 8), Offset.flagsFrag);
  out[Offset.ttl] = p.ttl;
  out[Offset.protocol] = p.protocol;
  ipv4ToBytes(p.src).copy(out, Offset.src);
  ipv4ToBytes(p.dst).copy(out, Offset.dst);
  p.options.copy(out, IPV4_MIN_HEADER);
  out.writeUInt16BE(internetChecksum(out.subarray(0, headerLen)), Offset.checksum);
  p.payload.copy(out, headerLen);
  return out;
}
