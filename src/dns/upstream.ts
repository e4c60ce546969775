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

/**
 * A promise settled once: by the first of an answer, an error or the timeout,
 * after which `cleanup` closes the socket.
 */
function settleOnce(timeoutMs: number, cleanup: () => void) {
  let resolve!: (b: Buffer) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<Buffer>((res, rej) => ((resolve = res), (reject = rej)));
  const timer = setTimeout(() => done(new Error('timeout')), timeoutMs);
  let settled = false;
  const done = (err: Error | null, msg?: Buffer) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    cleanup();
    if (err) reject(err);
    else resolve(msg!);
  };
  return { promise, done };
}

function udpQuery(query: Buffer, server: string, timeoutMs: number): Promise<Buffer> {
  const sock = dgram.createSocket(isIPv6(server) ? 'udp6' : 'udp4');
  const { promise, done } = settleOnce(timeoutMs, () => sock.close());
  sock.on('error', (e) => done(e));
  sock.on('message', (msg) => {
    if (msg.length >= 12 && msg.readUInt16BE(0) === query.readUInt16BE(0)) done(null, msg);
  });
  sock.send(query, 53, server);
  return promise;
}

export function tcpQuery(query: Buffer, server: string, timeoutMs: number, port = 53): Promise<Buffer> {
  const sock = net.connect({ host: server, port });
  const { promise, done } = settleOnce(timeoutMs, () => sock.destroy());
  let buf = Buffer.alloc(0);
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
  return promise;
}
