import { isIP } from 'node:net';
import { KernelSetupError, kernelReason } from './errors';
import { run } from './run';

export interface Route {
  /** "default" or a CIDR. */
  to: string;
  via?: string;
  /** A routing table other than main ("local": the table Linux looks in first). */
  table?: 'local';
}

/** What a container's interface needs: one call, one `ip -batch` run. */
export interface InterfaceConfig {
  ifname: string;
  /** Rename the device (done while it is down, as the kernel requires). */
  rename?: string;
  mac?: string;
  mtu?: number;
  /** CIDRs, IPv4 or IPv6. */
  addresses?: string[];
  routes?: Route[];
  /** Bring the device up (default true). */
  up?: boolean;
  /** false: the device does not ARP (IFF_NOARP), as an ipvlan l3 slave. */
  arp?: boolean;
  /** Bring the namespace's lo up too (default true). */
  loopbackUp?: boolean;
}

interface Step {
  command: string;
  operation: string;
  object: string;
}

function plan(ns: string | undefined, c: InterfaceConfig): Step[] {
  const where = ns ? ` in namespace "${ns}"` : '';
  const name = c.rename ?? c.ifname;
  const dev = `${name}${where}`;
  const steps: Step[] = [];
  if (c.loopbackUp !== false) steps.push({ command: 'link set dev lo up', operation: 'bring up', object: `lo${where}` });
  if (c.rename) steps.push({ command: `link set dev ${c.ifname} name ${c.rename}`, operation: `rename to ${c.rename}`, object: `${c.ifname}${where}` });
  if (c.mac) steps.push({ command: `link set dev ${name} address ${c.mac}`, operation: `set MAC ${c.mac} on`, object: dev });
  if (c.mtu) steps.push({ command: `link set dev ${name} mtu ${c.mtu}`, operation: `set MTU ${c.mtu} on`, object: dev });
  if (c.arp !== undefined) steps.push({ command: `link set dev ${name} arp ${c.arp ? 'on' : 'off'}`, operation: `turn ARP ${c.arp ? 'on' : 'off'} on`, object: dev });
  for (const a of c.addresses ?? []) {
    const v6 = a.includes(':');
    // replace: idempotent, so a restarted daemon can re-apply a configuration.
    // nodad: the address is ours by allocation; duplicate detection would only delay it by a second.
    steps.push({ command: `addr replace ${a} dev ${name}${v6 ? ' nodad' : ''}`, operation: `add address ${a} on`, object: dev });
  }
  if (c.up !== false) steps.push({ command: `link set dev ${name} up`, operation: 'bring up', object: dev });
  for (const r of c.routes ?? []) {
    // No -6 (batch lines take no global options): ip infers the family from the addresses.
    steps.push({
      command: `route replace ${r.to}${r.via ? ` via ${r.via}` : ''} dev ${name}${r.table ? ` table ${r.table}` : ''}`,
      operation: `add route ${r.to}${r.via ? ` via ${r.via}` : ''} on`,
      object: dev,
    });
  }
  return steps;
}

/** "a.b.c.d/len" or "v6addr/len" with a length that fits the family. */
export function isCidr(text: string): boolean {
  const [ip, len, extra] = text.split('/');
  if (extra !== undefined || !ip || !len || !/^\d{1,3}$/.test(len)) return false;
  const family = isIP(ip);
  return family !== 0 && Number(len) <= (family === 4 ? 32 : 128);
}

function validate(ns: string | undefined, c: InterfaceConfig): void {
  const object = `${c.rename ?? c.ifname}${ns ? ` in namespace "${ns}"` : ''}`;
  for (const a of c.addresses ?? [])
    if (!isCidr(a)) throw new KernelSetupError(`add address ${a} on`, object, 'not an address with a prefix length (192.0.2.1/24 or 2001:db8::1/64)');
  if (c.mac && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(c.mac))
    throw new KernelSetupError(`set MAC ${c.mac} on`, object, 'not a MAC address (aa:bb:cc:dd:ee:ff)');
  for (const r of c.routes ?? []) {
    if (r.to !== 'default' && !isCidr(r.to)) throw new KernelSetupError(`add route ${r.to} on`, object, 'destination must be "default" or a CIDR');
    if (r.via && !isIP(r.via)) throw new KernelSetupError(`add route ${r.to} via ${r.via} on`, object, 'gateway is not an IP address');
  }
}

/** Configures one interface; on failure says which step, on which device, and the kernel's reason. */
export async function configureInterface(ns: string | undefined, config: InterfaceConfig): Promise<void> {
  validate(ns, config);
  const steps = plan(ns, config);
  const r = await run('ip', [...(ns ? ['-n', ns] : []), '-batch', '-'], { input: steps.map((s) => s.command).join('\n') + '\n' });
  if (r.code === 0) return;
  const line = /Command failed -:(\d+)/.exec(r.stderr);
  const step = line ? steps[Number(line[1]) - 1] : undefined;
  throw new KernelSetupError(step?.operation ?? 'configure', step?.object ?? `${config.ifname}${ns ? ` in namespace "${ns}"` : ''}`, kernelReason(r.stderr));
}

/** Moves a device into a namespace (from the root namespace, or from `fromNs`). */
export async function moveLink(ifname: string, toNs: string, fromNs?: string): Promise<void> {
  const r = await run('ip', [...(fromNs ? ['-n', fromNs] : []), 'link', 'set', 'dev', ifname, 'netns', toNs]);
  if (r.code !== 0) throw new KernelSetupError(`move into namespace "${toNs}"`, `device ${ifname}`, kernelReason(r.stderr));
}

export interface LinkInfo {
  ifname: string;
  address?: string;
  mtu?: number;
  operstate?: string;
  flags?: string[];
  stats64?: { rx: { packets: number; bytes: number; dropped: number }; tx: { packets: number; bytes: number; dropped: number } };
}

/** `ip -j -s link show`, parsed. */
export async function listLinks(ns?: string): Promise<LinkInfo[]> {
  const r = await run('ip', [...(ns ? ['-n', ns] : []), '-j', '-s', 'link', 'show']);
  if (r.code !== 0) throw new KernelSetupError('list', `links${ns ? ` in namespace "${ns}"` : ''}`, kernelReason(r.stderr));
  return JSON.parse(r.stdout) as LinkInfo[];
}

export interface AddressInfo {
  ifname: string;
  /** The MAC. */
  address?: string;
  flags?: string[];
  mtu?: number;
  addr_info?: { local: string; prefixlen: number; scope?: string }[];
}

/** `ip -j addr show` in this namespace (or another), parsed: every link with its addresses (of one family, on one device, if asked). */
export async function listAddresses(opts: { family?: 4 | 6; dev?: string; ns?: string } = {}): Promise<AddressInfo[]> {
  const r = await run('ip', [...(opts.ns ? ['-n', opts.ns] : []), '-j', ...(opts.family ? [`-${opts.family}`] : []), 'addr', 'show', ...(opts.dev ? ['dev', opts.dev] : [])]);
  if (r.code !== 0) throw new KernelSetupError('list', `addresses${opts.dev ? ` of ${opts.dev}` : ''}`, kernelReason(r.stderr));
  return JSON.parse(r.stdout || '[]') as AddressInfo[];
}

/** Destinations of the routes in a namespace ("default" left out), as CIDRs; a host route is a /32 or /128. */
export async function listRouteDestinations(ns?: string): Promise<string[]> {
  const out: string[] = [];
  for (const family of ['-4', '-6']) {
    const r = await run('ip', [...(ns ? ['-n', ns] : []), '-j', family, 'route', 'show', 'table', 'all']);
    if (r.code !== 0) continue;
    for (const route of JSON.parse(r.stdout || '[]') as { dst?: string; type?: string }[]) {
      if (!route.dst || route.dst === 'default' || (route.type && route.type !== 'unicast')) continue;
      out.push(route.dst.includes('/') ? route.dst : `${route.dst}/${family === '-4' ? 32 : 128}`);
    }
  }
  return out;
}
