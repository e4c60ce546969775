import { createHash } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import type { PortBinding, Protocol } from '../container/port-spec';
import { linkNetns, listAddresses, netnsPath, netnsState, setNetnsSysctl } from '../netns';
import { hostPart, parseCidr } from '../ipam';
import { Publisher } from '../nat/publisher';
import { RESOLVER_ADDRESS } from '../dns/server';
import { badRequest, conflict, notFound } from '../daemon/errors';
import type { Events } from '../daemon/events';
import type { Logger } from '../daemon/log';
import { type ContainerDoc, type NetworkDoc, foreignContainer, subnetOf } from '../daemon/model';
import { BRIDGE_OPTIONS } from '../daemon/networks';
import type { CniAddSpec } from '../daemon/requests';
import type { Sandboxes } from '../daemon/sandboxes';
import type { State } from '../daemon/state';

type CniAddRequest = CniAddSpec;

/**
 * A runtime's published ports are Ferry's on the uplink, but the host port
 * is the runtime's: podman holds it open itself (to reserve it), so Ferry
 * opens no relay there, and the host's own connections to it are not served.
 */
const CNI_PUBLISHING = { hostRelay: false };

export interface CniAddResult {
  interface: { name: string; mac: string; sandbox: string };
  ips: { address: string; gateway: string }[];
  routes: { dst: string; gw?: string }[];
  dns: { nameservers: string[]; options: string[] };
}

/**
 * The daemon's half of the CNI plugin (cni/main.ts is the other): a
 * runtime's container namespace attached to a Ferry network. The runtime
 * owns the namespace and says when the attachment goes (DEL); Ferry makes
 * the interface in it (a persistent TAP, created inside), gives it its
 * addresses, default route and the route to Ferry's resolver, publishes
 * its port mappings, and holds the container as a ContainerDoc marked
 * `cni`, so names, stats, trace and capture see it as one of its own.
 */
export class CniAttachments {
  constructor(
    private readonly state: State,
    private readonly sandboxes: Sandboxes,
    private readonly publisher: Publisher,
    private readonly events: Events,
    private readonly log: Logger,
    private readonly netnsPrefix: string,
  ) {}

  async add(req: CniAddRequest): Promise<CniAddResult> {
    const net = this.network(req.network);
    const id = docId(req.containerId);
    let c = this.state.containers.get(id);
    if (c?.endpoints.some((e) => e.ifname === req.ifname)) throw conflict(`container ${req.containerId} already has ${req.ifname} (on network "${this.state.networks.get(c.endpoints.find((e) => e.ifname === req.ifname)!.networkId)?.name}"); DEL it first`);
    if (c?.endpoints.some((e) => e.networkId === net.id)) throw conflict(`container ${req.containerId} is already attached to network "${net.name}"`);
    const fresh = !c;
    const v4 = (req.ips ?? []).find((ip) => !ip.includes(':'));
    const v6 = (req.ips ?? []).find((ip) => ip.includes(':'));
    if (!c) {
      const name = req.name && !this.state.findContainer(req.name) ? req.name : `cni-${id.slice(0, 12)}`;
      c = foreignContainer({ id, name, hostname: name, netns: `${this.netnsPrefix}n${id.slice(0, 12)}`, cni: { containerId: req.containerId, netns: req.netns } });
      linkNetns(c.netns!, req.netns);
      setNetnsSysctl(c.netns!, 'net.ipv4.conf.default.route_localnet', '1');
    }
    const request = { networkId: net.id, ipv4: v4 && hostPart(v4), ipv6: v6 && hostPart(v6), mac: req.mac, aliases: req.aliases ?? [], ifname: req.ifname };
    if (c.mode.kind === 'bridge') c.mode.networks.push(request);
    try {
      if (fresh) await this.state.saveContainer(c);
      this.sandboxes.setIpv6(c);
      const ep = await this.sandboxes.addNetwork(c, request);
      if (req.portMappings?.length && !net.internal) {
        c.ports = req.portMappings.map(binding);
        c.published = await this.publisher.publish(c.id, c.ports, ep.ipv4!, net.options[BRIDGE_OPTIONS.hostBinding] ?? '', ep.ipv6, CNI_PUBLISHING);
      }
      await this.state.saveContainer(c);
      this.events.emit('network', 'connect', net.id, { container: c.id, name: net.name, type: net.driver });
      this.log('cni.add', { container: c.name, network: net.name, interface: req.ifname, address: ep.ipv4 });
      const prefix = (family: 4 | 6) => parseCidr(subnetOf(net, family)!.subnet).prefix;
      const gateway = (family: 4 | 6) => subnetOf(net, family)!.gateway;
      return {
        interface: { name: req.ifname, mac: ep.mac, sandbox: req.netns },
        ips: [{ address: `${ep.ipv4}/${prefix(4)}`, gateway: gateway(4) }, ...(ep.ipv6 ? [{ address: `${ep.ipv6}/${prefix(6)}`, gateway: gateway(6) }] : [])],
        routes: net.internal || c.endpoints.length > 1 ? [] : [{ dst: '0.0.0.0/0', gw: gateway(4) }, ...(ep.ipv6 ? [{ dst: '::/0', gw: gateway(6) }] : [])],
        dns: ep.resolver ? { nameservers: [RESOLVER_ADDRESS], options: ['ndots:0'] } : { nameservers: [], options: [] },
      };
    } catch (e) {
      if (c.mode.kind === 'bridge') c.mode.networks = c.mode.networks.filter((r) => r !== request);
      if (fresh) await this.forget(c);
      throw e;
    }
  }

  /** Idempotent: what is not there is already deleted. */
  async del(req: { containerId: string; ifname: string; network: string }): Promise<void> {
    const c = this.state.containers.get(docId(req.containerId));
    const ep = c?.endpoints.find((e) => e.ifname === req.ifname);
    if (!c || !ep) return;
    this.publisher.unpublish(c.id);
    c.published = undefined;
    await this.sandboxes.removeNetwork(c, ep.networkId);
    if (c.mode.kind === 'bridge') c.mode.networks = c.mode.networks.filter((r) => r.networkId !== ep.networkId);
    this.events.emit('network', 'disconnect', ep.networkId, { container: c.id, name: this.state.networks.get(ep.networkId)?.name ?? '', type: 'bridge' });
    this.log('cni.del', { container: c.name, interface: req.ifname });
    if (c.endpoints.length) await this.state.saveContainer(c);
    else await this.forget(c);
  }

  /** The attachment is as ADD left it: held here, and the interface in the namespace with its addresses. */
  async check(req: { containerId: string; ifname: string; network: string }): Promise<void> {
    const net = this.network(req.network);
    const c = this.state.containers.get(docId(req.containerId));
    const ep = c?.endpoints.find((e) => e.ifname === req.ifname && e.networkId === net.id);
    if (!c || !ep) throw notFound(`container ${req.containerId} has no ${req.ifname} on network "${net.name}"`);
    if (this.sandboxes.portOf(c, ep.ifname) === undefined) throw conflict(`${req.ifname} of container ${req.containerId} is not in Ferry's data path`);
    const link = (await listAddresses({ ns: c.netns })).find((l) => l.ifname === req.ifname);
    if (!link) throw notFound(`the namespace of container ${req.containerId} has no ${req.ifname}`);
    for (const a of [ep.ipv4, ep.ipv6].filter((x): x is string => !!x))
      if (!link.addr_info?.some((i) => i.local === a)) throw conflict(`${req.ifname} of container ${req.containerId} lost its address ${a}`);
  }

  /** GC: attachments to the network that the runtime no longer lists go. */
  async gc(req: { network: string; valid: { containerId: string; ifname: string }[] }): Promise<string[]> {
    const net = this.network(req.network);
    const keep = new Set(req.valid.map((v) => `${docId(v.containerId)}/${v.ifname}`));
    const gone: string[] = [];
    for (const c of this.state.attached(net.id).filter((x) => x.cni)) {
      for (const ep of c.endpoints.filter((e) => e.networkId === net.id && !keep.has(`${c.id}/${e.ifname}`))) {
        await this.del({ containerId: c.cni!.containerId, ifname: ep.ifname, network: net.id });
        gone.push(`${c.cni!.containerId}/${ep.ifname}`);
      }
    }
    return gone;
  }

  /**
   * After a daemon restart: an attachment whose namespace still exists is
   * taken back; one whose namespace went (the runtime deleted it without DEL
   * reaching Ferry) is forgotten.
   */
  async reattach(c: ContainerDoc): Promise<boolean> {
    if (netnsState(c.netns!) !== 'namespace') {
      await this.forget(c);
      return false;
    }
    await this.sandboxes.reattach(c);
    if (c.published?.length) await this.publisher.restore(c.id, c.published, CNI_PUBLISHING);
    return true;
  }

  private async forget(c: ContainerDoc): Promise<void> {
    this.publisher.unpublish(c.id);
    if (this.state.containers.has(c.id)) await this.state.deleteContainer(c.id);
    try {
      unlinkSync(netnsPath(c.netns!)); // our name for the runtime's namespace; the namespace is the runtime's
    } catch {
      /* gone */
    }
  }

  private network(ref: string): NetworkDoc {
    const net = this.state.network(ref);
    if (net.driver !== 'bridge') throw badRequest(`network "${net.name}" is a ${net.driver} network; the CNI plugin attaches to bridge networks`);
    if (net.managedBy) throw badRequest(`network "${net.name}" was made through ${net.managedBy}; its containers come through it`);
    return net;
  }
}

/** The store's key: the runtime's id when it is one of Docker's shape, a digest of it otherwise. */
function docId(containerId: string): string {
  return /^[0-9a-f]{64}$/.test(containerId) ? containerId : createHash('sha256').update(`cni:${containerId}`).digest('hex');
}

function binding(m: NonNullable<CniAddRequest['portMappings']>[number]): PortBinding {
  const protocol = (m.protocol ?? 'tcp').toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(protocol)) throw badRequest(`portMappings: protocol "${m.protocol}" is not tcp, udp or sctp`);
  return { containerPort: m.containerPort, protocol: protocol as Protocol, hostIp: m.hostIP ?? '', hostPortStart: m.hostPort, hostPortEnd: m.hostPort };
}
