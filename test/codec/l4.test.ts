import { describe, expect, it } from 'vitest';
import {
  IcmpType,
  Icmpv6Type,
  TcpFlag,
  buildIcmp,
  buildTcp,
  buildUdp,
  echoRest,
  parseIcmp,
  parseIpv4,
  parseIpv6,
  parseTcp,
  parseUdp,
  tcpChecksumValid,
  udpChecksumValid,
  updateChecksum,
  updateChecksum16,
  ipv4ToBytes,
} from '../../src/codec';
import { ICMP6_ECHO, ICMP_ECHO, TCP_DATA, TCP_SYN, UDP4, UDP6 } from './golden';

const v4 = { src: '192.0.2.1', dst: '192.0.2.2' };
const v6 = { src: '2001:db8::1', dst: '2001:db8::2' };

describe('icmp', () => {
  it('parses an echo request and builds the same bytes (v4)', () => {
    const raw = parseIpv4(ICMP_ECHO.subarray(14)).payload;
    const m = parseIcmp(raw);
    expect(m).toMatchObject({ type: IcmpType.EchoRequest, code: 0, checksum: 0xdc76 });
    expect(m.rest).toEqual(echoRest(3960, 1));
    expect(buildIcmp(m)).toEqual(raw);
  });

  it('builds ICMPv6 with its pseudo-header checksum', () => {
    const raw = parseIpv6(ICMP6_ECHO.subarray(14)).payload;
    const m = parseIcmp(raw);
    expect(m).toMatchObject({ type: Icmpv6Type.EchoRequest, checksum: 0x08b6 });
    expect(buildIcmp(m, v6)).toEqual(raw);
  });

  it('rejects a truncated header', () => {
    expect(() => parseIcmp(Buffer.alloc(7))).toThrow(/need at least 8/);
  });
});

describe('udp', () => {
  it('parses and builds the same bytes over IPv4 and IPv6', () => {
    const raw4 = parseIpv4(UDP4.subarray(14)).payload;
    const d4 = parseUdp(raw4);
    expect(d4).toMatchObject({ srcPort: 40000, dstPort: 5353, checksum: 0x78ce });
    expect(d4.payload.toString()).toBe('ferry');
    expect(udpChecksumValid(raw4, v4)).toBe(true);
    expect(buildUdp(d4, v4)).toEqual(raw4);

    const raw6 = parseIpv6(UDP6.subarray(14)).payload;
    const d6 = parseUdp(raw6);
    expect(d6).toMatchObject({ srcPort: 40001, dstPort: 5354, checksum: 0xa123 });
    expect(buildUdp(d6, v6)).toEqual(raw6);
  });

  it('rejects bad lengths and detects a corrupted payload', () => {
    const raw = parseIpv4(UDP4.subarray(14)).payload;
    expect(() => parseUdp(raw.subarray(0, 7))).toThrow(/need at least 8/);
    expect(() => parseUdp(raw.subarray(0, 10))).toThrow(/length field 13 outside 8..10/);
    const corrupt = Buffer.from(raw);
    corrupt[9] ^= 0xff;
    expect(udpChecksumValid(corrupt, v4)).toBe(false);
  });
});

describe('tcp', () => {
  it('parses a SYN with options and builds the same bytes', () => {
    const raw = parseIpv4(TCP_SYN.subarray(14)).payload;
    const s = parseTcp(raw);
    expect(s).toMatchObject({ srcPort: 40002, dstPort: 8080, seq: 0x325ac0bd, ack: 0, flags: TcpFlag.SYN, window: 0xfaf0, checksum: 0x8a70 });
    expect(s.options.length).toBe(20);
    expect(tcpChecksumValid(raw, v4)).toBe(true);
    expect(buildTcp(s, v4)).toEqual(raw);
  });

  it('parses a data segment and builds the same bytes', () => {
    const raw = parseIpv4(TCP_DATA.subarray(14)).payload;
    const s = parseTcp(raw);
    expect(s.flags).toBe(TcpFlag.PSH | TcpFlag.ACK);
    expect(s.payload.toString()).toBe('ferry');
    expect(buildTcp(s, v4)).toEqual(raw);
  });

  it('rejects bad data offsets', () => {
    const raw = parseIpv4(TCP_SYN.subarray(14)).payload;
    expect(() => parseTcp(raw.subarray(0, 19))).toThrow(/need at least 20/);
    const small = Buffer.from(raw);
    small[12] = 0x40;
    expect(() => parseTcp(small)).toThrow(/data offset 16 < 20/);
    expect(() => parseTcp(raw.subarray(0, 30))).toThrow(/data offset 40 > 30/);
  });
});

describe('incremental checksum (RFC 1624)', () => {
  it('gives the same result as recomputing after a NAT-style address change', () => {
    const raw = Buffer.from(parseIpv4(TCP_DATA.subarray(14)).payload);
    const newSrc = '203.0.113.7';
    const updated = updateChecksum(raw.readUInt16BE(16), ipv4ToBytes(v4.src), ipv4ToBytes(newSrc));
    const recomputed = buildTcp(parseTcp(raw), { src: newSrc, dst: v4.dst }).readUInt16BE(16);
    expect(updated).toBe(recomputed);
  });

  it('changes a port the same way', () => {
    const raw = Buffer.from(parseIpv4(UDP4.subarray(14)).payload);
    const d = parseUdp(raw);
    const updated = updateChecksum16(d.checksum!, 40000, 61000);
    expect(updated).toBe(buildUdp({ ...d, srcPort: 61000 }, v4).readUInt16BE(6));
  });
});
