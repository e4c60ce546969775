import { request } from 'node:http';

/**
 * What Ferry asks dockerd (its Engine API, read only): the plugin protocol
 * never names a network or a container, only their ids and a sandbox's
 * namespace path, so names for DNS, `ferry network ls` and `ferry stats`,
 * and a container's process (to find its namespace after a restart), come
 * from here.
 */
export interface DockerNetworkInfo {
  Name: string;
  Labels?: Record<string, string> | null;
  Containers?: Record<string, { Name: string; EndpointID: string }> | null;
}

export interface DockerContainerInfo {
  Id: string;
  Name: string;
  Config?: { Hostname?: string };
  State?: { Pid?: number; Running?: boolean };
}

export class DockerApi {
  private readonly socketPath: string;

  /** host: unix:///path (DOCKER_HOST's form) or a bare path. */
  constructor(host: string) {
    this.socketPath = host.startsWith('unix://') ? host.slice('unix://'.length) : host;
    if (!this.socketPath.startsWith('/')) throw new Error(`--docker-host ${host}: expected unix:///PATH`);
  }

  network(id: string): Promise<DockerNetworkInfo | undefined> {
    return this.get(`/networks/${encodeURIComponent(id)}`);
  }

  container(id: string): Promise<DockerContainerInfo | undefined> {
    return this.get(`/containers/${encodeURIComponent(id)}/json`);
  }

  /** The object, undefined when dockerd answers 404; rejects when it cannot be asked. */
  private get<T>(path: string): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, path, method: 'GET', timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          if (res.statusCode === 404) return resolve(undefined);
          if (res.statusCode !== 200) return reject(new Error(`dockerd answered ${res.statusCode} to GET ${path}: ${body.trim()}`));
          try {
            resolve(JSON.parse(body) as T);
          } catch (e) {
            reject(e as Error);
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`dockerd did not answer GET ${path} within 5 s`)));
      req.on('error', reject);
      req.end();
    });
  }
}

/** Asks until the answer is there (dockerd stores an object after the plugin made it), up to waitMs, or until moot() says it no longer matters. */
export async function until<T>(ask: () => Promise<T | undefined>, waitMs: number, moot: () => boolean = () => false, everyMs = 20): Promise<T | undefined> {
  for (const deadline = Date.now() + waitMs; ; ) {
    const v = await ask().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline || moot()) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
