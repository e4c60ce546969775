import { internetChecksum } from './checksum';
import { requireLength } from './errors';
import { IpProto } from './ipv4';
import { segmentChecksum, type IpEndpoints } from './pseudo-header';

/**
 * ICMP for IPv4 (RFC 792) and ICMPv6 (RFC 4443) share a layout: type, code,
 * checksum, four type-specific bytes, then the body. ICMPv6's checksum also
 * covers the IPv6 pseudo-header, so building one needs the addresses.
 */
export const ICMP_HEADER_LEN = 8;
const Offset = { type: 0, code: 1, checksum: 2, rest: 4 } as const;
export const IcmpType = { EchoReply: 0, DestUnreachable: 3, EchoRequest: 8, TimeExceeded: 11 } as const;
export const Icmpv6Type = { DestUnreachable: 1, PacketTooBig: 2, TimeExceeded: 3, EchoRequest: 128, EchoReply: 129 } as const;

export interface IcmpMessage {
  type: number;
  code: number;
  rest: Buffer; // 4 bytes: identifier and sequence for echo, MTU for "too big", ...
  body: Buffer;
  checksum?: number; // parsed only
}

export function parseIcmp(buf: Buffer): IcmpMessage {
  requireLength('icmp', buf, ICMP_HEADER_LEN);
  return {
    type: buf[Offset.type]!,
    code: buf[Offset.code]!,
    checksum: buf.readUInt16BE(Offset.checksum),
    rest: buf.subarray(Offset.rest, ICMP_HEADER_LEN),
    body: buf.subarray(ICMP_HEADER_LEN),
  };
}

/** Builds ICMPv4, or ICMPv6 when `ipv6` gives the addresses for its pseudo-header. */
export function buildIcmp(m: IcmpMessage, ipv6?: IpEndpoints): Buffer {
  const out = Buffer.alloc(ICMP_HEADER_LEN + m.body.length);
  out[Offset.type] = m.type;
  out[Offset.code] = m.code;
  m.rest.copy(out, Offset.rest, 0, 4);
  m.body.copy(out, ICMP_HEADER_LEN);
  const sum = ipv6 ? segmentChecksum(ipv6, IpProto.ICMPv6, out) : internetChecksum(out);
  out.writeUInt16BE(sum, Offset.checksum);
  return out;
}

export function echoRest(identifier: number, sequence: number): Buffer {
  const rest = Buffer.alloc(4);
  rest.writeUInt16BE(identifier, 0);
  rest.writeUInt16BE(sequence, 2);
  return rest;
}
