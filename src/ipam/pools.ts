import { type Cidr, overlaps, parseCidr } from './cidr';
import { IpamError } from './errors';

/**
 * Docker's default address pools for local (bridge) networks, in the order
 * Docker hands them out: 172.17.0.0/16 through 172.31.0.0/16, then
 * 192.168.0.0/16 cut into /20s. A pool is skipped when it overlaps an
 * existing network or a route of the host.
 */
export function* defaultPools(): Generator<Cidr> {
  for (let b = 17; b <= 31; b++) yield parseCidr(`172.${b}.0.0/16`);
  for (let c = 0; c < 256; c += 16) yield parseCidr(`192.168.${c}.0/20`);
}

/** Docker's default pool for overlay (global) networks: 10.0.0.0/8 cut into /24s. */
export function* overlayPools(): Generator<Cidr> {
  for (let b = 0; b < 256; b++) for (let c = 0; c < 256; c++) yield parseCidr(`10.${b}.${c}.0/24`);
}

const POOLS = {
  local: { list: defaultPools, says: '172.17-31.0.0/16, 192.168.0.0/16 in /20s' },
  overlay: { list: overlayPools, says: '10.0.0.0/8 in /24s' },
};

/** daemon.json's default-address-pools: each base cut into subnets of its size, in order. */
export function* configuredPools(pools: { base: string; size: number }[]): Generator<Cidr> {
  for (const p of pools) {
    const base = parseCidr(p.base);
    const step = 1n << BigInt((base.family === 4 ? 32 : 128) - p.size);
    const count = 1n << BigInt(p.size - base.prefix);
    for (let i = 0n; i < count; i++) yield { family: base.family, base: base.base + i * step, prefix: p.size };
  }
}

/**
 * The first default pool (local or overlay) that overlaps none of `taken`
 * (existing subnets and host routes); the local ones are daemon.json's
 * default-address-pools when given.
 */
export function nextFreePool(taken: Cidr[], scope: keyof typeof POOLS = 'local', configured?: { base: string; size: number }[]): Cidr {
  const list = configured?.length ? configuredPools(configured) : POOLS[scope].list();
  for (const pool of list) if (!taken.some((t) => overlaps(pool, t))) return pool;
  const says = configured?.length ? configured.map((p) => `${p.base} in /${p.size}s`).join(', ') : POOLS[scope].says;
  throw new IpamError('exhausted', `all ${configured?.length ? 'configured (default-address-pools)' : 'predefined'} address pools (${says}) overlap existing networks or host routes; give --subnet`);
}
