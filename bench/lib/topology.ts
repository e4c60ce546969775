import type { Engine } from '../../src/dataplane';
import { attachEndpoint, detachEndpoint, type Endpoint } from '../../src/endpoint';
import { configureInterface, createNetns, deleteNetns, run, type Route } from '../../src/netns';
import { macOf } from './measure';

/** Runs a shell script in namespace ns; its output, or an error naming the script, the namespace and what it said. */
export async function sh(ns: string, script: string): Promise<string> {
  const r = await run('ip', ['netns', 'exec', ns, 'sh', '-c', script]);
  if (r.code !== 0) throw new Error(`${script} in ${ns}: ${r.stderr}`);
  return r.stdout;
}

/**
 * Identical two-container topologies on the kernel's bridge and on Ferry's:
 * same namespace layout, same addresses, same MTU, so a measurement differs
 * only by the datapath between the two eth0s.
 */
export interface Pair {
  label: string;
  clientNs: string;
  serverNs: string;
  clientIp: string;
  serverIp: string;
  clientMac: string;
  serverMac: string;
  /** Ferry's pairs: the engine ports of the client's and the server's eth0. */
  ports?: [number, number];
  destroy(): Promise<void>;
}

export const CLIENT_CIDR = '192.0.2.1/24';
export const SERVER_CIDR = '192.0.2.2/24';
const ip = (cidr: string) => cidr.split('/')[0]!;

async function ipBatch(ns: string, lines: string[]): Promise<void> {
  const r = await run('ip', ['-n', ns, '-batch', '-'], { input: lines.join('\n') + '\n' });
  if (r.code !== 0) throw new Error(`ip -n ${ns} -batch failed: ${r.stderr}`);
}

/**
 * The kernel's datapath: a Linux bridge in a namespace of its own, each
 * container joined by a veth pair, as Docker's default bridge does.
 * threadedNapi: the bridge side of each veth gets GRO (which gives veth a NAPI
 * context) and threaded NAPI, so forwarding runs in a kernel thread of its own
 * rather than in the sender's context: the kernel's counterpart of a worker.
 */
export class KernelBridge {
  readonly bridgeNs: string;
  private vethCount = 0;

  constructor(
    readonly prefix: string,
    readonly threadedNapi: boolean,
  ) {
    this.bridgeNs = `${prefix}-br`;
  }

  async create(): Promise<void> {
    await createNetns(this.bridgeNs);
    await ipBatch(this.bridgeNs, ['link add br0 type bridge', 'link set br0 up']);
  }

  /** namespace + veth pair + bridge port + addresses + routes: one container attach. */
  async attach(ns: string, addresses: string[], routes: Route[] = []): Promise<void> {
    const veth = `v${this.vethCount++}`;
    await createNetns(ns);
    await ipBatch(this.bridgeNs, [`link add ${veth} type veth peer name eth0 netns ${ns}`, `link set ${veth} master br0 up`]);
    if (this.threadedNapi) {
      const r = await run('ip', ['netns', 'exec', this.bridgeNs, 'sh', '-c', `ethtool -K ${veth} gro on >/dev/null && echo 1 > /sys/class/net/${veth}/threaded`]);
      if (r.code !== 0) throw new Error(`threaded NAPI on ${veth}: ${r.stderr}`);
    }
    await configureInterface(ns, { ifname: 'eth0', addresses, routes });
  }

  async destroy(): Promise<void> {
    await deleteNetns(this.bridgeNs).catch(() => undefined);
  }
}

export async function kernelPair(prefix: string, threadedNapi: boolean): Promise<Pair> {
  const br = new KernelBridge(`${prefix}-k${threadedNapi ? 't' : 'd'}`, threadedNapi);
  await br.create();
  const clientNs = `${br.prefix}-a`;
  const serverNs = `${br.prefix}-b`;
  await br.attach(clientNs, [CLIENT_CIDR]);
  await br.attach(serverNs, [SERVER_CIDR]);
  return {
    label: threadedNapi ? 'kernel-bridge-napi' : 'kernel-bridge',
    clientNs,
    serverNs,
    clientIp: ip(CLIENT_CIDR),
    serverIp: ip(SERVER_CIDR),
    clientMac: await macOf(clientNs, 'eth0'),
    serverMac: await macOf(serverNs, 'eth0'),
    async destroy() {
      await deleteNetns(clientNs).catch(() => undefined);
      await deleteNetns(serverNs).catch(() => undefined);
      await br.destroy();
    },
  };
}

export async function ferryPair(prefix: string, engine: Engine, label = 'ferry'): Promise<Pair> {
  const domain = engine.createDomain();
  const eps: Endpoint[] = [];
  eps.push(await attachEndpoint(engine, { netns: `${prefix}-f-a`, domain, addresses: [CLIENT_CIDR] }));
  eps.push(await attachEndpoint(engine, { netns: `${prefix}-f-b`, domain, addresses: [SERVER_CIDR] }));
  return {
    label,
    clientNs: eps[0]!.netns,
    serverNs: eps[1]!.netns,
    clientIp: ip(CLIENT_CIDR),
    serverIp: ip(SERVER_CIDR),
    clientMac: await macOf(eps[0]!.netns, 'eth0'),
    serverMac: await macOf(eps[1]!.netns, 'eth0'),
    ports: [eps[0]!.port.id, eps[1]!.port.id],
    async destroy() {
      for (const ep of eps) await detachEndpoint(engine, ep).catch(() => undefined);
      engine.removeDomain(domain);
    },
  };
}
