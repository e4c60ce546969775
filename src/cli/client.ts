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
      req.on('error', (e: NodeJS.ErrnoException) => reject(this.unreachable(e)));
      req.end(payload);
    });
  }

  /**
   * A call that answers as it goes: onChunk gets the raw body (or, for
   * NDJSON, one parsed object per line) until the daemon ends it. An error
   * the daemon sends in the stream rejects.
   */
  stream(
    method: string,
    path: string,
    body: unknown,
    onData: { line?: (value: unknown) => void | Promise<void>; bytes?: (chunk: Buffer) => void | Promise<void>; headers?: (h: Record<string, string | string[] | undefined>) => void },
  ): Promise<Record<string, string>> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request({ socketPath: this.socket, method, path, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
        if ((res.statusCode ?? 500) >= 400) {
          const chunks: Buffer[] = [];
          res.on('error', reject);
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const err = (JSON.parse(Buffer.concat(chunks).toString() || '{}') as { error?: { code: string; message: string } }).error;
            reject(new DaemonError(err?.code ?? 'internal', err?.message ?? `HTTP ${res.statusCode}`));
          });
          return;
        }
        onData.headers?.(res.headers);
        let pending = '';
        let failed: DaemonError | undefined;
        const handle = async (c: Buffer) => {
          if (onData.bytes) return onData.bytes(c);
          pending += c.toString();
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            if (!line) continue;
            const value = JSON.parse(line) as { error?: { code: string; message: string } };
            if (value?.error) failed = new DaemonError(value.error.code, value.error.message);
            else await onData.line?.(value);
          }
        };
        let chain = Promise.resolve();
        res.on('data', (c: Buffer) => {
          res.pause();
          chain = chain.then(() => handle(c)).then(() => void res.resume());
        });
        res.on('end', () => void chain.then(() => (failed ? reject(failed) : resolve(res.trailers as Record<string, string>)), reject));
        res.on('error', reject);
      });
      req.on('error', (e: NodeJS.ErrnoException) => reject(this.unreachable(e)));
      req.end(payload);
    });
  }

  /**
   * A call whose request body is a stream (attach: the container's stdin)
   * and whose answer is bytes as they come; resolves when the daemon ends
   * the answer, and stops sending then.
   */
  pipe(method: string, path: string, input: NodeJS.ReadableStream, onBytes: (chunk: Buffer) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: this.socket, method, path, headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' } }, (res) => {
        const done = () => {
          input.unpipe(req);
          req.destroy();
        };
        if ((res.statusCode ?? 500) >= 400) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            done();
            const err = (JSON.parse(Buffer.concat(chunks).toString() || '{}') as { error?: { code: string; message: string } }).error;
            reject(new DaemonError(err?.code ?? 'internal', err?.message ?? `HTTP ${res.statusCode}`));
          });
          return;
        }
        res.on('data', onBytes);
        res.on('end', () => (done(), resolve()));
        res.on('error', reject);
      });
      req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(this.unreachable(e))));
      req.flushHeaders();
      input.pipe(req);
    });
  }

  private unreachable(e: NodeJS.ErrnoException): DaemonError {
    return new DaemonError('unreachable', `cannot reach the daemon at ${this.socket} (${e.code ?? e.message}): is "ferry daemon" running? (set --socket or FERRY_SOCKET)`);
  }
}
