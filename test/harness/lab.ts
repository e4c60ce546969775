import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { Engine, PacketSocket, type EngineOptions } from '../../src/dataplane';
import { attachEndpoint, type Endpoint, type EndpointSpec } from '../../src/endpoint';
import { createNetns, execIn, netnsPath, type RunResult } from '../../src/netns';
import { TEST_PREFIX, sweep } from '../../src/demo/sweep';

/**
 * A test topology: an engine plus namespaces and ports, all named with one
 * unique prefix (fyt + 5 random characters), so parallel or interrupted runs
 * never collide, and cleanup can find everything by name.
 *
 * Everything is removed in cleanup(), which useLab() wires to afterAll, and
 * also on process exit and SIGINT/SIGTERM. The global teardown sweeps the
 * prefix once more and fails the run if anything was left.
 */
export class Lab {
  readonly prefix = TEST_PREFIX + randomBytes(4).toString('hex').slice(0, 5);
  readonly engine: Engine;
  private readonly deferred: (() => unknown)[] = [];
  private readonly sockets: PacketSocket[] = [];
  private readonly onExit = () => this.cleanupSync();

  constructor(engineOptions: EngineOptions = {}) {
    this.engine = new Engine(engineOptions);
    process.once('exit', this.onExit);
    for (const sig of ['SIGINT', 'SIGTERM'] as const)
      process.once(sig, () => {
        this.cleanupSync();
        process.exit(130);
      });
  }

  /** The full name of a namespace or device of this lab. */
  name(short: string): string {
    return `${this.prefix}-${short}`;
  }

  async netns(short: string): Promise<string> {
    const ns = this.name(short);
    await createNetns(ns);
    return ns;
  }

  /** A container: its own namespace, a TAP eth0 on `domain`, addresses, lo up. */
  endpoint(short: string, domain: number, addresses: string[], extra: Partial<EndpointSpec> = {}): Promise<Endpoint> {
    return attachEndpoint(this.engine, { netns: this.name(short), domain, addresses, ...extra });
  }

  /** Runs argv inside namespace `short` (or a full name). */
  exec(ns: string, argv: string[], timeoutMs = 60_000): Promise<RunResult> {
    return execIn(this.full(ns), argv, { timeoutMs });
  }

  /** Like exec, but throws with the output when the command fails. */
  async check(ns: string, argv: string[], timeoutMs = 60_000): Promise<string> {
    const r = await this.exec(ns, argv, timeoutMs);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} in ${this.full(ns)} exited ${r.code}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  /** A raw packet socket on an interface of namespace `short`, closed at cleanup. */
  socket(ns: string, ifname = 'eth0', vnetHdr = false): PacketSocket {
    const s = new PacketSocket({ netns: netnsPath(this.full(ns)), ifname, vnetHdr });
    this.sockets.push(s);
    return s;
  }

  /** Registers something to undo at cleanup (run in reverse order). */
  defer(fn: () => unknown): void {
    this.deferred.push(fn);
  }

  /** A MAC address unique to this lab. */
  mac(n: number): string {
    return `02:${this.prefix.slice(3, 5)}:${this.prefix.slice(5, 7)}:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
  }

  async cleanup(): Promise<void> {
    for (const fn of this.deferred.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    this.deferred.length = 0;
    this.cleanupSync();
  }

  private cleanupSync(): void {
    for (const s of this.sockets) s.close();
    this.sockets.length = 0;
    this.engine.shutdown();
    sweep(this.prefix);
    process.removeListener('exit', this.onExit);
  }

  private full(ns: string): string {
    return ns.startsWith(this.prefix) ? ns : this.name(ns);
  }
}

/** One lab per test file: created before the first test, torn down after the last. */
export function useLab(engineOptions: EngineOptions = {}): () => Lab {
  let lab: Lab | undefined;
  beforeAll(() => {
    lab = new Lab(engineOptions);
  });
  afterAll(async () => {
    await lab?.cleanup();
  });
  return () => {
    if (!lab) throw new Error('useLab(): the lab exists only inside tests');
    return lab;
  };
}
