import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';

/**
 * The userspace relay for published ports reached from the host itself
 * (localhost:PORT, the host's own addresses): those packets never cross an
 * interface Ferry reads, so they cannot be NATed in the fast path. The relay
 * listens in the daemon's namespace and connects to the container, as
 * docker-proxy does; the container sees the network's gateway address as
 * the client. Traffic from outside never takes this path.
 */
export interface RelaySpec {
  protocol: 'tcp' | 'udp';
  bindIp: string;
  port: number;
  targetIp: string;
  targetPort: number;
}

const UDP_IDLE_MS = 30_000;

export interface Relay {
  close(): void;
}

export function openRelay(spec: RelaySpec): Promise<Relay> {
  return spec.protocol === 'tcp' ? tcpRelay(spec) : udpRelay(spec);
}

function tcpRelay(spec: RelaySpec): Promise<Relay> {
  const server: Server = createServer((client) => {
    const upstream = connect({ host: spec.targetIp, port: spec.targetPort });
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: spec.bindIp, port: spec.port, exclusive: true }, () => {
      server.off('error', reject);
      resolve({ close: () => server.close() });
    });
  });
}

function udpRelay(spec: RelaySpec): Promise<Relay> {
  const listener = createSocket({ type: 'udp4' });
  // One socket towards the container per client, so its answers find their way back.
  const peers = new Map<string, { socket: UdpSocket; last: number; queue: Buffer[] | null }>();
  listener.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let peer = peers.get(key);
    if (!peer) {
      const socket = createSocket({ type: 'udp4' });
      const p = { socket, last: Date.now(), queue: [] as Buffer[] | null };
      socket.on('message', (reply) => listener.send(reply, from.port, from.address));
      socket.on('error', () => undefined);
      socket.connect(spec.targetPort, spec.targetIp, () => {
        for (const m of p.queue ?? []) socket.send(m);
        p.queue = null;
      });
      peers.set(key, p);
      peer = p;
    }
    peer.last = Date.now();
    if (peer.queue) peer.queue.push(msg);
    else peer.socket.send(msg);
  });
  listener.on('error', () => undefined);
  const sweep = setInterval(() => {
    for (const [key, peer] of peers)
      if (Date.now() - peer.last > UDP_IDLE_MS) {
        peer.socket.close();
        peers.delete(key);
      }
  }, UDP_IDLE_MS / 2);
  sweep.unref();
  return new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.bind({ address: spec.bindIp, port: spec.port, exclusive: true }, () => {
      listener.off('error', reject);
      resolve({
        close: () => {
          clearInterval(sweep);
          for (const peer of peers.values()) peer.socket.close();
          listener.close();
        },
      });
    });
  });
}
