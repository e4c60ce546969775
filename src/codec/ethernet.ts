import { macFromBytes, macToBytes } from './address';
import { MalformedPacket, requireLength } from './errors';

/** Ethernet II, with at most one 802.1Q (or 802.1ad) tag. */
export const EtherType = { IPv4: 0x0800, ARP: 0x0806, VLAN: 0x8100, QinQ: 0x88a8, IPv6: 0x86dd } as const;

export const ETH_HEADER_LEN = 14;
export const VLAN_TAG_LEN = 4;
const Offset = { dst: 0, src: 6, type: 12, tci: 14, innerType: 16 } as const;

export interface VlanTag {
  tpid: number; // 0x8100 or 0x88a8
  pcp: number; // priority, 3 bits
  dei: boolean;
  id: number; // 12 bits
}

export interface EthernetFrame {
  dst: string;
  src: string;
  vlan?: VlanTag;
  etherType: number;
  payload: Buffer;
}

export function parseEthernet(buf: Buffer): EthernetFrame {
  requireLength('ethernet', buf, ETH_HEADER_LEN);
  const outer = buf.readUInt16BE(Offset.type);
  const base = { dst: macFromBytes(buf.subarray(Offset.dst)), src: macFromBytes(buf.subarray(Offset.src)) };
  if (outer !== EtherType.VLAN && outer !== EtherType.QinQ) {
    if (outer < 0x0600) throw new MalformedPacket('ethernet', `length field ${outer} (802.3 frames are not carried)`);
    return { ...base, etherType: outer, payload: buf.subarray(ETH_HEADER_LEN) };
  }
  requireLength('802.1Q tag', buf, ETH_HEADER_LEN + VLAN_TAG_LEN);
  const tci = buf.readUInt16BE(Offset.tci);
  return {
    ...base,
    vlan: { tpid: outer, pcp: tci >> 13, dei: (tci & 0x1000) !== 0, id: tci & 0xfff },
    etherType: buf.readUInt16BE(Offset.innerType),
    payload: buf.subarray(ETH_HEADER_LEN + VLAN_TAG_LEN),
  };
}

export function buildEthernet(f: EthernetFrame): Buffer {
  const tagLen = f.vlan ? VLAN_TAG_LEN : 0;
  const out = Buffer.alloc(ETH_HEADER_LEN + tagLen + f.payload.length);
  macToBytes(f.dst).copy(out, Offset.dst);
  macToBytes(f.src).copy(out, Offset.src);
  if (f.vlan) {
    if (f.vlan.id < 0 || f.vlan.id > 0xfff) throw new RangeError(`VLAN id ${f.vlan.id} is outside 0..4095`);
    out.writeUInt16BE(f.vlan.tpid, Offset.type);
    out.writeUInt16BE((f.vlan.pcp << 13) | (f.vlan.dei ? 0x1000 : 0) | f.vlan.id, Offset.tci);
  }
  out.writeUInt16BE(f.etherType, Offset.type + tagLen);
  f.payload.copy(out, ETH_HEADER_LEN + tagLen);
  return out;
}
