import { isIPv6 } from 'node:net';
import { ipv4ToBytes, ipv6ToBytes } from './address';
import { l4Checksum } from './checksum';

/** The addresses an L4 checksum covers: IPv4 or IPv6, told apart by their text. */
export interface IpEndpoints {
  src: string;
  dst: string;
}

function toBytes(ip: string): Buffer {
  return isIPv6(ip) ? ipv6ToBytes(ip) : ipv4ToBytes(ip);
}

export function segmentChecksum(ip: IpEndpoints, protocol: number, segment: Uint8Array): number {
  return l4Checksum(toBytes(ip.src), toBytes(ip.dst), protocol, segment);
}
