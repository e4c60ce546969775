import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Etcd3, type Lease, type Namespace } from 'etcd3';

/**
 * Cluster membership through etcd, as the classic Docker daemon's
 * --cluster-store: each daemon writes what it is under `nodes/<id>` (kept:
 * a daemon that died is still listed, as down) and holds `alive/<id>` under a
 * lease of --cluster-ttl seconds that it keeps alive. A daemon whose lease
 * expires (it died, or lost the store) is down for every other one; when it
 * comes back it takes a new lease and is up again.
 *
 * Every key lives under /ferry/ in the store.
 */
export interface NodeDoc {
  id: string;
  hostname: string;
  /** The underlay address other hosts reach this one on (--advertise-addr). */
  advertise: string;
  /** When this daemon last joined. */
  joined: string;
  /** This run of the daemon: random at every start, part of every ESP key (crypto/esp.h), so a restart never reuses one. */
  generation?: number;
}

export interface NodeStatus extends NodeDoc {
  status: 'up' | 'down';
  /** This daemon itself. */
  self: boolean;
}

/**
 * The files of --cluster-store-opt, under Docker's names: kv.cacertfile (the
 * CA etcd's certificate is checked against: the store is reached over TLS),
 * kv.certfile and kv.keyfile (this daemon's client certificate, for an etcd
 * started with --client-cert-auth: then only the daemons can read the
 * store, the keys of encrypted overlays with it).
 */
export interface StoreTls {
  caFile: string;
  certFile?: string;
  keyFile?: string;
}

export const STORE_OPTS = { caFile: 'kv.cacertfile', certFile: 'kv.certfile', keyFile: 'kv.keyfile' } as const;

/** --cluster-store-opt KEY=VALUE pairs -> StoreTls (undefined: plain HTTP); an unknown key or half a pair is refused naming the accepted ones. */
export function parseStoreOpts(pairs: [string, string][]): StoreTls | undefined {
  const known = Object.values(STORE_OPTS) as string[];
  const got: Record<string, string> = {};
  for (const [k, v] of pairs) {
    if (!known.includes(k)) throw new Error(`unknown cluster store option "${k}" (accepted: ${known.join(', ')})`);
    got[k] = v;
  }
  if (!Object.keys(got).length) return undefined;
  if (!got[STORE_OPTS.caFile]) throw new Error(`${STORE_OPTS.caFile}=FILE is needed for TLS (the CA etcd's certificate is signed by)`);
  if (!got[STORE_OPTS.certFile] !== !got[STORE_OPTS.keyFile]) throw new Error(`${STORE_OPTS.certFile} and ${STORE_OPTS.keyFile} go together (this daemon's client certificate and its key)`);
  return { caFile: got[STORE_OPTS.caFile]!, certFile: got[STORE_OPTS.certFile], keyFile: got[STORE_OPTS.keyFile] };
}

/** etcd://HOST:PORT[,HOST:PORT...] -> the client's hosts (https with TLS); anything else is refused naming the form. */
export function parseClusterStore(spec: string, tls = false): string[] {
  const m = /^etcd:\/\/(.+)$/.exec(spec);
  const hosts = m ? m[1]!.split(',') : [];
  if (!hosts.length || hosts.some((h) => !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(h) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(h)))
    throw new Error(`"${spec}" is not a cluster store; expected etcd://HOST:PORT[,HOST:PORT...]`);
  return hosts.map((h) => `${tls ? 'https' : 'http'}://${h}`);
}

export class Membership {
  private lease?: Lease;
  private stopped = false;

  private constructor(
    private readonly root: Etcd3,
    /** The store under /ferry/, for the overlay's state (view.ts, overlay-store.ts). */
    readonly kv: Namespace,
    readonly self: NodeDoc,
    private readonly ttlSeconds: number,
    private readonly onLost: (e: Error) => void,
    private readonly hosts: string[],
    private readonly timeoutMs: number,
  ) {}

  /** A call to the store that fails naming the store if it does not answer in time. */
  bounded<T>(p: Promise<T>): Promise<T> {
    return withTimeout(p, this.timeoutMs, this.hosts);
  }

  /**
   * Joins: writes this node and takes its lease. Refuses, naming the store,
   * when the store does not answer within `timeoutMs`: nothing is left behind.
   */
  static async join(opts: { hosts: string[]; tls?: StoreTls; id: string; advertise: string; ttlSeconds: number; timeoutMs?: number; onLost: (e: Error) => void }): Promise<Membership> {
    const read = (file: string) => {
      try {
        return readFileSync(file);
      } catch (e) {
        throw new Error(`cannot read ${file} for the cluster store's TLS: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    };
    const credentials = opts.tls && {
      rootCertificate: read(opts.tls.caFile),
      ...(opts.tls.certFile ? { certChain: read(opts.tls.certFile), privateKey: read(opts.tls.keyFile!) } : {}),
    };
    const root = new Etcd3({ hosts: opts.hosts, dialTimeout: opts.timeoutMs ?? 3000, ...(credentials ? { credentials } : {}) });
    const client = root.namespace('/ferry/');
    const self: NodeDoc = { id: opts.id, hostname: hostname(), advertise: opts.advertise, joined: new Date().toISOString(), generation: randomBytes(4).readUInt32BE() };
    const m = new Membership(root, client, self, opts.ttlSeconds, opts.onLost, opts.hosts, opts.timeoutMs ?? 3000);
    try {
      await withTimeout(client.put(`nodes/${self.id}`).value(JSON.stringify(self)).exec(), opts.timeoutMs ?? 3000, opts.hosts);
      await m.takeLease();
    } catch (e) {
      root.close();
      throw e;
    }
    return m;
  }

  private async takeLease(): Promise<void> {
    const lease = this.kv.lease(this.ttlSeconds, { autoKeepAlive: true });
    lease.on('lost', (e: Error) => {
      if (this.stopped) return;
      this.onLost(e);
      // Take a new one when the store answers again: the node is up again then.
      setTimeout(() => void this.takeLease().catch(() => undefined), 1000).unref();
    });
    await lease.put(`alive/${this.self.id}`).value(this.self.advertise).exec();
    this.lease = lease;
  }

  /** Every node that ever joined, up (its lease held) or down. */
  async nodes(): Promise<NodeStatus[]> {
    const docs = Object.values(await this.kv.getAll().prefix('nodes/').strings()).map((v) => JSON.parse(v) as NodeDoc);
    const alive = new Set(Object.keys(await this.kv.getAll().prefix('alive/').strings()).map((k) => k.slice('alive/'.length)));
    return docs
      .map((d) => ({ ...d, status: alive.has(d.id) ? ('up' as const) : ('down' as const), self: d.id === this.self.id }))
      .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
  }

  /** Leaves cleanly (the lease revoked: down at once for the others) and closes the client. */
  async leave(): Promise<void> {
    this.stopped = true;
    // Bounded: a store that is gone must not keep the daemon from exiting (the lease then expires on its own).
    if (this.lease) await this.bounded(this.lease.revoke()).catch(() => undefined);
    this.root.close();
  }
}

/** A node id that stays the daemon's across restarts (kept in its store). */
export function newNodeId(): string {
  return randomBytes(6).toString('hex');
}

function withTimeout<T>(p: Promise<T>, ms: number, hosts: string[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the cluster store at ${hosts.join(', ')} did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: Error) => (clearTimeout(t), reject(new Error(`the cluster store at ${hosts.join(', ')}: ${plainMessage(e.message)}`))),
    );
  });
}

/**
 * gRPC's "14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED ... Resolution note: "
 * -> "connect ECONNREFUSED ..."; a status with no detail ("14 UNAVAILABLE: null", while a store goes away) -> "unavailable".
 */
export function plainMessage(m: string | null | undefined): string {
  // grpc says "Last error: null" (and a bare "null") when the channel closed with no reason: etcd just went away.
  const text = String(m ?? '').trim();
  const last = /Last error: (?:Error: )?(.*?)\.?\s*(?:Resolution note:.*)?$/s.exec(text);
  if (last) return last[1]!.trim() && last[1]!.trim() !== 'null' ? last[1]!.trim() : 'unavailable';
  const status = /^\d+ ([A-Z_]+): ?(.*)$/s.exec(text);
  if (status) return !status[2] || status[2] === 'null' ? status[1]!.toLowerCase().replace(/_/g, ' ') : status[2].trim();
  return text && text !== 'null' ? text : 'unavailable';
}
