import { isIPv4 } from 'node:net';
import { macFromIpv4 } from '../codec';
import type { Engine } from '../dataplane';
import { parseCidr } from '../ipam';
import { run } from '../netns';
import { NatError } from './errors';

/** `--uplink IFACE --external-ip CIDR [--external-gateway IP]`. */
export interface UplinkSpec {
  ifname: string;
  /** The external address with its prefix, e.g. 192.0.2.10/24. */
  externalIp: string;
  externalGateway?: string;
}

export interface Uplink {
  ifname: string;
  address: string;
  prefixLen: number;
  gateway?: string;
  mac: string;
  port: number;
}



/** The interface's MTU, or undefined when it does not exist (asked through netlink: /sys may show another namespace). */
async function linkMtu(ifname: string): Promise<number | undefined> {
  if (!/^[^\s/]{1,15}$/.test(ifname)) return undefined;
  const r = await run('ip', ['-j', 'link', 'show', 'dev', ifname]);
  if (r.code !== 0) return undefined;
  return (JSON.parse(r.stdout) as { mtu: number }[])[0]?.mtu;
}

/** Checks the options before anything is touched; returns the parsed address. */
export async function validateUplink(spec: UplinkSpec, hostAddresses: string[]): Promise<{ address: string; prefixLen: number; mtu: number }> {
  const mtu = await linkMtu(spec.ifname);
  if (mtu === undefined) throw new NatError('bad_uplink', `option --uplink IFACE: no interface "${spec.ifname}" in this namespace (see ip link)`);
  if (spec.ifname === 'lo') throw new NatError('bad_uplink', 'option --uplink IFACE: the loopback interface cannot be an uplink');
  let address: string, prefixLen: number;
  try {
    const [ip, len] = spec.externalIp.split('/');
    const c = parseCidr(spec.externalIp);
    if (c.family !== 4 || !isIPv4(ip ?? '') || len === undefined) throw new Error();
    address = ip!;
    prefixLen = c.prefix;
  } catch {
    throw new NatError('bad_uplink', `option --external-ip CIDR: "${spec.externalIp}" is not an IPv4 address with a prefix, e.g. 192.0.2.10/24`);
  }
  if (spec.externalGateway !== undefined && !isIPv4(spec.externalGateway))
    throw new NatError('bad_uplink', `option --external-gateway IP: "${spec.externalGateway}" is not an IPv4 address`);
  if (hostAddresses.includes(address))
    throw new NatError('bad_uplink', `option --external-ip: ${address} is configured in the kernel; Ferry owns the external address itself, so remove it from the host first`);
  return { address, prefixLen, mtu };
}

/** The router's MAC on the uplink: 02:46 ("F") and the external address. */
export const externalMac = (address: string) => macFromIpv4([0x02, 0x46], address);

/**
 * Attaches the uplink: the interface is brought up (it carries the host's own
 * traffic as before; Ferry reads and writes only frames for its own MAC) and
 * joined to the router through AF_PACKET.
 */
export async function attachUplink(engine: Engine, spec: UplinkSpec, hostAddresses: string[]): Promise<Uplink> {
  const { address, prefixLen, mtu } = await validateUplink(spec, hostAddresses);
  const up = await run('ip', ['link', 'set', spec.ifname, 'up']);
  if (up.code !== 0) throw new NatError('bad_uplink', `cannot bring ${spec.ifname} up: ${up.stderr.trim()}`);
  const mac = externalMac(address);
  const port = engine.setUplink({ ifname: spec.ifname, address, prefixLen, gateway: spec.externalGateway, mac, mtu });
  return { ifname: spec.ifname, address, prefixLen, gateway: spec.externalGateway, mac, port };
}
