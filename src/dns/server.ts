import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { DnsContainer, DnsDirectory } from './directory';
import { Names } from './names';
import { readResolvConf } from './resolv-conf';
import { forward } from './upstream';

/**
 * The embedded resolver. Containers ask at 127.0.0.11:53, as in Docker; the
 * data plane carries those packets to the network's gateway address, where
 * this service listens (one UDP socket and one TCP listener per network, at
 * a port the kernel picks), and gives the answers back the source
 * 127.0.0.11:53 (native/resolver/resolver_stages.h). No socket lives in the
 * container, so its own port 53 stays free; no iptables rule is involved.
 *
 * The asker is the container whose address on that network the packet comes
 * from (port security keeps containers from borrowing another's); the
 * answer is scoped to that container's networks, so nothing leaks across
 * networks. A packet from anyone else is REFUSED.
 *
 * Names of containers are answered here; other names go to the container's
 * --dns servers, else the host's. Large answers set TC over UDP and are
 * served whole over TCP. Malformed queries are dropped and counted; each
 * container has a token bucket, so a flood from one does not starve others
 * (addresses no container holds share one bucket per network).
 */
export const RESOLVER_ADDRESS = '127.0.0.11';
const TTL = 600;
const RD = 1 << 8;
const RA = 1 << 7;
const TC = 1 << 9;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

export interface DnsCounters {
  queries: number;
  answered: number;
  nxdomain: number;
  nodata: number;
  forwarded: number;
  servfail: number;
  malformed: number;
  rateLimited: number;
  truncated: number;
  tcp: number;
  /** From an address no container on that network holds. */
  refused: number;
  /** Queries that hit a fault in the resolver itself, answered SERVFAIL. */
  faults: number;
}

export interface DnsOptions {
  /** Queries per second each container may send (burst: the same number). */
  rateLimit: number;
  upstreamTimeoutMs: number;
  hostResolvConf: string;
  /** The daemon's nameservers (daemon.json dns), for containers without --dns; empty: the host's. */
  defaultDns?: () => string[];
}

interface Server {
  udp: dgram.Socket;
  tcp: net.Server;
  port: number;
}

interface Bucket {
  tokens: number;
  refilled: number;
}

export class DnsService {
  readonly counters: DnsCounters = { queries: 0, answered: 0, nxdomain: 0, nodata: 0, forwarded: 0, servfail: 0, malformed: 0, rateLimited: 0, truncated: 0, tcp: 0, refused: 0, faults: 0 };
  private readonly names: Names;
  private readonly servers = new Map<string, Server>();
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly directory: DnsDirectory,
    private readonly options: DnsOptions,
  ) {
    this.names = new Names(directory);
  }

  /** Starts answering the network's containers on its gateway address; returns the port (UDP and TCP alike). */
  async serve(networkId: string, gateway: string): Promise<number> {
    const running = this.servers.get(networkId);
    if (running) return running.port;
    for (let attempt = 0; ; attempt++) {
      // A large receive buffer: a flood reaches the rate limiter and is
      // counted there, instead of vanishing uncounted in a full kernel buffer.
      const udp = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address: gateway, port: 0 }, () => resolve());
      });
      const port = udp.address().port;
      const tcp = net.createServer((conn) => this.serveTcp(networkId, conn));
      const ok = await new Promise<boolean>((resolve) => {
        tcp.once('error', () => resolve(false));
        tcp.listen({ host: gateway, port, backlog: 128 }, () => resolve(true));
      });
      if (!ok) {
        udp.close();
        if (attempt < 20) continue; // the kernel's UDP port is taken for TCP: another
        throw new Error(`cannot listen for DNS on ${gateway} (no port free for both UDP and TCP)`);
      }
      udp.on('message', (msg, from) => {
        void this.answer(networkId, from.address, msg, 'udp').then((reply) => {
          // The network may be gone by the time a forwarded answer is back: the socket is closed then.
          if (reply && this.servers.get(networkId)?.udp === udp) udp.send(reply, from.port, from.address);
        });
      });
      udp.on('error', () => undefined);
      tcp.on('error', () => undefined);
      this.servers.set(networkId, { udp, tcp, port });
      return port;
    }
  }

  /** Stops answering a network (it is being removed). */
  close(networkId: string): void {
    const s = this.servers.get(networkId);
    if (!s) return;
    s.udp.close();
    s.tcp.close();
    this.servers.delete(networkId);
    this.buckets.delete(`?${networkId}`);
  }

  /** A container is gone: its rate-limit bucket goes too. */
  forget(containerId: string): void {
    this.buckets.delete(containerId);
  }

  stop(): void {
    for (const id of [...this.servers.keys()]) this.close(id);
  }

  private admit(containerId: string): boolean {
    const now = Date.now();
    const b = this.buckets.get(containerId) ?? { tokens: this.options.rateLimit, refilled: now };
    this.buckets.set(containerId, b);
    b.tokens = Math.min(this.options.rateLimit, b.tokens + ((now - b.refilled) / 1000) * this.options.rateLimit);
    b.refilled = now;
    if (b.tokens < 1) {
      this.counters.rateLimited++;
      return false;
    }
    b.tokens--;
    return true;
  }

  private serveTcp(networkId: string, conn: net.Socket): void {
    let buf = Buffer.alloc(0);
    conn.on('error', () => undefined);
    conn.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        this.counters.tcp++;
        void this.answer(networkId, conn.remoteAddress ?? '', msg, 'tcp').then((reply) => {
          if (!reply || conn.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          conn.write(Buffer.concat([len, reply]));
        });
      }
    });
  }

  /**
   * The reply to one query from `from` on the network, or undefined to drop
   * it (malformed, or over the rate). Never rejects: a fault in answering
   * (a bug) is counted and answered SERVFAIL, so one query cannot take the
   * daemon down with an unhandled rejection.
   */
  async answer(networkId: string, from: string, msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    try {
      return await this.respond(networkId, from, msg, transport);
    } catch {
      this.counters.faults++;
      try {
        if (!plausibleQuery(msg)) return undefined;
        const q = dnsPacket.decode(msg);
        return dnsPacket.encode({ id: q.id, type: 'response', flags: ((q.flags ?? 0) & RD) | RA | RCODE.SERVFAIL, questions: q.questions });
      } catch {
        return undefined;
      }
    }
  }

  private async respond(networkId: string, from: string, msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const asker = this.directory.byAddress(networkId, from.replace(/^::ffff:/, ''));
    // Before any parsing, so a flood costs little; askers no container is share one bucket per network.
    if (!this.admit(asker?.id ?? `?${networkId}`)) return undefined;
    let query: dnsPacket.Packet;
    try {
      if (!plausibleQuery(msg)) throw new Error('not a query this resolver answers');
      query = dnsPacket.decode(msg);
    } catch {
      this.counters.malformed++;
      return undefined;
    }
    const question = query.questions?.[0];
    if (query.type !== 'query' || !question || !roundTrips(msg, question)) {
      this.counters.malformed++;
      return undefined;
    }
    this.counters.queries++;
    const flags = ((query.flags ?? 0) & RD) | RA;
    if (!asker) {
      this.counters.refused++;
      return dnsPacket.encode({ id: query.id, type: 'response', flags: flags | RCODE.REFUSED, questions: query.questions });
    }
    const limit = transport === 'tcp' ? 65535 : udpLimit(query);
    const truncated = () => {
      this.counters.truncated++;
      return dnsPacket.encode({ id: query.id, type: 'response', flags: flags | TC, questions: query.questions });
    };
    const reply = (rcode: number, answers: dnsPacket.Answer[] = []) => {
      const full = dnsPacket.encode({ id: query.id, type: 'response', flags: flags | rcode, questions: query.questions, answers });
      return full.length <= limit ? full : truncated();
    };
    const found = this.names.lookup(asker, question.name, question.type);
    switch (found.kind) {
      case 'records':
        this.counters.answered++;
        return reply(
          RCODE.NOERROR,
          found.data.map((data) => ({ type: found.type, name: question.name, ttl: TTL, class: 'IN', data }) as dnsPacket.Answer),
        );
      case 'nodata':
        this.counters.nodata++;
        return reply(RCODE.NOERROR);
      case 'nxdomain':
        this.counters.nxdomain++;
        return reply(RCODE.NXDOMAIN);
      case 'forward':
        try {
          const upstream = await forward(msg, this.upstreams(asker), this.options.upstreamTimeoutMs);
          this.counters.forwarded++;
          // Fetched whole over TCP but too big for the client's UDP: TC, so it retries over TCP.
          return upstream.length <= limit ? upstream : truncated();
        } catch {
          this.counters.servfail++;
          return reply(RCODE.SERVFAIL);
        }
    }
  }

  /** The container's --dns servers, else the daemon's (daemon.json dns), else the host's nameservers. */
  private upstreams(c: DnsContainer): string[] {
    if (c.dns.length) return c.dns;
    const daemon = this.options.defaultDns?.() ?? [];
    return daemon.length ? daemon : readResolvConf(this.options.hostResolvConf).nameservers;
  }
}

/**
 * A standard query's header: one question, no answer or authority records,
 * at most two additional ones (EDNS's OPT, a TSIG). Checked before decoding,
 * because the decoder allocates an array for each count the header claims,
 * up to 65,535 each: a 12-byte packet could cost the daemon half a
 * millisecond (found by fuzz/dns.ts).
 */
function plausibleQuery(msg: Buffer): boolean {
  return msg.length >= 17 && msg.readUInt16BE(4) === 1 && msg.readUInt16BE(6) === 0 && msg.readUInt16BE(8) === 0 && msg.readUInt16BE(10) <= 2;
}

/**
 * Does the question, as decoded, encode back to the bytes the query has?
 * The decoder reads labels as UTF-8 text, so a label with a dot, a zero
 * byte or bytes that are not UTF-8 (or a compression pointer) would be
 * answered under another name, and could encode to a reply that does not
 * decode (found by fuzz/dns.ts). Such a query is malformed here.
 */
function roundTrips(msg: Buffer, question: dnsPacket.Question): boolean {
  try {
    const encoded = dnsPacket.encode({ type: 'query', questions: [question] }).subarray(12);
    return encoded.equals(msg.subarray(12, 12 + encoded.length));
  } catch {
    return false;
  }
}

/** The largest UDP answer the client takes: its EDNS payload size, else 512. */
function udpLimit(query: dnsPacket.Packet): number {
  const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.max(512, Math.min(opt?.udpPayloadSize ?? 512, 65535));
}
