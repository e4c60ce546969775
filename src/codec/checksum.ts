/**
 * The Internet checksum (RFC 1071), full and incremental (RFC 1624).
 * One module for every header that needs it; the C++ fast path has its twin.
 */

/** One's-complement sum of 16-bit big-endian words, not folded or inverted. */
export function onesSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const end = data.length & ~1;
  for (let i = 0; i < end; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (data.length & 1) sum += data[data.length - 1]! << 8;
  return sum;
}

export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The value to store in a checksum field (the field itself zeroed while summing). */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) sum = fold(onesSum(p, sum));
  return ~fold(sum) & 0xffff;
}

/**
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for a 16-bit field changing from m to m'.
 * Never yields 0xffff from a valid checksum, unlike the older eqn. 2.
 */
export function updateChecksum16(checksum: number, oldWord: number, newWord: number): number {
  return ~fold((~checksum & 0xffff) + (~oldWord & 0xffff) + newWord) & 0xffff;
}

/** The same for a field of any even length (an address, say). */
export function updateChecksum(checksum: number, oldBytes: Uint8Array, newBytes: Uint8Array): number {
  if (oldBytes.length !== newBytes.length || oldBytes.length % 2) throw new RangeError('fields must have equal, even lengths');
  let c = checksum;
  for (let i = 0; i < oldBytes.length; i += 2) {
    c = updateChecksum16(c, (oldBytes[i]! << 8) | oldBytes[i + 1]!, (newBytes[i]! << 8) | newBytes[i + 1]!);
  }
  return c;
}

/** The pseudo-header sum for TCP/UDP/ICMPv6 over IPv4 (4-byte addresses) or IPv6 (16-byte). */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  let sum = onesSum(src) + onesSum(dst) + protocol;
  sum += src.length === 16 ? Math.floor(length / 0x10000) + (length & 0xffff) : length;
  return sum;
}

/** Checksum of an L4 segment (checksum field zeroed) with its pseudo-header. */
export function l4Checksum(src: Uint8Array, dst: Uint8Array, protocol: number, segment: Uint8Array): number {
  return ~fold(onesSum(segment, fold(pseudoHeaderSum(src, dst, protocol, segment.length)))) & 0xffff;
}
