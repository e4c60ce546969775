import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { DnsContainer, DnsDirectory } from './directory';
import { loadNative } from '../dataplane/native';
import { netnsPath } from '../netns';
import { Names } from './names';
import { readResolvConf } from './resolv-conf';
import { forward } from './upstream';

/**
 * The embedded resolver. Each container with a bridge network gets a UDP
 * socket and a TCP listener at 127.0.0.11:53 *inside its own namespace*
 * (opened there by the native helper, adopted by Node). Only that container
 * can reach them, so the socket a query arrives on says who asks, and the
 * answer is scoped to that container's networks: nothing leaks across
 * networks, whatever address a container tries. (Answering at the gateway
 * address instead would put the sockets in the host's namespace, where a
 * container can reach other networks' gateway addresses too.)
 *
 * Names of containers are answered here; other names go to the container's
 * --dns servers, else the host's. Large answers set TC over UDP and are
 * served whole over TCP. Malformed queries are dropped and counted; each
 * container has a token bucket, so a flood from one does not starve others.
 */
export const RESOLVER_ADDRESS = '127.0.0.11';
const TTL = 600;
const RD = 1 << 8;
const RA = 1 << 7;
const TC = 1 << 9;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

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
}

export interface DnsOptions {
  /** Queries per second each container may send (burst: the same number). */
  rateLimit: number;
  upstreamTimeoutMs: number;
  hostResolvConf: string;
}

interface Listener {
  udp: dgram.Socket;
  tcp: net.Server;
  tokens: number;
  refilled: number;
}

export class DnsService {
  readonly counters: DnsCounters = { queries: 0, answered: 0, nxdomain: 0, nodata: 0, forwarded: 0, servfail: 0, malformed: 0, rateLimited: 0, truncated: 0, tcp: 0 };
  private readonly names: Names;
  private readonly listeners = new Map<string, Listener>();

  constructor(
    private readonly directory: DnsDirectory,
    private readonly options: DnsOptions,
  ) {
    this.names = new Names(directory);
  }

  /** Starts answering inside the container's namespace. */
  attach(c: { id: string; netns?: string }): void {
    if (!c.netns || this.listeners.has(c.id)) return;
    const fds = loadNative().openListenSockets(netnsPath(c.netns), RESOLVER_ADDRESS, 53);
    // A large receive buffer: a flood reaches the rate limiter and is counted
    // there, instead of vanishing uncounted in a full kernel buffer.
    const udp = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
    udp.bind({ fd: fds.udp });
    const tcp = net.createServer((conn) => this.serveTcp(c.id, conn));
    tcp.listen({ fd: fds.tcp });
    const l: Listener = { udp, tcp, tokens: this.options.rateLimit, refilled: Date.now() };
    udp.on('message', (msg, from) => {
      if (!this.admit(l)) return;
      void this.answer(c.id, msg, 'udp').then((reply) => reply && udp.send(reply, from.port, from.address));
    });
    udp.on('error', () => undefined);
    tcp.on('error', () => undefined);
    this.listeners.set(c.id, l);
  }

  detach(containerId: string): void {
    const l = this.listeners.get(containerId);
    if (!l) return;
    l.udp.close();
    l.tcp.close();
    this.listeners.delete(containerId);
  }

  stop(): void {
    for (const id of [...this.listeners.keys()]) this.detach(id);
  }

  private admit(l: Listener): boolean {
    const now = Date.now();
    l.tokens = Math.min(this.options.rateLimit, l.tokens + ((now - l.refilled) / 1000) * this.options.rateLimit);
    l.refilled = now;
    if (l.tokens < 1) {
      this.counters.rateLimited++;
      return false;
    }
    l.tokens--;
    return true;
  }

  private serveTcp(containerId: string, conn: net.Socket): void {
    let buf = Buffer.alloc(0);
    conn.on('error', () => undefined);
    conn.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        const l = this.listeners.get(containerId);
        if (!l || !this.admit(l)) continue;
        this.counters.tcp++;
        void this.answer(containerId, msg, 'tcp').then((reply) => {
          if (!reply || conn.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          conn.write(Buffer.concat([len, reply]));
        });
      }
    });
  }

  /** The reply to one query, or undefined to drop it (malformed, or the asker is gone). */
  async answer(containerId: string, msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      this.counters.malformed++;
      return undefined;
    }
    const question = query.questions?.[0];
    if (query.type !== 'query' || !question) {
      this.counters.malformed++;
      return undefined;
    }
    this.counters.queries++;
    const asker = this.directory.container(containerId);
    if (!asker) return undefined;
    const flags = ((query.flags ?? 0) & RD) | RA;
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

  /** The container's --dns servers, else the host's nameservers. */
  private upstreams(c: DnsContainer): string[] {
    return c.dns.length ? c.dns : readResolvConf(this.options.hostResolvConf).nameservers;
  }
}

/** The largest UDP answer the client takes: its EDNS payload size, else 512. */
function udpLimit(query: dnsPacket.Packet): number {
  const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.max(512, Math.min(opt?.udpPayloadSize ?? 512, 65535));
}
