import type { Engine } from '../dataplane';
import { parseCidr } from '../ipam';
import { configureInterface } from '../netns';
import type { NetworkDoc } from './model';
import { BRIDGE_OPTIONS } from './networks';

/**
 * Bridge networks inside the engine (and the local half of each overlay network, daemon/overlays.ts): one bridge domain each, plus the host's
 * interface for the network (ferry0, br-<id>): a persistent TAP in the
 * daemon's own namespace holding the gateway address, a port of the domain
 * like any container's. It is what makes `ping 172.17.0.2` work from the host
 * and the gateway address answer from containers, with no kernel bridge.
 *
 * The domain is also a routed network: frames containers send to the host
 * interface's MAC for addresses that are not the host's are the fast path's
 * gateway router's (see native/l3/router.h), under the network's options.
 */
export class Bridges {
  private readonly live = new Map<string, { domain: number; hostPort: number }>();

  constructor(
    private readonly engine: Engine,
    /** Called when a gateway address appears or goes (the host's addresses change). */
    private readonly changed: () => void = () => undefined,
    /** The embedded resolver: it listens on each network's gateway address (src/dns/server.ts). */
    private readonly resolver?: { serve(networkId: string, gateway: string): Promise<number>; close(networkId: string): void },
  ) {}

  /** Idempotent: creates, or after a restart reattaches, the domain and the host interface. */
  async up(net: NetworkDoc): Promise<void> {
    if ((net.driver !== 'bridge' && net.driver !== 'overlay') || this.live.has(net.id)) return;
    const ifname = net.hostInterface!;
    const domain = this.engine.createDomain();
    let port: number | undefined;
    try {
      port = this.engine.addTapPort({ name: ifname, domain, role: 'host', persist: true, mtu: net.mtu }).id;
      await configureInterface(undefined, {
        ifname,
        mac: net.hostMac,
        mtu: net.mtu,
        addresses: net.subnets.map((s) => `${s.gateway}/${parseCidr(s.subnet).prefix}`),
        loopbackUp: false,
      });
      const v4 = net.subnets.find((s) => parseCidr(s.subnet).family === 4);
      const v6 = net.subnets.find((s) => parseCidr(s.subnet).family === 6);
      const resolverPort = v4 && this.resolver ? await this.resolver.serve(net.id, v4.gateway) : undefined;
      if (v4)
        this.engine.configureNetwork(domain, {
          ...(v6 && v6.gateway
            ? { subnet6: v6.subnet.split('/')[0]!, prefixLen6: parseCidr(v6.subnet).prefix, gateway6: v6.gateway, routed6: net.options[BRIDGE_OPTIONS.gatewayModeIpv6] === 'routed' }
            : {}),
          routerMac: net.hostMac!,
          gateway: v4.gateway!,
          subnet: v4.subnet.split('/')[0]!,
          prefixLen: parseCidr(v4.subnet).prefix,
          hostPort: port,
          mtu: net.mtu,
          masquerade: net.options[BRIDGE_OPTIONS.masquerade] !== 'false',
          icc: net.options[BRIDGE_OPTIONS.icc] !== 'false',
          internal: net.internal,
          resolverPort,
        });
      // The gateway's MAC stays on the host port: no container's frames can move it.
      if (net.hostMac) this.engine.addStaticMac(domain, net.hostMac, port);
      this.live.set(net.id, { domain, hostPort: port });
      this.changed();
    } catch (e) {
      // Nothing is left of a network that could not be made.
      this.resolver?.close(net.id);
      if (port !== undefined) this.engine.removePort(port);
      this.engine.removeDomain(domain);
      throw e;
    }
  }

  /** Removes the host interface (the device is deleted) and the domain. */
  down(networkId: string): void {
    const b = this.live.get(networkId);
    if (!b) return;
    this.resolver?.close(networkId);
    this.engine.removePort(b.hostPort);
    this.engine.removeDomain(b.domain);
    this.live.delete(networkId);
    this.changed();
  }

  /** Engine port id -> "host interface ferry0", and domain id -> network id. */
  owners(): { ports: Map<number, string>; domains: Map<number, string> } {
    const ports = new Map<number, string>();
    const domains = new Map<number, string>();
    for (const [networkId, b] of this.live) {
      ports.set(b.hostPort, networkId);
      domains.set(b.domain, networkId);
    }
    return { ports, domains };
  }

  domain(networkId: string): number {
    const b = this.live.get(networkId);
    if (!b) throw new Error(`network ${networkId.slice(0, 12)} has no bridge domain`);
    return b.domain;
  }
}
