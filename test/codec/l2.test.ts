import { describe, expect, it } from 'vitest';
import { ArpOp, EtherType, MalformedPacket, buildArp, buildEthernet, parseArp, parseEthernet } from '../../src/codec';
import { ARP_REQUEST, A_MAC, B_MAC, ICMP_ECHO, ICMP_ECHO_TAGGED } from './golden';

describe('ethernet', () => {
  it('parses an untagged frame and builds the same bytes', () => {
    const f = parseEthernet(ICMP_ECHO);
    expect(f).toMatchObject({ dst: B_MAC, src: A_MAC, etherType: EtherType.IPv4 });
    expect(f.vlan).toBeUndefined();
    expect(f.payload.length).toBe(ICMP_ECHO.length - 14);
    expect(buildEthernet(f)).toEqual(ICMP_ECHO);
  });

  it('parses an 802.1Q tag and builds the same bytes', () => {
    const f = parseEthernet(ICMP_ECHO_TAGGED);
    expect(f.vlan).toEqual({ tpid: 0x8100, pcp: 5, dei: false, id: 10 });
    expect(f.etherType).toBe(EtherType.IPv4);
    expect(f.payload).toEqual(ICMP_ECHO.subarray(14));
    expect(buildEthernet(f)).toEqual(ICMP_ECHO_TAGGED);
  });

  it('rejects truncated headers and 802.3 length fields', () => {
    expect(() => parseEthernet(ICMP_ECHO.subarray(0, 13))).toThrow(MalformedPacket);
    expect(() => parseEthernet(ICMP_ECHO_TAGGED.subarray(0, 17))).toThrow(/802.1Q tag: 17 bytes, need at least 18/);
    const dot3 = Buffer.from(ICMP_ECHO);
    dot3.writeUInt16BE(100, 12);
    expect(() => parseEthernet(dot3)).toThrow(/length field 100/);
  });

  it('refuses a VLAN id outside 12 bits', () => {
    const f = parseEthernet(ICMP_ECHO_TAGGED);
    expect(() => buildEthernet({ ...f, vlan: { ...f.vlan!, id: 4096 } })).toThrow(/outside 0..4095/);
  });
});

describe('arp', () => {
  const payload = ARP_REQUEST.subarray(14);

  it('parses a request and builds the same bytes', () => {
    const a = parseArp(payload);
    expect(a).toEqual({ op: ArpOp.Request, senderMac: A_MAC, senderIp: '192.0.2.1', targetMac: '00:00:00:00:00:00', targetIp: '192.0.2.2' });
    expect(buildArp(a)).toEqual(payload);
  });

  it('rejects short packets and other hardware/protocol types', () => {
    expect(() => parseArp(payload.subarray(0, 27))).toThrow(/28/);
    const ipx = Buffer.from(payload);
    ipx.writeUInt16BE(0x8137, 2);
    expect(() => parseArp(ipx)).toThrow(/not Ethernet\/IPv4/);
    const lens = Buffer.from(payload);
    lens[4] = 8;
    expect(() => parseArp(lens)).toThrow(/address lengths/);
  });
});
