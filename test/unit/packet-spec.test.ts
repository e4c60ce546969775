import { describe, expect, it } from 'vitest';
import { IpProto, TcpFlag, parseEthernet, parseIpv4, parseIpv6, parseTcp, parseUdp, tcpChecksumValid, udpChecksumValid, parseArp, parseIcmp } from '../../src/codec';
import { buildPacket, parsePacketSpec } from '../../src/trace/packet-spec';

const ctx = { srcMac: '02:42:0a:46:00:02', nextHopMac: (ip: string) => (ip.startsWith('10.70.') ? '02:42:0a:46:00:03' : '02:00:00:00:00:fe') };

/** The one-line packets of `ferry trace --inject`: parsed, built, and read back by the codecs. */
describe('packet specs', () => {
  it('builds a TCP SYN through the gateway, with a checksum the codec verifies', () => {
    const f = parseEthernet(buildPacket(parsePacketSpec('tcp 10.70.0.2:40000 > 198.51.100.1:80 syn'), ctx));
    expect([f.src, f.dst, f.etherType]).toEqual(['02:42:0a:46:00:02', '02:00:00:00:00:fe', 0x0800]);
    const ip = parseIpv4(f.payload);
    expect([ip.src, ip.dst, ip.ttl, ip.protocol, ip.checksumValid]).toEqual(['10.70.0.2', '198.51.100.1', 64, IpProto.TCP, true]);
    const tcp = parseTcp(ip.payload);
    expect([tcp.srcPort, tcp.dstPort, tcp.flags]).toEqual([40000, 80, TcpFlag.SYN]);
    expect(tcpChecksumValid(ip.payload, ip)).toBe(true);
  });

  it('takes flags, options, IPv6 endpoints and an explicit Ethernet header', () => {
    const s = parsePacketSpec('eth 02:00:00:00:00:01 > 02:00:00:00:00:02 tcp [2001:db8::2]:1 > [2001:db8::1]:2 syn,ack ttl 3 len 100 vlan 50');
    const f = parseEthernet(buildPacket(s, ctx));
    expect([f.src, f.dst, f.vlan?.id, f.etherType]).toEqual(['02:00:00:00:00:01', '02:00:00:00:00:02', 50, 0x86dd]);
    const ip = parseIpv6(f.payload);
    expect([ip.src, ip.dst, ip.hopLimit, ip.nextHeader]).toEqual(['2001:db8::2', '2001:db8::1', 3, IpProto.TCP]);
    const tcp = parseTcp(ip.payload);
    expect([tcp.flags, tcp.payload.length]).toEqual([TcpFlag.SYN | TcpFlag.ACK, 100]);
    expect(tcpChecksumValid(ip.payload, ip)).toBe(true);
  });

  it('builds UDP on the link, ICMP echo, an ARP request and a raw IP packet', () => {
    const udp = parseIpv4(parseEthernet(buildPacket(parsePacketSpec('udp 10.70.0.2:5353 > 10.70.0.3:53 len 12 df'), ctx)).payload);
    expect(udp.dontFragment).toBe(true);
    expect(parseUdp(udp.payload).payload.length).toBe(12);
    expect(udpChecksumValid(udp.payload, udp)).toBe(true);
    const echo = parseIcmp(parseIpv4(parseEthernet(buildPacket(parsePacketSpec('icmp 10.70.0.2 > 10.70.0.3 echo id 7'), ctx)).payload).payload);
    expect([echo.type, echo.rest.readUInt16BE(0)]).toEqual([8, 7]);
    const arpFrame = parseEthernet(buildPacket(parsePacketSpec('arp who-has 10.70.0.1 tell 10.70.0.2'), ctx));
    expect(arpFrame.dst).toBe('ff:ff:ff:ff:ff:ff');
    expect(parseArp(arpFrame.payload)).toMatchObject({ op: 1, senderIp: '10.70.0.2', targetIp: '10.70.0.1', senderMac: ctx.srcMac });
    expect(parseIpv4(parseEthernet(buildPacket(parsePacketSpec('ip 10.70.0.2 > 198.51.100.1 proto 47'), ctx)).payload).protocol).toBe(47);
    expect(parseEthernet(buildPacket(parsePacketSpec('eth 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff type 0x88b5'), ctx)).etherType).toBe(0x88b5);
  });

  it.each([
    ['tcp 10.0.0.1 > 10.0.0.2:80', /"10\.0\.0\.1" is not ADDRESS:PORT/],
    ['tcp 10.0.0.1:1 > [2001:db8::1]:2', /are not of one IP version/],
    ['udp 10.0.0.1:1 > 10.0.0.2:70000', /a port must be a number from 0 to 65535 \(got "70000"\)/],
    ['icmp 10.0.0.1 > nowhere', /"nowhere" is not an IP address/],
    ['ip 2001:db8::1 > 2001:db8::2', /ip takes IPv4 addresses/],
    ['arp who-has 10.0.0.1', /expected arp who-has IP tell IP/],
    ['tcp 10.0.0.1:1 > 10.0.0.2:2 ttl 300', /ttl must be a number from 0 to 255/],
    ['tcp 10.0.0.1:1 > 10.0.0.2:2 bogus', /unknown option "bogus" \(accepted: ttl N, len N, id N, vlan N, df\)/],
    ['sctp 10.0.0.1:1 > 10.0.0.2:2', /unknown packet kind "sctp"; expected one of: tcp\|udp SRC:PORT > DST:PORT/],
    ['', /unknown packet kind ""/],
  ])('refuses %j', (spec, why) => {
    expect(() => parsePacketSpec(spec)).toThrow(why);
  });
});
