import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { Daemon } from './daemon';
import type { ContainerDoc } from './model';
import { badRequest, conflict, notFound, toFerryError } from './errors';
import { containerInspect, networkInspect } from './inspect';
import { unixNanos } from './log-times';
import { CaptureRequest, CniAddRequest, CniAttachmentRequest, CniGcRequest, ConnectRequest, DisconnectRequest, EmptyRequest, InjectRequest, KillRequest, NetworkCreateRequest, ResizeRequest, RunRequest, StopRequest, TraceRequest, parseRequest } from './requests';

/**
 * HTTP and JSON over a unix socket (mode 0600: root only). Errors answer
 * {"error": {"code", "message"}} with a 4xx/5xx status. Every mutating call
 * runs under the state's lock. A call that goes on (trace, capture, events)
 * answers with a Streamed body: NDJSON lines or raw bytes as they come,
 * until the producer ends or the client goes away.
 */
export class Streamed {
  constructor(
    readonly contentType: 'application/x-ndjson' | 'application/octet-stream',
    /** Writes until done; `closed` turns true when the client has gone. What it returns is sent as HTTP trailers. */
    readonly produce: (write: (chunk: Buffer | string) => Promise<void>, closed: () => boolean) => Promise<Record<string, string> | void>,
    readonly headers: Record<string, string> = {},
  ) {}
}

type Handler = (d: Daemon, params: string[], body: unknown, query: URLSearchParams) => Promise<unknown>;

/** attach takes its body as a stream (the container's stdin), not as JSON. */
const ATTACH = /^\/v1\/containers\/([^/]+)\/attach$/;

const routes: [string, RegExp, Handler][] = [
  // Sorted as Docker's CLI shows them: networks by name, containers newest first.
  ['GET', /^\/v1\/networks$/, async (d) => [...d.state.networks.values()].sort((a, b) => a.name.localeCompare(b.name)).map((n) => networkInspect(n, d.state, peersOf(d, n)))],
  ['POST', /^\/v1\/networks$/, (d, _p, b) => {
    const spec = parseRequest(NetworkCreateRequest, b);
    return d.state.exclusive(async () => {
      const n = await d.networks.create(spec);
      return networkInspect(n, d.state, peersOf(d, n));
    });
  }],
  ['POST', /^\/v1\/networks\/prune$/, (d, _p, b) => (parseRequest(EmptyRequest, b), d.state.exclusive(async () => ({ removed: await d.networks.prune() })))],
  ['GET', /^\/v1\/networks\/([^/]+)$/, async (d, [ref]) => {
    const n = d.state.network(ref!);
    return networkInspect(n, d.state, peersOf(d, n));
  }],
  ['DELETE', /^\/v1\/networks\/([^/]+)$/, (d, [ref]) => d.state.exclusive(() => d.networks.remove(ref!))],
  ['POST', /^\/v1\/networks\/([^/]+)\/connect$/, (d, [ref], b) => {
    const spec = parseRequest(ConnectRequest, b);
    return d.state.exclusive(() => d.networks.connect(ref!, spec.container, spec));
  }],
  ['POST', /^\/v1\/networks\/([^/]+)\/disconnect$/, (d, [ref], b) => {
    const spec = parseRequest(DisconnectRequest, b);
    return d.state.exclusive(() => d.networks.disconnect(ref!, spec.container));
  }],
  // The CNI plugin (cni/main.ts): a runtime's namespace attached to, checked on, detached from a network.
  ['POST', /^\/v1\/cni\/add$/, (d, _p, b) => {
    const spec = parseRequest(CniAddRequest, b);
    return d.state.exclusive(() => d.cni.add(spec));
  }],
  ['POST', /^\/v1\/cni\/del$/, (d, _p, b) => {
    const spec = parseRequest(CniAttachmentRequest, b);
    return d.state.exclusive(() => d.cni.del(spec));
  }],
  ['POST', /^\/v1\/cni\/check$/, (d, _p, b) => {
    const spec = parseRequest(CniAttachmentRequest, b);
    return d.state.exclusive(() => d.cni.check(spec));
  }],
  ['POST', /^\/v1\/cni\/gc$/, (d, _p, b) => {
    const spec = parseRequest(CniGcRequest, b);
    return d.state.exclusive(async () => ({ removed: await d.cni.gc(spec) }));
  }],
  ['GET', /^\/v1\/dns$/, async (d) => d.dns.counters],
  ['GET', /^\/v1\/nodes$/, async (d) => clustered(d).membership!.nodes()],
  ['GET', /^\/v1\/nodes\/keys$/, async (d) => clustered(d).overlays!.keys.state()],
  ['POST', /^\/v1\/nodes\/keys\/rotate$/, async (d) => {
    const r = await clustered(d).overlays!.keys.rotate();
    if (!r) throw conflict('the cluster has no keys yet: they are made with the first encrypted network (network create -d overlay -o encrypted)');
    return r;
  }],
  ['GET', /^\/v1\/events$/, async (d, _p, _b, q) => {
    const since = q.get('since');
    if (since !== null && !/^\d+$/.test(since)) throw badRequest('since must be a time in nanoseconds since the epoch');
    return new Streamed('application/x-ndjson', async (write, closed) => {
      let queue = Promise.resolve();
      const off = d.events.subscribe((e) => (queue = queue.then(() => write(`${JSON.stringify(e)}\n`))), since === null ? undefined : Number(since));
      try {
        while (!closed()) await new Promise((r) => setTimeout(r, 200));
      } finally {
        off();
      }
    });
  }],
  ['GET', /^\/v1\/stats$/, async (d) => d.stats()],
  ['GET', /^\/v1\/info$/, async (d) => d.info()],
  ['GET', /^\/v1\/conntrack$/, async (d) => d.engine.conntrack()],
  ['POST', /^\/v1\/trace$/, async (d, _p, b) => {
    const o = parseRequest(TraceRequest, b);
    if (o.port !== undefined) d.tracing.resolvePort(o.port); // a bad port is a 4xx before the stream starts
    return new Streamed('application/x-ndjson', async (write, closed) => {
      const summary = await d.tracing.trace({ count: o.count ?? 10, port: o.port, timeoutMs: (o.timeout ?? 10) * 1000 }, (p) => write(`${JSON.stringify(p)}\n`), closed);
      await write(`${JSON.stringify({ done: summary })}\n`);
    });
  }],
  ['POST', /^\/v1\/capture$/, async (d, _p, b) => {
    const session = d.captures.open(parseRequest(CaptureRequest, b));
    return new Streamed(
      'application/octet-stream',
      async (write, closed) => {
        const c = await d.captures.run(session, write, closed);
        return { 'x-ferry-captured': String(c.written), 'x-ferry-lost': String(c.lost), 'x-ferry-filtered': String(c.filtered) };
      },
      { 'x-ferry-capture': String(session.id), trailer: 'x-ferry-captured, x-ferry-lost, x-ferry-filtered' },
    );
  }],
  ['POST', /^\/v1\/capture\/(\d+)\/stop$/, async (d, [id], b) => (parseRequest(EmptyRequest, b), d.captures.stop(Number(id)))],
  ['POST', /^\/v1\/trace\/inject$/, async (d, _p, b) => {
    const o = parseRequest(InjectRequest, b);
    return d.tracing.inject(o.from, o.packet, !!o.send);
  }],
  ['GET', /^\/v1\/containers$/, async (d, _p, _b, q) => [...d.state.containers.values()].filter((c) => q.get('all') === '1' || c.state === 'running').sort((a, b) => b.created.localeCompare(a.created)).map((c) => containerInspect(c, d.state))],
  ['POST', /^\/v1\/containers$/, (d, _p, b) => {
    const spec = parseRequest(RunRequest, b);
    return d.state.exclusive(async () => containerInspect(await d.containers.run(spec), d.state));
  }],
  ['POST', /^\/v1\/containers\/create$/, (d, _p, b) => {
    const spec = parseRequest(RunRequest, b);
    return d.state.exclusive(async () => containerInspect(await d.containers.create(spec), d.state));
  }],
  ['GET', /^\/v1\/containers\/([^/]+)$/, async (d, [ref]) => containerInspect(d.state.container(ref!), d.state)],
  ['GET', /^\/v1\/containers\/([^/]+)\/logs$/, async (d, [ref], _b, q) => {
    const c = ours(d, ref!, 'logs');
    if (!q.has('follow') && !q.has('tail')) return { log: d.containers.readLog(c) };
    const tail = q.get('tail');
    if (tail !== null && tail !== 'all' && !/^\d+$/.test(tail)) throw badRequest(`tail=${tail}: expected a number of lines or "all"`);
    const follow = q.get('follow') === '1';
    const since = q.get('since');
    if (since !== null && !/^\d+(\.\d{1,9})?$/.test(since)) throw badRequest(`since=${since}: expected Unix seconds, with up to nine decimals`);
    const request = { tail: tail === null || tail === 'all' ? undefined : Number(tail), follow, since: since === null ? undefined : unixNanos(since), timestamps: q.get('timestamps') === '1' };
    if ((request.since !== undefined || request.timestamps) && !d.containers.hasLogTimes(c)) throw conflict(`the log of "${c.name}" has no times (it was started by an older Ferry): --since and --timestamps cannot be used on it`);
    return new Streamed('application/octet-stream', (write, closed) => d.containers.sendLog(c, request, write, closed));
  }],
  // Not under the lock: it waits for an exit, which the reaper handles under the lock.
  // The container's stdin from the request body, its output (the log, from the start) as the answer, until it stops.
  ['POST', ATTACH, async (d, [ref], body) => {
    const c = ours(d, ref!, 'attach');
    d.containers.attachInput(c, body as http.IncomingMessage);
    return new Streamed('application/octet-stream', (write, closed) =>
      d.containers.sendLog(c, { follow: true }, write, closed),
    );
  }],
  ['POST', /^\/v1\/containers\/([^/]+)\/resize$/, async (d, [ref], b) => d.containers.resize(ours(d, ref!, 'attach'), parseRequest(ResizeRequest, b))],
  ['POST', /^\/v1\/containers\/([^/]+)\/wait$/, (d, [ref], b) => (parseRequest(EmptyRequest, b), foreign(d.state.findContainer(ref!), 'wait'), d.containers.wait(ref!))],
  ['POST', /^\/v1\/containers\/([^/]+)\/kill$/, async (d, [ref], b) => {
    const { signal } = parseRequest(KillRequest, b);
    return d.containers.kill(ours(d, ref!, 'kill'), signal ?? 'SIGKILL');
  }],
  ['POST', /^\/v1\/containers\/([^/]+)\/start$/, (d, [ref], b) => (parseRequest(EmptyRequest, b), d.state.exclusive(() => d.containers.start(ours(d, ref!, 'start'))))],
  ['POST', /^\/v1\/containers\/([^/]+)\/stop$/, (d, [ref], b) => {
    const { timeout } = parseRequest(StopRequest, b);
    ours(d, ref!, 'stop');
    return d.containers.stop(ref!, timeout ?? 10);
  }],
  ['DELETE', /^\/v1\/containers\/([^/]+)$/, (d, [ref], _b, q) => d.state.exclusive(() => d.containers.remove(ours(d, ref!, 'rm'), q.get('force') === '1'))],
];

/**
 * A container whose process Ferry runs. Docker's and a CNI runtime's are
 * theirs: Ferry carries their network only, and refuses to start, stop,
 * signal or remove them, or to serve their logs.
 */
function ours(d: Daemon, ref: string, verb: string): ContainerDoc {
  const c = d.state.container(ref);
  foreign(c, verb);
  return c;
}

function foreign(c: ContainerDoc | undefined, verb: string): void {
  if (c?.docker) throw badRequest(`container "${c.name}" is Docker's; Ferry carries its network only (use docker ${verb} ${c.name})`);
  if (c?.cni) throw badRequest(`container "${c.name}" belongs to a CNI runtime; Ferry carries its network only (use that runtime's ${verb})`);
}

/** The body as JSON; an empty body is an empty object. */
async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (!chunks.length) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString()) as unknown;
  } catch {
    throw badRequest('request body is not JSON');
  }
}

/** An overlay network's hosts, for its inspect (Peers); nothing for other networks. */
function peersOf(d: Daemon, n: { id: string; driver: string }): { Name: string; IP: string }[] | undefined {
  return n.driver === 'overlay' ? d.overlays?.peers(n.id) : undefined;
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw badRequest(`"${part}" in the request path is not valid percent-encoding`);
  }
}

/** Writes a Streamed answer; a slow client slows the producer (each write waits for the socket to drain). */
function stream(res: http.ServerResponse, s: Streamed, onError: (e: Error) => void): void {
  let closed = false;
  res.on('close', () => (closed = true));
  res.writeHead(200, { ...s.headers, 'content-type': s.contentType, 'transfer-encoding': 'chunked' });
  const write = (chunk: Buffer | string) =>
    new Promise<void>((resolve) => {
      if (closed || res.write(chunk)) return resolve();
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.once('drain', done);
      res.once('close', done);
    });
  s.produce(write, () => closed).then(
    (trailers) => {
      if (trailers) res.addTrailers(trailers);
      res.end();
    },
    (e: Error) => {
      onError(e);
      const err = toFerryError(e);
      if (s.contentType === 'application/x-ndjson') res.end(`${JSON.stringify({ error: { code: err.code, message: err.message } })}\n`);
      else res.destroy(e);
    },
  );
}

/** Is a daemon answering on this socket? */
function listening(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socket);
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
}

/** The daemon, if it is in a cluster; else the error that says how to make it one. */
function clustered(d: Daemon): Daemon {
  if (!d.membership || !d.overlays) throw conflict('this daemon is not in a cluster: start it with --cluster-store etcd://HOST:PORT --advertise-addr IP');
  return d;
}

export async function serve(d: Daemon, socket: string): Promise<http.Server> {
  mkdirSync(path.dirname(socket), { recursive: true, mode: 0o755 });
  if (await listening(socket)) throw new Error(`another daemon is listening on ${socket}; stop it or give --socket`);
  try {
    unlinkSync(socket); // a stale socket of a daemon that died
  } catch {
    /* none */
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://ferry');
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(value === undefined ? '{}' : JSON.stringify(value));
    };
    void (async () => {
      const route = routes.find(([m, re]) => m === req.method && re.test(url.pathname));
      if (!route) throw notFound(`no such API call: ${req.method} ${url.pathname}`);
      const params = route[1].exec(url.pathname)!.slice(1).map(decodePathPart);
      return route[2](d, params, route[1] === ATTACH ? req : await readBody(req), url.searchParams);
    })().then(
      (value) => (value instanceof Streamed ? stream(res, value, (e) => d.options.log('api.stream', { path: url.pathname, error: e.message }, 'warn')) : send(200, value)),
      (e: unknown) => {
        const err = toFerryError(e);
        if (err.code === 'internal') d.options.log('api.error', { method: req.method, path: url.pathname, error: err.message }, 'error');
        send(err.status, { error: { code: err.code, message: err.message } });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  chmodSync(socket, 0o600);
  return server;
}
