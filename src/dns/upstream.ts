import dgram from 'node:dgram';
import net from 'node:net';
import { isIPv6 } from 'node:net';

/**
 * Forwards a query, as received, to the upstream resolvers in order: UDP
 * first, and over TCP to the same server when the UDP answer comes back
 * truncated. Each server gets `timeoutMs`; when none answers, the caller
 * answers SERVFAIL (never silence). Runs in the daemon's namespace, so a
 * resolver on the host's loopback (127.0.0.53, say) is usable too.
 */
export async function forward(query: Buffer, servers: string[], timeoutMs: number): Promise<Buffer> {
  for (const server of servers) {
    try {
      const reply = await udpQuery(query, server, timeoutMs);
      if ((reply.readUInt16BE(2) & 0x0200) === 0) return reply; // TC not set
      return await tcpQuery(query, server, timeoutMs);
    } catch {
      /* next server */
    }
  }
  throw new Error(`no upstream answered (${servers.join(', ') || 'none configured'})`);
}

function udpQuery(query: Buffer, server: string, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(isIPv6(server) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => done(new Error('timeout')), timeoutMs);
    const done = (err: Error | null, msg?: Buffer) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(msg!);
    };
    sock.on('error', (e) => done(e));
    sock.on('message', (msg) => {
      if (msg.length >= 12 && msg.readUInt16BE(0) === query.readUInt16BE(0)) done(null, msg);
    });
    sock.send(query, 53, server);
  });
}

export function tcpQuery(query: Buffer, server: string, timeoutMs: number, port = 53): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: server, port });
    const timer = setTimeout(() => done(new Error('timeout')), timeoutMs);
    let buf = Buffer.alloc(0);
    const done = (err: Error | null, msg?: Buffer) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(msg!);
    };
    sock.on('error', (e) => done(e));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(null, buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
  });
}
