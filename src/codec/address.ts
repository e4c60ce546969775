import { isIPv4, isIPv6 } from 'node:net';

/** MAC and IP addresses between text and bytes. */

export function macToBytes(mac: string): Buffer {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw new TypeError(`MAC "${mac}" is not of the form aa:bb:cc:dd:ee:ff`);
  return Buffer.from(mac.replace(/:/g, ''), 'hex');
}

export function macFromBytes(b: Uint8Array): string {
  return Buffer.from(b.subarray(0, 6)).toString('hex').replace(/(..)(?!$)/g, '$1:');
}

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

export function isGroupMac(mac: string): boolean {
  return (macToBytes(mac)[0]! & 1) === 1;
}

/**
 * A locally administered MAC made of two prefix octets and an IPv4 address:
 * unique per address and stable (Docker's containers long had 02:42:<address>).
 */
export function macFromIpv4(prefix: [number, number], ip: string): string {
  return macFromBytes(Buffer.from([...prefix, ...ipv4ToBytes(ip)]));
}

export function ipv4ToBytes(ip: string): Buffer {
  if (!isIPv4(ip)) throw new TypeError(`"${ip}" is not an IPv4 address`);
  return Buffer.from(ip.split('.').map(Number));
}

export function ipv4FromBytes(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

export function ipv6ToBytes(ip: string): Buffer {
  if (!isIPv6(ip)) throw new TypeError(`"${ip}" is not an IPv6 address`);
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = ipv4ToBytes(v4[1]!);
    text = text.slice(0, -v4[1]!.length) + `${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** RFC 5952 text: lower case, longest run of zero groups (2 or more) as "::". */
export function ipv6FromBytes(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
