import http from 'node:http';

export const DEFAULT_SOCKET = '/run/ferry/ferry.sock';

/** An error the daemon answered with: its message is already the sentence for the user. */
export class DaemonError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DaemonError';
  }
}

/** HTTP/JSON to the daemon over its unix socket. */
export class Client {
  constructor(readonly socket: string) {}

  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request({ socketPath: this.socket, method, path, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let value: unknown;
          try {
            value = text ? JSON.parse(text) : undefined;
          } catch {
            return reject(new Error(`the daemon answered something that is not JSON: ${text.slice(0, 100)}`));
          }
          if ((res.statusCode ?? 500) >= 400) {
            const err = (value as { error?: { code: string; message: string } })?.error;
            return reject(new DaemonError(err?.code ?? 'internal', err?.message ?? `HTTP ${res.statusCode}`));
          }
          resolve(value as T);
        });
      });
      req.on('error', (e: NodeJS.ErrnoException) =>
        reject(new DaemonError('unreachable', `cannot reach the daemon at ${this.socket} (${e.code ?? e.message}): is "ferry daemon" running? (set --socket or FERRY_SOCKET)`)),
      );
      req.end(payload);
    });
  }
}
