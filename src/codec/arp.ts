import { ipv4FromBytes, ipv4ToBytes, macFromBytes, macToBytes } from './address';
import { MalformedPacket, requireLength } from './errors';

/** ARP for IPv4 over Ethernet (RFC 826): the only kind a container network sees. */
export const ArpOp = { Request: 1, Reply: 2 } as const;
export const ARP_LEN = 28;
const Offset = { htype: 0, ptype: 2, hlen: 4, plen: 5, op: 6, sha: 8, spa: 14, tha: 18, tpa: 24 } as const;

export interface ArpPacket {
  op: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

export function parseArp(buf: Buffer): ArpPacket {
  requireLength('arp', buf, ARP_LEN);
  if (buf.readUInt16BE(Offset.htype) !== 1 || buf.readUInt16BE(Offset.ptype) !== 0x0800)
    throw new MalformedPacket('arp', 'not Ethernet/IPv4 (htype 1, ptype 0x0800)');
  if (buf[Offset.hlen] !== 6 || buf[Offset.plen] !== 4) throw new MalformedPacket('arp', 'address lengths are not 6 and 4');
  return {
    op: buf.readUInt16BE(Offset.op),
    senderMac: macFromBytes(buf.subarray(Offset.sha)),
    senderIp: ipv4FromBytes(buf.subarray(Offset.spa)),
    targetMac: macFromBytes(buf.subarray(Offset.tha)),
    targetIp: ipv4FromBytes(buf.subarray(Offset.tpa)),
  };
}

export function buildArp(p: ArpPacket): Buffer {
  const out = Buffer.alloc(ARP_LEN);
  out.writeUInt16BE(1, Offset.htype);
  out.writeUInt16BE(0x0800, Offset.ptype);
  out[Offset.hlen] = 6;
  out[Offset.plen] = 4;
  out.writeUInt16BE(p.op, Offset.op);
  macToBytes(p.senderMac).copy(out, Offset.sha);
  ipv4ToBytes(p.senderIp).copy(out, Offset.spa);
  macToBytes(p.targetMac).copy(out, Offset.tha);
  ipv4ToBytes(p.targetIp).copy(out, Offset.tpa);
  return out;
}
