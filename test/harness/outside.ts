import { configureInterface, createNetns, execIn } from '../../src/netns';
import type { DaemonLab } from './daemon';

/** The daemon options for the uplink outside() builds: Ferry owns 192.0.2.10 on up0, the outside router is 192.0.2.2. */
export const UPLINK_ARGS = uplinkArgs('192.0.2');

/** The same on another documentation /24 (a host whose 192.0.2.0/24 is its overlay underlay): Ferry owns NET.10, the router is NET.2. */
export function uplinkArgs(net: string): string[] {
  return ['--uplink', 'up0', '--external-ip', `${net}.10/24`, '--external-gateway', `${net}.2`];
}

/**
 * The world as tests see it: an uplink (veth up0 in the daemon's namespace)
 * to an outside router namespace (192.0.2.2, or NET.2, forwarding) and a far host behind
 * it (198.51.100.2). Ferry owns 192.0.2.10. The outside router's interfaces
 * compute checksums in software (tx offload off), so the far host's kernel
 * verifies every byte Ferry rewrote.
 */
export async function outside(lab: DaemonLab, net = '192.0.2'): Promise<void> {
  const out = `${lab.prefix}-out`;
  const far = `${lab.prefix}-far`;
  await createNetns(out);
  await createNetns(far);
  const sh = async (ns: string, cmd: string) => {
    const r = await execIn(ns, ['sh', '-c', cmd]);
    if (r.code !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  };
  await sh(lab.hostNs, `ip link add up0 type veth peer name eth0 netns ${out} && ip link set up0 up && echo 1 > /sys/class/net/up0/queues/rx-0/rps_cpus`);
  await sh(out, `ip link add eth1 type veth peer name eth0 netns ${far}`);
  await configureInterface(out, { ifname: 'eth0', addresses: [`${net}.2/24`] });
  await configureInterface(out, { ifname: 'eth1', addresses: ['198.51.100.1/24'] });
  await configureInterface(far, { ifname: 'eth0', addresses: ['198.51.100.2/24'], routes: [{ to: 'default', via: '198.51.100.1' }] });
  await sh(out, 'sysctl -qw net.ipv4.ip_forward=1 && ethtool -K eth0 tx off >/dev/null && ethtool -K eth1 tx off >/dev/null');
  await sh(far, 'ethtool -K eth0 tx off >/dev/null');
}


/** The daemon options for outside6(): Ferry also owns 2001:db8:0:1::10 on up0; the outside router is 2001:db8:0:1::2. */
export const UPLINK6_ARGS = [...UPLINK_ARGS, '--external-ip6', '2001:db8:0:1::10/64', '--external-gateway6', '2001:db8:0:1::2'];

/**
 * outside() with IPv6 as well: the router is 2001:db8:0:1::2 towards Ferry and
 * 2001:db8:0:2::1 towards the far host (2001:db8:0:2::2), forwarding IPv6.
 * The uplink's MTU is 1400 (and the router's side of it), so what leaves a
 * 1500-byte network meets packet too big at Ferry. `routed` prefixes are
 * routed to Ferry's external IPv6 address, as an operator does for
 * gateway_mode_ipv6=routed.
 */
export function outside6(routed: string[] = []): (lab: DaemonLab) => Promise<void> {
  return async (lab) => {
    await outside(lab);
    const out = `${lab.prefix}-out`;
    const far = `${lab.prefix}-far`;
    const sh = async (ns: string, cmd: string) => {
      const r = await execIn(ns, ['sh', '-c', cmd]);
      if (r.code !== 0) throw new Error(`${cmd}: ${r.stderr}`);
    };
    await sh(lab.hostNs, 'ip link set up0 mtu 1400');
    await sh(out, 'sysctl -qw net.ipv6.conf.all.forwarding=1 && ip link set eth0 mtu 1400');
    await sh(out, 'ip -6 addr add 2001:db8:0:1::2/64 dev eth0 nodad && ip -6 addr add 2001:db8:0:2::1/64 dev eth1 nodad');
    await sh(far, 'ip -6 addr add 2001:db8:0:2::2/64 dev eth0 nodad && ip -6 route add default via 2001:db8:0:2::1');
    for (const prefix of routed) await sh(out, `ip -6 route add ${prefix} via 2001:db8:0:1::10`);
  };
}
