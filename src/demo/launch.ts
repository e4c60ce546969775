import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../dataplane/native';
import { netnsPath } from '../netns';

/**
 * Starts `ferry daemon` as a child process inside a network namespace (for
 * tests, benchmarks, several daemons on one machine), the two ways users do
 * it: `nsenter --net` enters only the network namespace; `ip netns exec`
 * also gives the daemon a private mount namespace (as systemd's PrivateTmp
 * does), whose mounts die with it.
 */
export interface LaunchOptions {
  netns: string;
  /** How the daemon enters its namespace (default nsenter). */
  enter?: 'nsenter' | 'ip-netns-exec';
  stateDir: string;
  socket: string;
  netnsPrefix: string;
  resolvConf: string;
  /** More `ferry daemon` options. */
  extraArgs?: string[];
  /** Receives the daemon's structured log. */
  onLog?: (text: string) => void;
}

/** The CLI of this checkout. */
export const ferryBin = () => path.join(packageRoot(), 'bin', 'ferry');

export async function launchDaemon(o: LaunchOptions): Promise<ChildProcess> {
  const enter = o.enter === 'ip-netns-exec' ? ['ip', 'netns', 'exec', o.netns] : ['nsenter', `--net=${netnsPath(o.netns)}`, '--'];
  const child = spawn(
    enter[0]!,
    [...enter.slice(1), process.execPath, ferryBin(), 'daemon', '--state-dir', o.stateDir, '--netns-prefix', o.netnsPrefix, '--resolv-conf', o.resolvConf, ...(o.extraArgs ?? [])],
    { env: { ...process.env, FERRY_SOCKET: o.socket }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let own = '';
  child.stderr!.on('data', (d: Buffer) => {
    own += d.toString();
    o.onLog?.(d.toString());
  });
  for (let i = 0; i < 400 && !own.includes('"daemon.listen"'); i++) {
    if (child.exitCode !== null) throw new Error(`ferry daemon exited: ${own}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  if (!existsSync(o.socket)) throw new Error(`ferry daemon did not start: ${own}`);
  return child;
}

/** Stops a launched daemon with a signal and waits for it. */
export async function stopDaemon(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await gone;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the ferry CLI against a daemon's socket, as a user types it; never rejects on a non-zero exit. */
export function ferryCli(socket: string, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) =>
    execFile(process.execPath, [ferryBin(), ...args], { env: { ...process.env, FERRY_SOCKET: socket }, timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** Like ferryCli, but throws with the command's stderr when it fails; returns its stdout. */
export async function ferryCliOk(socket: string, args: string[], timeoutMs?: number): Promise<string> {
  const r = await ferryCli(socket, args, timeoutMs);
  if (r.code !== 0) throw new Error(`ferry ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
