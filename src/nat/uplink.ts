import { isIPv4, isIPv6 } from 'node:net';
import { macFromIpv4 } from '../codec';
import type { Engine } from '../dataplane';
import { parseCidr } from '../ipam';
import { run } from '../netns';
import { NatError } from './errors';

/** `--uplink IFACE --external-ip CIDR [--external-gateway IP] [--external-ip6 CIDR [--external-gateway6 IP]]`. */
export interface UplinkSpec {
  ifname: string;
  /** The external address with its prefix, e.g. 192.0.2.10/24. */
  externalIp: string;
  externalGateway?: string;
  /** The external IPv6 address with its prefix, e.g. 2001:db8::10/64: NAT66 and IPv6 published ports. */
  externalIp6?: string;
  externalGateway6?: string;
}

export interface Uplink {
  ifname: string;
  address: string;
  prefixLen: number;
  gateway?: string;
  address6?: string;
  prefixLen6?: number;
  gateway6?: string;
  mac: string;
  port: number;
}

/** An address with its prefix, of one family, or a NatError naming the option. */
function addressWithPrefix(text: string, family: 4 | 6, option: string, example: string): { address: string; prefixLen: number } {
  const [ip, len] = text.split('/');
  try {
    const c = parseCidr(text);
    if (c.family !== family || !(family === 4 ? isIPv4 : isIPv6)(ip ?? '') || len === undefined) throw new Error();
    return { address: ip!, prefixLen: c.prefix };
  } catch {
    throw new NatError('bad_uplink', `option ${option} CIDR: "${text}" is not an IPv${family} address with a prefix, e.g. ${example}`);
  }
}



/** The interface's MTU, or undefined when it does not exist (asked through netlink: /sys may show another namespace). */
async function linkMtu(ifname: string): Promise<number | undefined> {
  if (!/^[^\s/]{1,15}$/.test(ifname)) return undefined;
  const r = await run('ip', ['-j', 'link', 'show', 'dev', ifname]);
  if (r.code !== 0) return undefined;
  return (JSON.parse(r.stdout) as { mtu: number }[])[0]?.mtu;
}

/** Checks the options before anything is touched; returns the parsed addresses. */
export async function validateUplink(spec: UplinkSpec, hostAddresses: string[]): Promise<{ address: string; prefixLen: number; mtu: number; address6?: string; prefixLen6?: number }> {
  const mtu = await linkMtu(spec.ifname);
  if (mtu === undefined) throw new NatError('bad_uplink', `option --uplink IFACE: no interface "${spec.ifname}" in this namespace (see ip link)`);
  if (spec.ifname === 'lo') throw new NatError('bad_uplink', 'option --uplink IFACE: the loopback interface cannot be an uplink');
  const { address, prefixLen } = addressWithPrefix(spec.externalIp, 4, '--external-ip', '192.0.2.10/24');
  if (spec.externalGateway !== undefined && !isIPv4(spec.externalGateway))
    throw new NatError('bad_uplink', `option --external-gateway IP: "${spec.externalGateway}" is not an IPv4 address`);
  const v6 = spec.externalIp6 !== undefined ? addressWithPrefix(spec.externalIp6, 6, '--external-ip6', '2001:db8::10/64') : undefined;
  if (spec.externalGateway6 !== undefined && (!isIPv6(spec.externalGateway6) || isIPv4(spec.externalGateway6)))
    throw new NatError('bad_uplink', `option --external-gateway6 IP: "${spec.externalGateway6}" is not an IPv6 address`);
  for (const [option, a] of [['--external-ip', address], ['--external-ip6', v6?.address]] as const)
    if (a && hostAddresses.includes(a))
      throw new NatError('bad_uplink', `option ${option}: ${a} is configured in the kernel; Ferry owns the external address itself, so remove it from the host first`);
  return { address, prefixLen, mtu, address6: v6?.address, prefixLen6: v6?.prefixLen };
}

/** The router's MAC on the uplink: 02:46 ("F") and the external address. */
export const externalMac = (address: string) => macFromIpv4([0x02, 0x46], address);

/**
 * Attaches the uplink: the interface is brought up (it carries the host's own
 * traffic as before; Ferry reads and writes only frames for its own MAC) and
 * joined to the router through AF_PACKET.
 */
export async function attachUplink(engine: Engine, spec: UplinkSpec, hostAddresses: string[]): Promise<Uplink> {
  const { address, prefixLen, mtu, address6, prefixLen6 } = await validateUplink(spec, hostAddresses);
  const up = await run('ip', ['link', 'set', spec.ifname, 'up']);
  if (up.code !== 0) throw new NatError('bad_uplink', `cannot bring ${spec.ifname} up: ${up.stderr.trim()}`);
  const mac = externalMac(address);
  const v6 = address6 ? { address6, prefixLen6, gateway6: spec.externalGateway6 } : {};
  const port = engine.setUplink({ ifname: spec.ifname, address, prefixLen, gateway: spec.externalGateway, mac, mtu, ...v6 });
  return { ifname: spec.ifname, address, prefixLen, gateway: spec.externalGateway, mac, port, ...v6 };
}
