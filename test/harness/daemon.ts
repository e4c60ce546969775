import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createNetns, execIn, netnsPath } from '../../src/netns';
import { TEST_PREFIX, sweep } from '../../src/netns/sweep';
import { randomBytes } from 'node:crypto';

const FERRY = path.join(__dirname, '..', '..', 'bin', 'ferry');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A Ferry daemon for a test file, in a network namespace of its own that
 * plays the host: ferry0 and br-* appear there, and so do host-mode
 * containers. The daemon enters only that network namespace (nsenter --net),
 * not a private mount namespace as `ip netns exec` would give it, so the
 * container namespaces it bind-mounts under /run/netns outlive it across a
 * restart, as they do for a real daemon. Everything is named with the test's
 * prefix and swept at the end.
 */
export class DaemonLab {
  readonly prefix = TEST_PREFIX + randomBytes(4).toString('hex').slice(0, 5);
  readonly hostNs = `${this.prefix}-host`;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ferry-daemon-'));
  readonly socket = path.join(this.dir, 'ferry.sock');
  private daemon?: ChildProcess;
  log = '';

  /** Tests never query a real resolver: containers inherit an empty resolv.conf. */
  readonly resolvConf = path.join(this.dir, 'resolv.conf');

  async init(): Promise<void> {
    writeFileSync(this.resolvConf, '');
    await createNetns(this.hostNs);
    await execIn(this.hostNs, ['ip', 'link', 'set', 'lo', 'up']);
    await this.start();
  }

  async start(): Promise<void> {
    const child = spawn('nsenter', [`--net=${netnsPath(this.hostNs)}`, '--', process.execPath, FERRY, 'daemon', '--state-dir', path.join(this.dir, 'state'), '--netns-prefix', `${this.prefix}-c`, '--resolv-conf', this.resolvConf], {
      env: { ...process.env, FERRY_SOCKET: this.socket },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let own = '';
    child.stderr!.on('data', (d: Buffer) => {
      own += d.toString();
      this.log += d.toString();
    });
    this.daemon = child;
    for (let i = 0; i < 200 && !own.includes('"daemon.listen"'); i++) {
      if (child.exitCode !== null) throw new Error(`ferry daemon exited: ${this.log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    if (!existsSync(this.socket)) throw new Error(`ferry daemon did not start: ${this.log}`);
  }

  /** Stops the daemon with a signal (SIGTERM, or SIGKILL for a crash). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const d = this.daemon;
    if (!d || d.exitCode !== null || d.signalCode !== null) return;
    const gone = new Promise((r) => d.once('exit', r));
    d.kill(signal);
    await gone;
  }

  /** The CLI as a user types it. */
  ferry(...args: string[]): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(process.execPath, [FERRY, ...args], { env: { ...process.env, FERRY_SOCKET: this.socket }, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  /** Like ferry(), but throws with stderr when it fails; returns stdout trimmed. */
  async ok(...args: string[]): Promise<string> {
    const r = await this.ferry(...args);
    if (r.code !== 0) throw new Error(`ferry ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Runs a command in the "host" namespace. */
  host(argv: string[]) {
    return execIn(this.hostNs, argv);
  }

  async inspect(name: string): Promise<{ NetworkSettings: { Networks: Record<string, { IPAddress: string; MacAddress: string; Gateway: string }> } & Record<string, unknown>; State: { Pid: number; Status: string } }> {
    return (JSON.parse(await this.ok('inspect', name)) as never[])[0]!;
  }

  async ip(name: string, network = 'bridge'): Promise<string> {
    return (await this.inspect(name)).NetworkSettings.Networks[network]!.IPAddress;
  }

  async cleanup(): Promise<void> {
    await this.stop();
    sweep(this.prefix); // container namespaces and their processes, the host namespace with ferry0 and br-*
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function useDaemon(): () => DaemonLab {
  let lab: DaemonLab | undefined;
  beforeAll(async () => {
    lab = new DaemonLab();
    await lab.init();
  });
  afterAll(async () => {
    await lab?.cleanup();
  });
  return () => lab!;
}
