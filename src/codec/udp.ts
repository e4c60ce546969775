import { MalformedPacket, requireLength } from './errors';
import { IpProto } from './ipv4';
import { segmentChecksum, type IpEndpoints } from './pseudo-header';

export const UDP_HEADER_LEN = 8;
const Offset = { srcPort: 0, dstPort: 2, length: 4, checksum: 6 } as const;

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  payload: Buffer;
  checksum?: number; // parsed only
}

export function parseUdp(buf: Buffer): UdpDatagram {
  requireLength('udp', buf, UDP_HEADER_LEN);
  const length = buf.readUInt16BE(Offset.length);
  if (length < UDP_HEADER_LEN || length > buf.length)
    throw new MalformedPacket('udp', `length field ${length} outside 8..${buf.length}`);
  return {
    srcPort: buf.readUInt16BE(Offset.srcPort),
    dstPort: buf.readUInt16BE(Offset.dstPort),
    checksum: buf.readUInt16BE(Offset.checksum),
    payload: buf.subarray(UDP_HEADER_LEN, length),
  };
}

/** True when the checksum verifies (or, over IPv4, is absent: 0). */
export function udpChecksumValid(buf: Buffer, ip: IpEndpoints): boolean {
  if (buf.readUInt16BE(Offset.checksum) === 0 && !ip.src.includes(':')) return true;
  return segmentChecksum(ip, IpProto.UDP, buf.subarray(0, buf.readUInt16BE(Offset.length))) === 0;
}

export function buildUdp(d: UdpDatagram, ip: IpEndpoints): Buffer {
  const out = Buffer.alloc(UDP_HEADER_LEN + d.payload.length);
  out.writeUInt16BE(d.srcPort, Offset.srcPort);
  out.writeUInt16BE(d.dstPort, Offset.dstPort);
  out.writeUInt16BE(out.length, Offset.length);
  d.payload.copy(out, UDP_HEADER_LEN);
  const sum = segmentChecksum(ip, IpProto.UDP, out);
  out.writeUInt16BE(sum === 0 ? 0xffff : sum, Offset.checksum); // 0 means "none" in UDP
  return out;
}
