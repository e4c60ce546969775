/**
 * pcapng (draft-ietf-opsawg-pcapng), the blocks `ferry capture` writes: a
 * section header, one interface description per port, and an enhanced
 * packet block per frame with its direction (epb_flags) and, for a frame
 * the data plane dropped, the reason as a comment. Timestamps are in
 * nanoseconds (if_tsresol 9). Little-endian, as the machine that writes it.
 */

const BlockType = { SHB: 0x0a0d0d0a, IDB: 0x00000001, EPB: 0x00000006 } as const;
const LINKTYPE_ETHERNET = 1;
const Option = { endOfOpt: 0, comment: 1, ifName: 2, ifDescription: 3, ifTsresol: 9, shbUserAppl: 4, epbFlags: 2 } as const;

export type Direction = 'in' | 'out' | 'dropped';

function option(code: number, value: Buffer): Buffer {
  const out = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  out.writeUInt16LE(code, 0);
  out.writeUInt16LE(value.length, 2);
  value.copy(out, 4);
  return out;
}

function options(list: Buffer[]): Buffer {
  return list.length ? Buffer.concat([...list, option(Option.endOfOpt, Buffer.alloc(0))]) : Buffer.alloc(0);
}

function block(type: number, body: Buffer): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(out.length, 4);
  body.copy(out, 8);
  out.writeUInt32LE(out.length, out.length - 4);
  return out;
}

export function sectionHeader(application: string): Buffer {
  const fixed = Buffer.alloc(16);
  fixed.writeUInt32LE(0x1a2b3c4d, 0);
  fixed.writeUInt16LE(1, 4);
  fixed.writeUInt16LE(0, 6);
  fixed.writeBigInt64LE(-1n, 8); // section length unknown: it is written as it goes
  return block(BlockType.SHB, Buffer.concat([fixed, options([option(Option.shbUserAppl, Buffer.from(application))])]));
}

export function interfaceDescription(name: string, description: string, snaplen: number): Buffer {
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16LE(LINKTYPE_ETHERNET, 0);
  fixed.writeUInt32LE(snaplen, 4);
  const tsresol = Buffer.from([9]); // 10^-9 s
  return block(BlockType.IDB, Buffer.concat([fixed, options([option(Option.ifName, Buffer.from(name)), option(Option.ifDescription, Buffer.from(description)), option(Option.ifTsresol, tsresol)])]));
}

export function enhancedPacket(iface: number, tNs: bigint, frame: Buffer, origLen: number, direction: Direction, comment?: string): Buffer {
  const fixed = Buffer.alloc(20);
  fixed.writeUInt32LE(iface, 0);
  fixed.writeUInt32LE(Number(tNs >> 32n), 4);
  fixed.writeUInt32LE(Number(tNs & 0xffffffffn), 8);
  fixed.writeUInt32LE(frame.length, 12);
  fixed.writeUInt32LE(origLen, 16);
  const data = Buffer.alloc(Math.ceil(frame.length / 4) * 4);
  frame.copy(data);
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE(direction === 'out' ? 2 : 1, 0); // bits 0-1: 01 inbound, 10 outbound
  const opts = [option(Option.epbFlags, flags), ...(comment ? [option(Option.comment, Buffer.from(comment))] : [])];
  return block(BlockType.EPB, Buffer.concat([fixed, data, options(opts)]));
}

/** One frame as the native capture ring holds it (native/core/capture.h, CaptureRecord). */
export interface CapturedFrame {
  tNs: bigint;
  port: number;
  origLen: number;
  direction: Direction;
  dropReason: number;
  gsoType: number;
  gsoSize: number;
  frame: Buffer;
}

const RECORD = 32;
const DIRECTIONS: Record<number, Direction> = { 1: 'in', 2: 'out', 3: 'dropped' };

/** Splits what captureRead() returned into frames (records are 8-byte aligned). */
export function* capturedFrames(buf: Buffer): Generator<CapturedFrame> {
  let at = 0;
  while (at + RECORD <= buf.length) {
    const capLen = buf.readUInt32LE(at + 16);
    yield {
      tNs: buf.readBigUInt64LE(at),
      port: buf.readUInt32LE(at + 8),
      origLen: buf.readUInt32LE(at + 12),
      dropReason: buf.readUInt16LE(at + 20),
      direction: DIRECTIONS[buf[at + 22]!] ?? 'in',
      gsoType: buf[at + 23]!,
      gsoSize: buf.readUInt16LE(at + 24),
      frame: buf.subarray(at + RECORD, at + RECORD + capLen),
    };
    at += RECORD + Math.ceil(capLen / 8) * 8;
  }
}
