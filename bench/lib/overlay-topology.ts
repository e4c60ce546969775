import { randomBytes } from 'node:crypto';
import { Engine, NATIVE_CONSTANTS } from '../../src/dataplane';
import { addInterface } from '../../src/endpoint';
import { configureInterface, createNetns, deleteNetns, netnsPath } from '../../src/netns';
import { macOf } from './measure';
import { sh, type Pair } from './topology';

/**
 * A container on host h1 and one on host h2 of an overlay network (VNI 4200,
 * MTU 1450), the hosts joined by a veth underlay (192.0.2.1 and 192.0.2.2).
 * kernel-vxlan: each host as Docker's overlay builds it in the kernel (a
 * vxlan device with static fdb entries, a bridge, a veth to the container).
 * ferry-vxlan: each host with an Engine of its own (its own worker, as two
 * daemons would have), the tables filled as the daemon fills them from the
 * cluster store (daemon/overlays.ts). ferry-vxlan-esp: the same, encrypted
 * (`-o encrypted`): a sealed underlay keyed for the other host, and the
 * overlay MTU less ESP's overhead, as the daemon sets them.
 */
export type OverlayDatapath = 'kernel-vxlan' | 'ferry-vxlan' | 'ferry-vxlan-esp';

const VNI = 4200;
const MTU = 1450;
const ESP_MTU = MTU - NATIVE_CONSTANTS.sealedOverhead;
const generations = [0x0b0b0001, 0x0b0b0002];
const secret = randomBytes(32);
const hosts = [
  { underlay: '192.0.2.1', ip: '10.200.0.1', mac: '02:42:0a:c8:00:01' },
  { underlay: '192.0.2.2', ip: '10.200.0.2', mac: '02:42:0a:c8:00:02' },
] as const;


export async function overlayPair(prefix: string, datapath: OverlayDatapath): Promise<Pair & { engines: Engine[] }> {
  const hostNs = [`${prefix}-oh1`, `${prefix}-oh2`];
  const ctrNs = [`${prefix}-oc1`, `${prefix}-oc2`];
  for (const ns of [...hostNs, ...ctrNs]) await createNetns(ns);
  const engines: Engine[] = [];
  const undo: (() => unknown)[] = [];
  const destroy = async () => {
    for (const fn of undo.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    for (const e of engines) e.shutdown();
    for (const ns of [...ctrNs, ...hostNs]) await deleteNetns(ns).catch(() => undefined);
  };
  try {
    await sh(hostNs[0]!, `ip link add ul0 type veth peer name ul0 netns ${hostNs[1]}`);
    for (const i of [0, 1]) await configureInterface(hostNs[i]!, { ifname: 'ul0', addresses: [`${hosts[i]!.underlay}/24`] });
    const ports: number[] = [];
    for (const i of [0, 1]) {
      const me = hosts[i]!;
      const peer = hosts[1 - i]!;
      const addresses = [`${me.ip}/24`];
      if (datapath === 'kernel-vxlan') {
        await sh(hostNs[i]!, [
          `ip link add vx0 type vxlan id ${VNI} dstport 4789 local ${me.underlay} nolearning`,
          'ip link add br0 type bridge && ip link set vx0 master br0 && ip link set vx0 up && ip link set br0 up',
          `ip link add v0 type veth peer name eth0 netns ${ctrNs[i]} && ip link set v0 master br0 && ip link set v0 up`,
          `bridge fdb append 00:00:00:00:00:00 dev vx0 dst ${peer.underlay} self permanent`,
          `bridge fdb append ${peer.mac} dev vx0 dst ${peer.underlay} self permanent`,
        ].join(' && '));
        await sh(ctrNs[i]!, `ip link set eth0 address ${me.mac} mtu ${MTU} && ip neigh replace ${peer.ip} lladdr ${peer.mac} dev eth0 nud permanent`);
        await configureInterface(ctrNs[i]!, { ifname: 'eth0', addresses });
      } else {
        const engine = new Engine();
        engines.push(engine);
        const sealed = datapath === 'ferry-vxlan-esp';
        const underlay = sealed
          ? engine.addUnderlay({ address: me.underlay, sealed, generation: generations[i]!, netns: netnsPath(hostNs[i]!) })
          : engine.addUnderlay({ address: me.underlay, netns: netnsPath(hostNs[i]!) });
        if (sealed) engine.setEspPeer(underlay, { peer: peer.underlay, peerGeneration: generations[1 - i]!, sendEpoch: 1, secrets: [{ epoch: 1, secret }] });
        const domain = engine.createDomain();
        const tunnel = engine.addTunnel({ underlay, vni: VNI, domain });
        const ep = await addInterface(engine, { netns: ctrNs[i]!, domain, mac: me.mac, mtu: sealed ? ESP_MTU : MTU, addresses });
        ports.push(ep.port.id);
        engine.setTunnelHosts(tunnel, [peer.underlay]);
        engine.setTunnelRemote(tunnel, peer.mac, peer.underlay);
        engine.addStaticMac(domain, peer.mac, tunnel);
        engine.addStaticMac(domain, me.mac, ep.port.id);
        for (const h of hosts) engine.setNeighborProxy(domain, h.ip, h.mac);
      }
    }
    return {
      label: datapath,
      clientNs: ctrNs[0]!,
      serverNs: ctrNs[1]!,
      clientIp: hosts[0].ip,
      serverIp: hosts[1].ip,
      clientMac: await macOf(ctrNs[0]!, 'eth0'),
      serverMac: await macOf(ctrNs[1]!, 'eth0'),
      ports: datapath !== 'kernel-vxlan' ? [ports[0]!, ports[1]!] : undefined,
      engines,
      destroy,
    };
  } catch (e) {
    await destroy();
    throw e;
  }
}
