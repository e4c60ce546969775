import { isIPv4 } from 'node:net';
import type { Engine, TracedPacket } from '../dataplane';
import { contains, parseCidr } from '../ipam';
import { buildPacket, parsePacketSpec } from '../trace/packet-spec';
import { badRequest, conflict } from './errors';
import { type PortDirectory, resolvePorts } from './port-names';
import type { State } from './state';

/** Where an injected frame for an address nobody on the link holds goes: a MAC no one has. */
const UNKNOWN_MAC = '02:00:00:00:00:01';

/** A live trace's options: how many packets, on which port (a name as users write it), for how long. */
export interface LiveTraceOptions {
  count: number;
  port?: string;
  timeoutMs: number;
}

/**
 * `ferry trace`: the engine's packet trace with the daemon's names. A live
 * trace marks the next N packets and streams each one's path as its run ends;
 * one live trace at a time (the engine has one tracer). An injected packet is
 * built from a one-line spec (src/trace/packet-spec.ts) as if the container
 * sent it, and runs through the graph as a dry run unless asked to be sent.
 */
export class Tracing {
  private live = false;

  constructor(
    private readonly engine: Engine,
    private readonly state: State,
    private readonly ports: PortDirectory,
  ) {}

  /** A port by the name users give it: CONTAINER[/IFACE], a host interface (ferry0, br-...), "uplink", or its id. */
  resolvePort(ref: string): number {
    return resolvePorts(this.ports, this.state, ref, false)[0]!;
  }

  /** Streams each traced packet as it completes; resolves when `count` are done, at the timeout, or when the caller stops. */
  async trace(o: LiveTraceOptions, emit: (p: TracedPacket) => Promise<void>, stopped: () => boolean): Promise<{ traced: number; lost: number }> {
    if (this.live) throw conflict('another trace is running; one at a time');
    const port = o.port === undefined ? undefined : this.resolvePort(o.port);
    this.live = true;
    let traced = 0;
    let lost = 0;
    try {
      this.engine.traceStart(o.count, port);
      const deadline = Date.now() + o.timeoutMs;
      while (traced < o.count && Date.now() < deadline && !stopped()) {
        await new Promise((r) => setTimeout(r, 20));
        const r = this.engine.traceRead();
        lost = r.lost;
        for (const p of r.packets) {
          await emit(this.name(p));
          traced++;
        }
      }
    } finally {
      this.engine.traceStop();
      this.live = false;
    }
    // Packets whose run ended between the last reading and the stop.
    for (const p of this.engine.traceRead().packets) {
      if (traced >= o.count || stopped()) break;
      await emit(this.name(p));
      traced++;
    }
    return { traced, lost };
  }

  /** Builds the packet the spec describes, as CONTAINER[/IFACE] would send it, and runs it through the graph. */
  inject(from: string, spec: string, send: boolean): TracedPacket {
    const [cref, ifname = 'eth0'] = from.split('/');
    const c = this.state.container(cref!);
    const ep = c.endpoints.find((e) => e.ifname === ifname);
    const port = ep ? this.ports.containerPort(c, ifname) : undefined;
    if (!ep || port === undefined) throw badRequest(`container "${c.name}" has no interface ${ifname} in Ferry's data path (is it running, on a bridge network?)`);
    const net = this.state.networks.get(ep.networkId)!;
    const frame = buildPacket(parsePacketSpec(spec), {
        srcMac: ep.mac,
        nextHopMac: (ip) => {
          // Off the link, or the gateway itself: the gateway's MAC. On it: that
          // endpoint's, or for an address nobody holds a MAC nobody has (flooded).
          const onLink = net.subnets.some((s) => {
            const cidr = parseCidr(s.subnet);
            return cidr.family === (isIPv4(ip) ? 4 : 6) && contains(cidr, ip);
          });
          if (!onLink || net.subnets.some((s) => s.gateway === ip)) return net.hostMac!;
          for (const other of this.state.attached(net.id)) for (const e of other.endpoints) if (e.networkId === net.id && (e.ipv4 === ip || e.ipv6 === ip)) return e.mac;
          return UNKNOWN_MAC;
        },
      });
    const traced = this.engine.inject(port, frame, { dryRun: !send });
    if (!traced) throw badRequest('the engine recorded nothing for the injected packet');
    return this.name(traced);
  }

  /** "port 3 (eth0, container)" in the engine's words becomes "port 3 (alpine1/eth0 on web)". */
  private name(p: TracedPacket): TracedPacket {
    const names = this.ports.names();
    return {
      ...p,
      steps: p.steps.map((s) => ({ ...s, text: s.text.replace(/port (\d+) \(([^)]*)\)/g, (all, id: string) => (names.has(Number(id)) ? `port ${id} (${names.get(Number(id))})` : all)) })),
    };
  }
}
