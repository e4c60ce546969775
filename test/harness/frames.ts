import {
  ArpOp,
  BROADCAST_MAC,
  EtherType,
  IpProto,
  buildArp,
  buildEthernet,
  buildIpv4,
  buildUdp,
  parseEthernet,
} from '../../src/codec';

/** Frames for tests, built with Ferry's own codecs (which are tested against captured bytes). */

export function arpRequest(srcMac: string, srcIp: string, targetIp: string): Buffer {
  return buildEthernet({
    dst: BROADCAST_MAC,
    src: srcMac,
    etherType: EtherType.ARP,
    payload: buildArp({ op: ArpOp.Request, senderMac: srcMac, senderIp: srcIp, targetMac: '00:00:00:00:00:00', targetIp }),
  });
}

export function udpFrame(dst: string, src: string, payload: Buffer | string = 'ferry', ip = { src: '192.0.2.101', dst: '192.0.2.102' }): Buffer {
  const udp = buildUdp({ srcPort: 40000, dstPort: 9, payload: Buffer.from(payload) }, ip);
  const ipv4 = buildIpv4({
    dscp: 0, ecn: 0, id: 1, dontFragment: true, moreFragments: false, fragmentOffset: 0,
    ttl: 64, protocol: IpProto.UDP, src: ip.src, dst: ip.dst, options: Buffer.alloc(0), payload: udp,
  });
  return buildEthernet({ dst, src, etherType: EtherType.IPv4, payload: ipv4 });
}

/** Does any frame in the list carry this payload marker? */
export function carries(frames: Buffer[], marker: string): boolean {
  return frames.some((f) => f.includes(Buffer.from(marker)));
}

export function sources(frames: Buffer[]): string[] {
  return frames.map((f) => parseEthernet(f).src);
}
