import { isIP } from 'node:net';
import { ipv4ToBytes, ipv6FromBytes, ipv6ToBytes } from '../codec/address';
import { IpamError } from './errors';

/**
 * IPv4 and IPv6 prefixes as bigints, so one set of arithmetic serves both
 * families: containment, overlap, the n-th address, iteration.
 */
export interface Cidr {
  family: 4 | 6;
  /** Network address (host bits zero). */
  base: bigint;
  prefix: number;
}


const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);

export function ipToBigint(ip: string): bigint {
  const family = isIP(ip);
  if (family === 4) return BigInt(ipv4ToBytes(ip).readUInt32BE(0));
  if (family === 6) return BigInt(`0x${ipv6ToBytes(ip).toString('hex')}`);
  throw new IpamError('invalid', `"${ip}" is not an IP address`);
}

export function bigintToIp(value: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => Number((value >> s) & 0xffn)).join('.');
  return ipv6FromBytes(Buffer.from(value.toString(16).padStart(32, '0'), 'hex'));
}

export function familyOf(ip: string): 4 | 6 {
  const f = isIP(ip);
  if (f === 0) throw new IpamError('invalid', `"${ip}" is not an IP address`);
  return f as 4 | 6;
}

/** Parses "a.b.c.d/len" or "v6/len". With strict, host bits must be zero (as Docker requires of --subnet). */
/** "10.0.0.2/24" -> "10.0.0.2": the address of a CIDR as the runtimes write an interface's (an address alone is returned as is). */
export function hostPart(cidrOrIp: string): string {
  return cidrOrIp.split('/')[0]!;
}

export function parseCidr(text: string, opts: { strict?: boolean } = {}): Cidr {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? '' : text.slice(0, slash);
  const len = slash < 0 ? '' : text.slice(slash + 1);
  const family = isIP(ip);
  if (!family || !/^\d{1,3}$/.test(len) || Number(len) > bits(family as 4 | 6))
    throw new IpamError('invalid', `"${text}" is not a CIDR (for example 172.18.0.0/16 or 2001:db8:1::/64)`);
  const f = family as 4 | 6;
  const prefix = Number(len);
  const value = ipToBigint(ip);
  const base = value & mask(f, prefix);
  if (opts.strict && base !== value) throw new IpamError('invalid', `"${text}" has host bits set; did you mean ${bigintToIp(base, f)}/${prefix}?`);
  return { family: f, base, prefix };
}

function mask(family: 4 | 6, prefix: number): bigint {
  const total = bits(family);
  return ((1n << BigInt(prefix)) - 1n) << BigInt(total - prefix);
}

export function formatCidr(c: Cidr): string {
  return `${bigintToIp(c.base, c.family)}/${c.prefix}`;
}

export function size(c: Cidr): bigint {
  return 1n << BigInt(bits(c.family) - c.prefix);
}

export function last(c: Cidr): bigint {
  return c.base + size(c) - 1n;
}

export function contains(c: Cidr, ip: string | bigint): boolean {
  if (typeof ip === 'string') {
    if (familyOf(ip) !== c.family) return false;
    ip = ipToBigint(ip);
  }
  return ip >= c.base && ip <= last(c);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.base <= last(b) && b.base <= last(a);
}

/** Is `inner` entirely within `outer`? */
export function within(inner: Cidr, outer: Cidr): boolean {
  return inner.family === outer.family && inner.prefix >= outer.prefix && contains(outer, inner.base);
}
