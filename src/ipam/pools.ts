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


/** The first default pool that overlaps none of `taken` (existing subnets and host routes). */
export function nextFreePool(taken: Cidr[]): Cidr {
  for (const pool of defaultPools()) if (!taken.some((t) => overlaps(pool, t))) return pool;
  throw new IpamError('exhausted', 'all predefined address pools (172.17-31.0.0/16, 192.168.0.0/16 in /20s) overlap existing networks or host routes; give --subnet');
}
