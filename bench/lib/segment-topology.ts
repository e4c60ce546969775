import type { Engine } from '../../src/dataplane';
import { addInterface } from '../../src/endpoint';
import { configureInterface, createNetns, deleteNetns, netnsPath } from '../../src/netns';
import { macOf } from './measure';
import { sh, type Pair } from './topology';

/**
 * A container on a macvlan (or ipvlan) network and a machine on the segment:
 * the host's namespace holds the parent, a veth whose other end is the
 * machine's eth0 (172.16.86.254). The container is 172.16.86.2, on the
 * kernel's macvlan device or on Ferry's demux stage; everything else is the
 * same, RPS on the parent included (see native/ports/packet_port.h).
 */
export type SegmentDatapath = 'kernel-macvlan' | 'ferry-macvlan' | 'ferry-ipvlan';

export const CONTAINER_IP = '172.16.86.2';
export const MACHINE_IP = '172.16.86.254';


export async function segmentPair(prefix: string, datapath: SegmentDatapath, engine: Engine): Promise<Pair> {
  const host = `${prefix}-sh`;
  const machine = `${prefix}-sm`;
  const container = `${prefix}-sc`;
  for (const ns of [host, machine, container]) await createNetns(ns);
  const undo: (() => unknown)[] = [];
  const destroy = async () => {
    for (const fn of undo.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    for (const ns of [container, machine, host]) await deleteNetns(ns).catch(() => undefined);
  };
  try {
    await sh(host, `ip link add up0 type veth peer name eth0 netns ${machine} && ip link set up0 up && echo 1 > /sys/class/net/up0/queues/rx-0/rps_cpus`);
    await configureInterface(machine, { ifname: 'eth0', addresses: [`${MACHINE_IP}/24`] });
    const addresses = [`${CONTAINER_IP}/24`];
    let ports: [number, number] | undefined;
    if (datapath === 'kernel-macvlan') {
      await sh(host, `ip link add kmv0 link up0 type macvlan mode bridge && ip link set kmv0 netns ${container}`);
      await configureInterface(container, { ifname: 'kmv0', rename: 'eth0', addresses });
    } else {
      const parent = engine.addPacketPort({ ifname: 'up0', netns: netnsPath(host), role: 'parent' }).id;
      undo.push(() => engine.removePort(parent));
      const parentMac = await macOf(host, 'up0');
      const ipvlan = datapath === 'ferry-ipvlan';
      const segment = engine.createSegment({ parent, driver: ipvlan ? 'ipvlan-l2' : 'macvlan', parentMac: ipvlan ? parentMac : undefined });
      undo.push(() => engine.removeSegment(segment));
      const mac = ipvlan ? parentMac : '02:42:ac:10:56:02';
      const ep = await addInterface(engine, { netns: container, role: 'demuxed', mac, addresses });
      undo.push(() => engine.removePort(ep.port.id));
      engine.addSegmentMember(segment, ep.port.id, { mac, addresses: [CONTAINER_IP] });
      ports = [ep.port.id, parent];
    }
    return {
      label: datapath,
      clientNs: container,
      serverNs: machine,
      clientIp: CONTAINER_IP,
      serverIp: MACHINE_IP,
      clientMac: await macOf(container, 'eth0'),
      serverMac: await macOf(machine, 'eth0'),
      ports,
      destroy,
    };
  } catch (e) {
    await destroy();
    throw e;
  }
}
