import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../dataplane/native';
import { netnsPath } from '../netns';

/**
 * Starts `ferry daemon` as a child process inside a network namespace (for
 * tests, benchmarks, several daemons on one machine). It enters only the
 * network namespace (nsenter --net), not a private mount namespace as
 * `ip netns exec` would give it, so the container namespaces it bind-mounts
 * under /run/netns outlive it across a restart, as they do for a real daemon.
 */
export interface LaunchOptions {
  netns: string;
  stateDir: string;
  socket: string;
  netnsPrefix: string;
  resolvConf: string;
  /** More `ferry daemon` options. */
  extraArgs?: string[];
  /** Receives the daemon's structured log. */
  onLog?: (text: string) => void;
}

export async function launchDaemon(o: LaunchOptions): Promise<ChildProcess> {
  const ferry = path.join(packageRoot(), 'bin', 'ferry');
  const child = spawn(
    'nsenter',
    [`--net=${netnsPath(o.netns)}`, '--', process.execPath, ferry, 'daemon', '--state-dir', o.stateDir, '--netns-prefix', o.netnsPrefix, '--resolv-conf', o.resolvConf, ...(o.extraArgs ?? [])],
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
