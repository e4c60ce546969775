import { describe, expect, it } from 'vitest';
import { IpProto, buildIpv4, buildIpv6, ipv6FromBytes, ipv6ToBytes, parseIpv4, parseIpv6 } from '../../src/codec';
import { ICMP6_ECHO, ICMP_ECHO } from './golden';

describe('ipv4', () => {
  const packet = ICMP_ECHO.subarray(14);

  it('parses the header, verifies the checksum, and builds the same bytes', () => {
    const p = parseIpv4(packet);
    expect(p).toMatchObject({ ttl: 64, protocol: IpProto.ICMP, src: '192.0.2.1', dst: '192.0.2.2', id: 0xf711, dontFragment: true, checksum: 0xbfc3, checksumValid: true });
    expect(buildIpv4(p)).toEqual(packet);
  });

  it('matches the textbook example header checksum (0xb861)', () => {
    const header = Buffer.from('450000730000400040110000c0a80001c0a800c7', 'hex');
    const p = buildIpv4({ ...parseIpv4(Buffer.concat([header, Buffer.alloc(0x73 - 20)])), payload: Buffer.alloc(0x73 - 20) });
    expect(p.readUInt16BE(10)).toBe(0xb861);
  });

  it('ignores Ethernet padding after total length', () => {
    const padded = Buffer.concat([packet, Buffer.alloc(10)]);
    expect(parseIpv4(padded).payload.length).toBe(16);
  });

  it('flags a bad checksum and rejects malformed headers', () => {
    const bad = Buffer.from(packet);
    bad[8] = 63; // TTL changed, checksum not
    expect(parseIpv4(bad).checksumValid).toBe(false);
    expect(() => parseIpv4(packet.subarray(0, 19))).toThrow(/need at least 20/);
    const v6 = Buffer.from(packet);
    v6[0] = 0x65;
    expect(() => parseIpv4(v6)).toThrow(/version 6/);
    const ihl = Buffer.from(packet);
    ihl[0] = 0x44;
    expect(() => parseIpv4(ihl)).toThrow(/header length 16/);
    expect(() => parseIpv4(packet.subarray(0, 30))).toThrow(/total length 36 > 30/);
  });
});

describe('ipv6', () => {
  const packet = ICMP6_ECHO.subarray(14);

  it('parses the header and builds the same bytes', () => {
    const p = parseIpv6(packet);
    expect(p).toEqual({
      trafficClass: 0,
      flowLabel: 0x83355,
      nextHeader: IpProto.ICMPv6,
      hopLimit: 64,
      src: '2001:db8::1',
      dst: '2001:db8::2',
      payload: packet.subarray(40),
    });
    expect(buildIpv6(p)).toEqual(packet);
  });

  it('rejects truncated packets and wrong versions', () => {
    expect(() => parseIpv6(packet.subarray(0, 39))).toThrow(/need at least 40/);
    expect(() => parseIpv6(packet.subarray(0, 50))).toThrow(/payload length 16 > 10/);
    const v4 = Buffer.from(packet);
    v4[0] = 0x40;
    expect(() => parseIpv6(v4)).toThrow(/version 4/);
  });

  it('writes addresses in RFC 5952 form', () => {
    for (const a of ['::', '::1', '2001:db8::', 'fe80::1:0:0:1', '2001:db8:0:1:1:1:1:1', '1:0:0:2:0:0:0:3'])
      expect(ipv6FromBytes(ipv6ToBytes(a))).toBe(a === '1:0:0:2:0:0:0:3' ? '1:0:0:2::3' : a);
    expect(ipv6FromBytes(ipv6ToBytes('::ffff:192.0.2.1'))).toBe('::ffff:c000:201');
  });
});
