import type { Engine } from '../../src/dataplane';
import { addInterface, attachEndpoint, detachEndpoint } from '../../src/endpoint';
import { configureInterface, createNetns, deleteNetns, execIn, netnsPath } from '../../src/netns';
import { macOf } from './measure';
import { sh } from './topology';

/**
 * One host between an outside client and a container, three ways, with the
 * same namespaces and addresses: the outside (192.0.2.2) reaches the host's
 * external address 192.0.2.10 over a veth (up0 on the host side, RPS on for
 * every variant: see native/ports/packet_port.h), and the container
 * (172.31.0.2) sits behind the host's gateway 172.31.0.1. A published port
 * 8080 leads to the container's 5201 (iperf3) and 5202 (connrate).
 * IPv6 beside it: the outside 2001:db8:0:1::2, the external address
 * 2001:db8:0:1::10, the container 2001:db8:31::2 behind 2001:db8:31::1, the
 * same published port (ip6tables DNAT and MASQUERADE for the kernel, NAT66
 * for Ferry; the relay variant has no IPv6).
 *
 *   iptables  kernel bridge, 192.0.2.10 on up0, ip_forward=1, DNAT and
 *             MASQUERADE rules, the kernel's conntrack: what Docker does
 *   relay     kernel bridge, 192.0.2.10 on up0, no forwarding: socat on
 *             the host accepts and connects to the container (docker-proxy)
 *   ferry     Ferry's router: the container's TAP and the host's gw0 in one
 *             domain, up0 through AF_PACKET; the kernel holds no external address
 */
export interface NatHost {
  label: 'iptables' | 'relay' | 'ferry' | 'ferry-baseline';
  outNs: string;
  hostNs: string;
  containerNs: string;
  destroy(): Promise<void>;
}

export const EXTERNAL_IP = '192.0.2.10';
export const OUTSIDE_IP = '192.0.2.2';
export const CONTAINER_IP = '172.31.0.2';
export const EXTERNAL_IP6 = '2001:db8:0:1::10';
export const OUTSIDE_IP6 = '2001:db8:0:1::2';
export const CONTAINER_IP6 = '2001:db8:31::2';
export const PUBLISHED = [
  { port: 8080, target: 5201 },
  { port: 8081, target: 5202 },
];


/** The outside namespace (192.0.2.2 on eth0) and a host namespace holding up0, the veth to it. */
export async function outsideWorld(prefix: string): Promise<{ outNs: string; hostNs: string }> {
  const outNs = `${prefix}-out`;
  const hostNs = `${prefix}-h`;
  await createNetns(outNs);
  await createNetns(hostNs);
  await sh(hostNs, `ip link add up0 type veth peer name eth0 netns ${outNs} && ip link set up0 up && echo 1 > /sys/class/net/up0/queues/rx-0/rps_cpus`);
  await configureInterface(outNs, { ifname: 'eth0', addresses: [`${OUTSIDE_IP}/24`, `${OUTSIDE_IP6}/64`] });
  return { outNs, hostNs };
}

async function kernelBridge(hostNs: string, containerNs: string): Promise<void> {
  await createNetns(containerNs);
  await sh(hostNs, `ip link add br0 type bridge && ip addr add 172.31.0.1/24 dev br0 && ip -6 addr add 2001:db8:31::1/64 dev br0 nodad && ip link set br0 up && ip link add v0 type veth peer name eth0 netns ${containerNs} && ip link set v0 master br0 up && ip addr add ${EXTERNAL_IP}/24 dev up0 && ip -6 addr add ${EXTERNAL_IP6}/64 dev up0 nodad`);
  await configureInterface(containerNs, { ifname: 'eth0', addresses: [`${CONTAINER_IP}/24`, `${CONTAINER_IP6}/64`], routes: [{ to: 'default', via: '172.31.0.1' }, { to: 'default', via: '2001:db8:31::1' }] });
}

export async function natHost(label: NatHost['label'], prefix: string, engine: Engine): Promise<NatHost> {
  const p = `${prefix}-${label === 'ferry-baseline' ? 'b' : label[0]}`;
  const { outNs, hostNs } = await outsideWorld(p);
  const containerNs = `${p}-c`;
  const cleanup: (() => Promise<unknown>)[] = [() => deleteNetns(outNs), () => deleteNetns(hostNs)];
  const destroy = async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  };
  try {
    if (label === 'ferry' || label === 'ferry-baseline') {
      const domain = engine.createDomain();
      cleanup.push(async () => engine.removeDomain(domain));
      const gwMac = '02:42:ac:1f:00:01';
      const gw = await addInterface(engine, { netns: hostNs, domain, ifname: 'gw0', mac: gwMac, addresses: ['172.31.0.1/24', '2001:db8:31::1/64'], role: 'host' });
      cleanup.push(() => Promise.resolve(engine.removePort(gw.port.id)));
      const ctr = await attachEndpoint(engine, {
        netns: containerNs,
        domain,
        addresses: [`${CONTAINER_IP}/24`, `${CONTAINER_IP6}/64`],
        routes: [{ to: 'default', via: '172.31.0.1' }, { to: 'default', via: '2001:db8:31::1' }],
      });
      cleanup.push(() => detachEndpoint(engine, ctr));
      const v6 = label === 'ferry'; // the baseline build may predate NAT66
      engine.configureNetwork(domain, {
        routerMac: gwMac, gateway: '172.31.0.1', subnet: '172.31.0.0', prefixLen: 24, hostPort: gw.port.id,
        ...(v6 ? { subnet6: '2001:db8:31::', prefixLen6: 64, gateway6: '2001:db8:31::1' } : {}),
      });
      engine.setHostAddresses(['172.31.0.1', ...(v6 ? ['2001:db8:31::1'] : [])]);
      const mac = await macOf(containerNs, 'eth0');
      engine.setEndpoint({ address: CONTAINER_IP, domain, mac });
      if (v6) engine.setEndpoint({ address: CONTAINER_IP6, domain, mac });
      const uplink = engine.setUplink({ ifname: 'up0', netns: netnsPath(hostNs), address: EXTERNAL_IP, prefixLen: 24, mac: '02:46:c0:00:02:0a', ...(v6 ? { address6: EXTERNAL_IP6, prefixLen6: 64 } : {}) });
      cleanup.push(async () => engine.removePort(uplink));
      for (const m of PUBLISHED) {
        engine.publish({ protocol: 'tcp', port: m.port, targetIp: CONTAINER_IP, targetPort: m.target });
        if (v6) engine.publish({ protocol: 'tcp', port: m.port, targetIp: CONTAINER_IP6, targetPort: m.target });
      }
      cleanup.push(async () => PUBLISHED.forEach((m) => [engine.unpublish('tcp', m.port), v6 && engine.unpublish('tcp', m.port, 6)]));
    } else {
      await kernelBridge(hostNs, containerNs);
      cleanup.push(() => deleteNetns(containerNs));
      if (label === 'iptables') {
        const rules = PUBLISHED.flatMap((m) => [
          `iptables -t nat -A PREROUTING -d ${EXTERNAL_IP} -p tcp --dport ${m.port} -j DNAT --to-destination ${CONTAINER_IP}:${m.target}`,
          `ip6tables -t nat -A PREROUTING -d ${EXTERNAL_IP6} -p tcp --dport ${m.port} -j DNAT --to-destination [${CONTAINER_IP6}]:${m.target}`,
        ]);
        await sh(hostNs, ['sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1', ...rules, 'iptables -t nat -A POSTROUTING -s 172.31.0.0/24 ! -o br0 -j MASQUERADE', 'ip6tables -t nat -A POSTROUTING -s 2001:db8:31::/64 ! -o br0 -j MASQUERADE'].join(' && '));
      } else {
        for (const m of PUBLISHED) {
          const relay = execIn(hostNs, ['socat', `TCP-LISTEN:${m.port},bind=${EXTERNAL_IP},fork,reuseaddr,backlog=4096`, `TCP:${CONTAINER_IP}:${m.target}`], { timeoutMs: 3_600_000 });
          cleanup.push(async () => {
            await execIn(hostNs, ['pkill', '-f', `TCP-LISTEN:${m.port},bind=${EXTERNAL_IP}`]);
            await relay;
          });
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  } catch (e) {
    await destroy();
    throw e;
  }
  return { label, outNs, hostNs, containerNs, destroy };
}
