import { IpamError } from './errors';
import { type Cidr, bigintToIp, contains, familyOf, formatCidr, ipToBigint, last, parseCidr, within } from './cidr';

/**
 * One subnet of a network and its addresses, validated the way Docker
 * validates `network create`: the subnet has no host bits set, the gateway
 * and aux addresses lie inside it, the ip-range inside it too.
 */
export interface SubnetSpec {
  subnet: string;
  ipRange?: string;
  gateway?: string;
  /** Name -> address; never handed out. */
  auxAddresses?: Record<string, string>;
}

export interface SubnetConfig {
  subnet: string;
  ipRange?: string;
  gateway: string;
  auxAddresses: Record<string, string>;
}


function reserved(c: Cidr, ip: bigint): boolean {
  // The network address, and for IPv4 the broadcast address, are never hosts.
  return ip === c.base || (c.family === 4 && c.prefix < 31 && ip === last(c));
}

export function validateSubnet(spec: SubnetSpec): SubnetConfig {
  const subnet = parseCidr(spec.subnet, { strict: true });
  if (subnet.family === 4 && subnet.prefix > 30) throw new IpamError('invalid', `subnet ${spec.subnet} is too small: IPv4 subnets need a prefix of /30 or shorter`);
  if (subnet.family === 6 && subnet.prefix > 126) throw new IpamError('invalid', `subnet ${spec.subnet} is too small: IPv6 subnets need a prefix of /126 or shorter`);
  const inside = (what: string, ip: string) => {
    if (familyOf(ip) !== subnet.family || !contains(subnet, ip)) throw new IpamError('invalid', `${what} ${ip} is not in subnet ${formatCidr(subnet)}`);
    if (reserved(subnet, ipToBigint(ip))) throw new IpamError('invalid', `${what} ${ip} is the network or broadcast address of ${formatCidr(subnet)}`);
  };
  let ipRange: string | undefined;
  if (spec.ipRange) {
    const range = parseCidr(spec.ipRange, { strict: true });
    if (!within(range, subnet)) throw new IpamError('invalid', `ip-range ${spec.ipRange} is not inside subnet ${formatCidr(subnet)}`);
    ipRange = formatCidr(range);
  }
  const gateway = spec.gateway ?? bigintToIp(subnet.base + 1n, subnet.family);
  inside('gateway', gateway);
  const aux: Record<string, string> = {};
  for (const [name, ip] of Object.entries(spec.auxAddresses ?? {})) {
    inside(`aux-address ${name}=`, ip);
    aux[name] = ip;
  }
  return { subnet: formatCidr(subnet), ipRange, gateway, auxAddresses: aux };
}

/**
 * Hands out addresses of one subnet: the lowest free one in the ip-range (or
 * the subnet), never the gateway, an aux address, the network or broadcast
 * address. A released address is free again at once, so a restarted
 * container may get another one, as in Docker.
 */
export class SubnetAllocator {
  private readonly subnet: Cidr;
  private readonly range: Cidr;
  private readonly excluded: Set<bigint>;
  private readonly used: Set<bigint>;

  constructor(
    readonly config: SubnetConfig,
    allocated: Iterable<string> = [],
  ) {
    this.subnet = parseCidr(config.subnet);
    this.range = config.ipRange ? parseCidr(config.ipRange) : this.subnet;
    this.excluded = new Set([config.gateway, ...Object.values(config.auxAddresses)].map(ipToBigint));
    this.used = new Set([...allocated].map(ipToBigint));
  }

  allocate(requested?: string): string {
    if (requested !== undefined) return this.claim(requested);
    for (let ip = this.range.base; ip <= last(this.range); ip++) {
      if (!reserved(this.subnet, ip) && !this.excluded.has(ip) && !this.used.has(ip)) {
        this.used.add(ip);
        return bigintToIp(ip, this.subnet.family);
      }
    }
    throw new IpamError('exhausted', `no free address left in ${this.config.ipRange ? `ip-range ${this.config.ipRange}` : `subnet ${this.config.subnet}`}`);
  }

  release(ip: string): void {
    this.used.delete(ipToBigint(ip));
  }

  allocated(): string[] {
    return [...this.used].sort((a, b) => (a < b ? -1 : 1)).map((ip) => bigintToIp(ip, this.subnet.family));
  }

  prefixLength(): number {
    return this.subnet.prefix;
  }

  private claim(ip: string): string {
    let v: bigint;
    try {
      v = ipToBigint(ip);
    } catch {
      throw new IpamError('invalid', `"${ip}" is not an IP address`);
    }
    if (familyOf(ip) !== this.subnet.family || !contains(this.subnet, v)) throw new IpamError('invalid', `address ${ip} is not in subnet ${this.config.subnet}`);
    if (reserved(this.subnet, v)) throw new IpamError('invalid', `address ${ip} is the network or broadcast address of ${this.config.subnet}`);
    if (v === ipToBigint(this.config.gateway)) throw new IpamError('invalid', `address ${ip} is the gateway of ${this.config.subnet}`);
    if (this.excluded.has(v)) throw new IpamError('invalid', `address ${ip} is reserved by --aux-address`);
    if (this.used.has(v)) throw new IpamError('in_use', `address ${ip} is already in use`);
    this.used.add(v);
    return ip;
  }
}
