import { MalformedPacket, requireLength } from './errors';
import { IpProto } from './ipv4';
import { segmentChecksum, type IpEndpoints } from './pseudo-header';

export const TCP_MIN_HEADER = 20;
const Offset = { srcPort: 0, dstPort: 2, seq: 4, ack: 8, offsetFlags: 12, window: 14, checksum: 16, urgent: 18 } as const;
export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  urgent: number;
  options: Buffer;
  payload: Buffer;
  checksum?: number; // parsed only
}

export function parseTcp(buf: Buffer): TcpSegment {
  requireLength('tcp', buf, TCP_MIN_HEADER);
  const headerLen = (buf[Offset.offsetFlags]! >> 4) * 4;
  if (headerLen < TCP_MIN_HEADER) throw new MalformedPacket('tcp', `data offset ${headerLen} < 20`);
  if (headerLen > buf.length) throw new MalformedPacket('tcp', `data offset ${headerLen} > ${buf.length} bytes present`);
  return {
    srcPort: buf.readUInt16BE(Offset.srcPort),
    dstPort: buf.readUInt16BE(Offset.dstPort),
    seq: buf.readUInt32BE(Offset.seq),
    ack: buf.readUInt32BE(Offset.ack),
    flags: buf[Offset.offsetFlags + 1]!,
    window: buf.readUInt16BE(Offset.window),
    checksum: buf.readUInt16BE(Offset.checksum),
    urgent: buf.readUInt16BE(Offset.urgent),
    options: buf.subarray(TCP_MIN_HEADER, headerLen),
    payload: buf.subarray(headerLen),
  };
}

export function tcpChecksumValid(segment: Buffer, ip: IpEndpoints): boolean {
  return segmentChecksum(ip, IpProto.TCP, segment) === 0;
}

export function buildTcp(s: TcpSegment, ip: IpEndpoints): Buffer {
  if (s.options.length % 4) throw new RangeError('TCP options must be padded to a multiple of 4 bytes');
  const headerLen = TCP_MIN_HEADER + s.options.length;
  const out = Buffer.alloc(headerLen + s.payload.length);
  out.writeUInt16BE(s.srcPort, Offset.srcPort);
  out.writeUInt16BE(s.dstPort, Offset.dstPort);
  out.writeUInt32BE(s.seq >>> 0, Offset.seq);
  out.writeUInt32BE(s.ack >>> 0, Offset.ack);
  out[Offset.offsetFlags] = (headerLen / 4) << 4;
  out[Offset.offsetFlags + 1] = s.flags;
  out.writeUInt16BE(s.window, Offset.window);
  out.writeUInt16BE(s.urgent, Offset.urgent);
  s.options.copy(out, TCP_MIN_HEADER);
  s.payload.copy(out, headerLen);
  out.writeUInt16BE(segmentChecksum(ip, IpProto.TCP, out), Offset.checksum);
  return out;
}
