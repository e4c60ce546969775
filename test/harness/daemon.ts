import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { type CliResult, ferryCli, ferryCliOk, launchDaemon, stopDaemon } from '../../src/demo/launch';
import { createNetns, execIn } from '../../src/netns';
import { TEST_PREFIX, sweep } from '../../src/demo/sweep';
import { randomBytes } from 'node:crypto';


/**
 * A Ferry daemon for a test file, in a network namespace of its own that
 * plays the host: ferry0 and br-* appear there, and so do host-mode
 * containers (see launchDaemon for why it enters only that namespace).
 * Everything is named with the test's prefix and swept at the end.
 */
export class DaemonLab {
  readonly prefix = TEST_PREFIX + randomBytes(4).toString('hex').slice(0, 5);
  readonly hostNs = `${this.prefix}-host`;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ferry-daemon-'));
  readonly socket = path.join(this.dir, 'ferry.sock');
  private daemon?: ChildProcess;
  log = '';

  constructor(
    /** Its options, or a function giving them when it starts (what they name may exist only then). */
    private readonly daemonArgs: string[] | (() => string[]) = [],
    /** Runs after the host namespace exists, before the daemon starts (an uplink to set up). */
    private readonly beforeStart?: (lab: DaemonLab) => Promise<void>,
    /** How the daemon enters its namespace (users do it both ways); a restart may change it. */
    public enter: 'nsenter' | 'ip-netns-exec' = 'nsenter',
  ) {}

  /** Tests never query a real resolver: containers inherit an empty resolv.conf. */
  readonly resolvConf = path.join(this.dir, 'resolv.conf');

  async init(): Promise<void> {
    writeFileSync(this.resolvConf, '');
    await createNetns(this.hostNs);
    await execIn(this.hostNs, ['ip', 'link', 'set', 'lo', 'up']);
    await this.beforeStart?.(this);
    await this.start();
  }

  async start(): Promise<void> {
    this.daemon = await launchDaemon({
      netns: this.hostNs,
      enter: this.enter,
      stateDir: path.join(this.dir, 'state'),
      socket: this.socket,
      netnsPrefix: `${this.prefix}-c`,
      resolvConf: this.resolvConf,
      extraArgs: typeof this.daemonArgs === 'function' ? this.daemonArgs() : this.daemonArgs,
      onLog: (t) => (this.log += t),
    });
  }

  /** Sends the running daemon a signal (SIGHUP: reload its configuration). */
  signal(signal: NodeJS.Signals): void {
    this.daemon?.kill(signal);
  }

  /** Stops the daemon with a signal (SIGTERM, or SIGKILL for a crash). */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return stopDaemon(this.daemon, signal);
  }

  /** The CLI as a user types it. */
  ferry(...args: string[]): Promise<CliResult> {
    return ferryCli(this.socket, args);
  }

  /** Like ferry(), but throws with stderr when it fails; returns stdout trimmed. */
  async ok(...args: string[]): Promise<string> {
    return (await ferryCliOk(this.socket, args)).trim();
  }

  /** A bash script as a user types it at a shell, with this daemon's socket in FERRY_SOCKET; never throws. */
  shell(script: string, env: Record<string, string> = {}): Promise<CliResult> {
    return promisify(execFile)('bash', ['-c', script], { env: { ...process.env, FERRY_SOCKET: this.socket, ...env }, maxBuffer: 256 << 20, timeout: 120_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  }

  /** Runs a command in the "host" namespace. */
  host(argv: string[]) {
    return execIn(this.hostNs, argv);
  }

  async inspect(name: string): Promise<{ NetworkSettings: { Networks: Record<string, { IPAddress: string; MacAddress: string; Gateway: string; GlobalIPv6Address: string; IPv6Gateway: string }> } & Record<string, unknown>; State: { Pid: number; Status: string } }> {
    return (JSON.parse(await this.ok('inspect', name)) as never[])[0]!;
  }

  async ip(name: string, network = 'bridge'): Promise<string> {
    return (await this.inspect(name)).NetworkSettings.Networks[network]!.IPAddress;
  }

  private readonly cleanups: (() => Promise<void>)[] = [];
  /** Runs first at cleanup: what a test started beside the daemon (dockerd) goes before the daemon and the namespaces. */
  onCleanup(fn: () => Promise<void>): void {
    this.cleanups.push(fn);
  }

  async cleanup(): Promise<void> {
    for (const fn of this.cleanups.reverse()) await fn().catch((e: Error) => console.error(`cleanup: ${e.message}`));
    await this.stop();
    sweep(this.prefix); // container namespaces and their processes, the host namespace with ferry0 and br-*
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function useDaemon(daemonArgs: string[] | (() => string[]) = [], beforeStart?: (lab: DaemonLab) => Promise<void>, enter: 'nsenter' | 'ip-netns-exec' = 'nsenter'): () => DaemonLab {
  let lab: DaemonLab | undefined;
  beforeAll(async () => {
    lab = new DaemonLab(daemonArgs, beforeStart, enter);
    await lab.init();
  });
  afterAll(async () => {
    await lab?.cleanup();
  });
  return () => lab!;
}
