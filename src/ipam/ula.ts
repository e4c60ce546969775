import { createHash } from 'node:crypto';
import { bigintToIp } from './cidr';

/**
 * A unique local IPv6 /64 (RFC 4193: fd00::/8, a 40-bit global id, a subnet
 * id) derived from the network id, for `--ipv6` without `--subnet`: stable
 * for a network, different between networks.
 */
export function ulaSubnetFor(networkId: string): string {
  const h = createHash('sha256').update(networkId).digest();
  let v = 0xfdn;
  for (let i = 0; i < 7; i++) v = (v << 8n) | BigInt(h[i]!); // 40-bit global id + 16-bit subnet id
  return `${bigintToIp(v << 64n, 6)}/64`;
}
