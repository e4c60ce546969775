import { createServer, type Server } from 'node:http';
import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Docker's plugin protocol: JSON over HTTP on a unix socket that dockerd
 * finds by itself under /run/docker/plugins (the socket's name is the
 * driver's name). Every call is a POST to /Kind.Method; an error is any
 * status but 200 with {"Err": "..."}, which dockerd shows the user as is.
 */
export const PLUGIN_CONTENT_TYPE = 'application/vnd.docker.plugins.v1.2+json';
export const PLUGIN_DIR = '/run/docker/plugins';

export type PluginHandler = (body: Record<string, unknown>) => Promise<unknown> | unknown;

export function servePlugin(socketPath: string, handlers: Record<string, PluginHandler>, onError: (method: string, e: Error) => void): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\//, '');
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { 'Content-Type': PLUGIN_CONTENT_TYPE });
        res.end(JSON.stringify(value));
      };
      const handler = handlers[method];
      if (req.method !== 'POST' || !handler) return reply(404, { Err: `${req.method} ${req.url}: not a method of Ferry's plugin (it serves ${Object.keys(handlers).join(', ')})` });
      let parsed: Record<string, unknown>;
      try {
        parsed = body.trim() ? (JSON.parse(body) as Record<string, unknown>) : {};
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the body is not a JSON object');
      } catch (e) {
        return reply(400, { Err: `${method}: ${(e as Error).message}` });
      }
      Promise.resolve()
        .then(() => handler(parsed))
        .then(
          (value) => reply(200, value ?? {}),
          (e: Error) => {
            onError(method, e);
            reply(500, { Err: e.message });
          },
        );
    });
  });
  mkdirSync(dirname(socketPath), { recursive: true });
  try {
    unlinkSync(socketPath); // a socket left by a daemon that died
  } catch {
    /* none */
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      chmodSync(socketPath, 0o660);
      resolve(server);
    });
  });
}
