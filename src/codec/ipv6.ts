import { ipv6FromBytes, ipv6ToBytes } from './address';
import { MalformedPacket, requireLength } from './errors';

export const IPV6_HEADER_LEN = 40;
const Offset = { verTcFlow: 0, payloadLength: 4, nextHeader: 6, hopLimit: 7, src: 8, dst: 24 } as const;

export interface Ipv6Packet {
  trafficClass: number;
  flowLabel: number;
  nextHeader: number;
  hopLimit: number;
  src: string;
  dst: string;
  payload: Buffer;
}

export function parseIpv6(buf: Buffer): Ipv6Packet {
  requireLength('ipv6', buf, IPV6_HEADER_LEN);
  const word = buf.readUInt32BE(Offset.verTcFlow);
  if (word >>> 28 !== 6) throw new MalformedPacket('ipv6', `version ${word >>> 28}`);
  const payloadLength = buf.readUInt16BE(Offset.payloadLength);
  if (IPV6_HEADER_LEN + payloadLength > buf.length)
    throw new MalformedPacket('ipv6', `payload length ${payloadLength} > ${buf.length - IPV6_HEADER_LEN} bytes present`);
  return {
    trafficClass: (word >>> 20) & 0xff,
    flowLabel: word & 0xfffff,
    nextHeader: buf[Offset.nextHeader]!,
    hopLimit: buf[Offset.hopLimit]!,
    src: ipv6FromBytes(buf.subarray(Offset.src, Offset.src + 16)),
    dst: ipv6FromBytes(buf.subarray(Offset.dst, Offset.dst + 16)),
    payload: buf.subarray(IPV6_HEADER_LEN, IPV6_HEADER_LEN + payloadLength),
  };
}

export function buildIpv6(p: Ipv6Packet): Buffer {
  const out = Buffer.alloc(IPV6_HEADER_LEN + p.payload.length);
  out.writeUInt32BE(((6 << 28) | (p.trafficClass << 20) | p.flowLabel) >>> 0, Offset.verTcFlow);
  out.writeUInt16BE(p.payload.length, Offset.payloadLength);
  out[Offset.nextHeader] = p.nextHeader;
  out[Offset.hopLimit] = p.hopLimit;
  ipv6ToBytes(p.src).copy(out, Offset.src);
  ipv6ToBytes(p.dst).copy(out, Offset.dst);
  p.payload.copy(out, IPV6_HEADER_LEN);
  return out;
}
