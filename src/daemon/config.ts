import { existsSync, readFileSync } from 'node:fs';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { type Cidr, contains, formatCidr, parseCidr, within } from '../ipam';

/**
 * The daemon's network configuration, as Docker's daemon.json names it: read
 * from /etc/ferry/daemon.json (or --config-file), or given as the same flags
 * on `ferry daemon`. A key given both ways is an error naming both values, as
 * dockerd's is; a key Ferry does not know is an error too (dockerd: "the
 * following directives don't match any configuration option").
 *
 *   bip                  the default bridge's gateway address and prefix (192.0.2.1/24)
 *   fixed-cidr           the part of it containers get addresses from
 *   ipv6, fixed-cidr-v6  IPv6 on the default bridge, and its subnet
 *   mtu                  the default bridge's MTU
 *   default-gateway(-v6) the default bridge containers' default route, if not the bridge
 *   dns                  nameservers for containers without --dns
 *   default-address-pools  where `network create` picks subnets: [{ base, size }]
 *   labels               the daemon's own labels, key=value (`ferry info`)
 */
export interface DaemonConfig {
  bip?: string;
  'fixed-cidr'?: string;
  ipv6?: boolean;
  'fixed-cidr-v6'?: string;
  mtu?: number;
  'default-gateway'?: string;
  'default-gateway-v6'?: string;
  dns?: string[];
  'default-address-pools'?: { base: string; size: number }[];
  labels?: string[];
}

export const DEFAULT_CONFIG_FILE = '/etc/ferry/daemon.json';

/** The flag for each key (`--default-address-pool` is given once per pool, as dockerd's). */
export const CONFIG_FLAGS: Record<keyof DaemonConfig, string> = {
  bip: '--bip',
  'fixed-cidr': '--fixed-cidr',
  ipv6: '--ipv6',
  'fixed-cidr-v6': '--fixed-cidr-v6',
  mtu: '--mtu',
  'default-gateway': '--default-gateway',
  'default-gateway-v6': '--default-gateway-v6',
  dns: '--dns',
  'default-address-pools': '--default-address-pool',
  labels: '--label',
};

/** What SIGHUP applies at once (dockerd's reloadable options among these keys). */
export const RELOADABLE: readonly (keyof DaemonConfig)[] = ['dns', 'labels'];

export class ConfigError extends Error {
  readonly code = 'invalid';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** `base=10.10.0.0/16,size=24` (the flag's form) -> a pool. */
export function parseAddressPool(spec: string): { base: string; size: number } {
  const fields = Object.fromEntries(spec.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  if (!fields.base || !fields.size || Object.keys(fields).some((k) => k !== 'base' && k !== 'size')) throw new Error('base=CIDR,size=PREFIX');
  return { base: fields.base, size: Number(fields.size) };
}

/** Reads the file (absent: empty, unless it was asked for by name), checking every key. */
export function readConfigFile(file: string | undefined): DaemonConfig {
  const path = file ?? DEFAULT_CONFIG_FILE;
  if (!existsSync(path)) {
    if (file) throw new ConfigError(`configuration file ${path} does not exist`);
    return {};
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`configuration file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`configuration file ${path} must hold a JSON object`);
  const unknown = Object.keys(raw).filter((k) => !(k in CONFIG_FLAGS));
  if (unknown.length) throw new ConfigError(`the following directives in ${path} don't match any configuration option: ${unknown.join(', ')} (accepted: ${Object.keys(CONFIG_FLAGS).join(', ')})`);
  return checkConfig(raw as DaemonConfig, `in ${path}`);
}

/** Flags and file together; a key in both is refused naming both values. */
export function mergeConfig(flags: DaemonConfig, file: DaemonConfig, fileName = DEFAULT_CONFIG_FILE): DaemonConfig {
  const both = (Object.keys(flags) as (keyof DaemonConfig)[]).filter((k) => flags[k] !== undefined && file[k] !== undefined);
  if (both.length) {
    const show = (v: unknown) => (typeof v === 'object' ? JSON.stringify(v) : String(v));
    throw new ConfigError(`the following directives are specified both as a flag and in the configuration file ${fileName}: ${both.map((k) => `${k}: (from flag: ${show(flags[k])}, from file: ${show(file[k])})`).join(', ')}`);
  }
  return checkConfig({ ...file, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) }, '');
}

/** Each value's type and form, and how they fit together. `where` says where they came from, for the message. */
export function checkConfig(c: DaemonConfig, where: string): DaemonConfig {
  const at = where ? ` ${where}` : '';
  const fail = (key: string, what: string) => {
    throw new ConfigError(`${key}${at}: ${what}`);
  };
  const cidr = (key: keyof DaemonConfig, family: 4 | 6, hostBits: boolean): Cidr | undefined => {
    const v = c[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return fail(key, `expected a string such as ${family === 4 ? '192.0.2.1/24' : '2001:db8::/64'}`);
    try {
      const parsed = parseCidr(v, { strict: !hostBits });
      if (parsed.family !== family) throw new Error(`not IPv${family}`);
      return parsed;
    } catch (e) {
      return fail(key, `"${v}" is not an IPv${family} CIDR${hostBits ? '' : ' without host bits'} (${(e as Error).message})`);
    }
  };
  const bip = cidr('bip', 4, true);
  if (bip && (bip.prefix > 30 || formatCidr(bip).split('/')[0] === c.bip!.split('/')[0])) fail('bip', `"${c.bip}" must name the bridge's own address with a prefix of /30 or shorter (192.0.2.1/24), not the network`);
  const fixed = cidr('fixed-cidr', 4, false);
  if (fixed && bip && !within(fixed, bip)) fail('fixed-cidr', `${c['fixed-cidr']} is not inside the bridge's subnet ${formatCidr(bip)} (bip)`);
  cidr('fixed-cidr-v6', 6, false);
  if (c.ipv6 !== undefined && typeof c.ipv6 !== 'boolean') fail('ipv6', 'expected true or false');
  if (c['fixed-cidr-v6'] && !c.ipv6) fail('fixed-cidr-v6', 'needs "ipv6": true');
  if (c.mtu !== undefined && !(Number.isInteger(c.mtu) && c.mtu >= 68 && c.mtu <= 65535)) fail('mtu', `${JSON.stringify(c.mtu)} is not an MTU from 68 to 65535`);
  if (c['default-gateway'] !== undefined && (typeof c['default-gateway'] !== 'string' || !isIPv4(c['default-gateway']))) fail('default-gateway', `${JSON.stringify(c['default-gateway'])} is not an IPv4 address`);
  if (c['default-gateway'] && bip && !contains(bip, c['default-gateway'])) fail('default-gateway', `${c['default-gateway']} is not on the bridge's subnet ${formatCidr(bip)}`);
  if (c['default-gateway-v6'] !== undefined && (typeof c['default-gateway-v6'] !== 'string' || !isIPv6(c['default-gateway-v6']))) fail('default-gateway-v6', `${JSON.stringify(c['default-gateway-v6'])} is not an IPv6 address`);
  if (c.dns !== undefined && (!Array.isArray(c.dns) || c.dns.some((d) => typeof d !== 'string' || !isIP(d)))) fail('dns', `${JSON.stringify(c.dns)} is not a list of IP addresses`);
  if (c.labels !== undefined && (!Array.isArray(c.labels) || c.labels.some((l) => typeof l !== 'string' || !/^[^=\s]+=/.test(l))))
    fail('labels', `${JSON.stringify(c.labels)} is not a list of labels of the form key=value`);
  const pools = c['default-address-pools'];
  if (pools !== undefined) {
    if (!Array.isArray(pools) || !pools.length) fail('default-address-pools', 'expected a list of {"base": CIDR, "size": PREFIX}');
    for (const p of pools) {
      let base: Cidr | undefined;
      try {
        base = parseCidr(p.base, { strict: true });
      } catch (e) {
        fail('default-address-pools', `base ${JSON.stringify(p.base)}: ${(e as Error).message}`);
      }
      if (!Number.isInteger(p.size) || p.size < base!.prefix || p.size > (base!.family === 4 ? 30 : 126)) fail('default-address-pools', `size ${JSON.stringify(p.size)} of ${p.base}: a prefix from /${base!.prefix} to /${base!.family === 4 ? 30 : 126}`);
    }
  }
  return c;
}
