import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { hostname as hostHostname } from 'node:os';
import path from 'node:path';
import { packageRoot } from '../dataplane/native';
import { type RunAs, containerEnv, exitStatus, runAsArgv } from '../container/process';


/**
 * Container processes. A container is a process tree in its own network, UTS
 * and mount namespaces (Ferry networks processes; it is not an image
 * runtime). It runs detached, in its own session and process group, so it
 * outlives a daemon restart; the daemon recognises it again by pid and the
 * pid's start time.
 */
export interface ContainerFiles {
  dir: string;
  hosts: string;
  hostname: string;
  resolvConf: string;
  log: string;
  /** When each part of the log arrived (daemon/log-times.ts). */
  logTimes: string;
}

// Inside the new mount namespace: the container's own /etc files.
const MOUNTS = [
  'hostname "$FERRY_HOSTNAME"',
  'mount --bind "$FERRY_DIR/hosts" /etc/hosts',
  'mount --bind "$FERRY_DIR/hostname" /etc/hostname',
  'mount --bind "$FERRY_DIR/resolv.conf" /etc/resolv.conf',
];
// Then, in every mode: the working directory (made if missing, as Docker
// does), Ferry's own variables gone, and the command (under setpriv for -u).
const START = ['if [ -n "$FERRY_WORKDIR" ]; then mkdir -p "$FERRY_WORKDIR" && cd "$FERRY_WORKDIR"; fi', 'unset FERRY_DIR FERRY_HOSTNAME FERRY_WORKDIR', 'exec "$@"'];

/**
 * -t: the command on a terminal of its own. script(1) makes the pty, sets
 * its size, relays stdin to it and its output to the log, and exits with
 * the command's code (-e); -f writes each output at once.
 */
function onTerminal(cmd: string[], size: { rows: number; cols: number }): string[] {
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  return ['script', '-q', '-e', '-f', '-c', `stty rows ${size.rows} cols ${size.cols}; exec ${cmd.map(quote).join(' ')}`, '/dev/null'];
}

/**
 * The container's first process (native/shim/log_shim.cc): inside its
 * namespaces, so the daemon's pid for the container is one that `exec` and
 * the netns pin can enter; it writes the log and the times of its lines.
 */
const LOG_SHIM = path.join(packageRoot(), 'build', 'Release', 'ferry-log-shim');

/** Starts the container; `exited` resolves with its exit code while this daemon is its parent. */
export function spawnContainer(opts: {
  cmd: string[];
  netnsPath?: string;
  files: ContainerFiles;
  hostname: string;
  isolated: boolean;
  env: string[];
  workdir?: string;
  user?: RunAs;
  interactive: boolean;
  tty?: { rows: number; cols: number };
}): { pid: number; exited: Promise<number>; stdin?: Writable } {
  const log = openSync(opts.files.log, 'a');
  const times = openSync(opts.files.logTimes, 'a');
  try {
    const script = ['set -e', ...(opts.isolated ? MOUNTS : []), ...START].join('\n');
    const sh = ['/bin/sh', '-c', script, 'ferry-init', ...runAsArgv(opts.tty ? onTerminal(opts.cmd, opts.tty) : opts.cmd, opts.user)];
    const shimmed = [LOG_SHIM, '--', ...sh];
    const inner = opts.isolated ? ['unshare', '--uts', '--mount', '--propagation', 'private', '--', ...shimmed] : shimmed;
    const argv = opts.netnsPath ? ['nsenter', `--net=${opts.netnsPath}`, '--', ...inner] : inner;
    const child = spawn(argv[0]!, argv.slice(1), {
      detached: true,
      stdio: [opts.interactive ? 'pipe' : 'ignore', log, log, times],
      env: { ...containerEnv(opts.hostname || hostHostname(), opts.user?.home ?? '/root', opts.env), FERRY_DIR: opts.files.dir, FERRY_HOSTNAME: opts.hostname, FERRY_WORKDIR: opts.workdir ?? '' },
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`cannot start ${argv[0]}`);
    const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(exitStatus(code, signal))));
    return { pid: child.pid, exited, stdin: child.stdin ?? undefined };
  } finally {
    closeSync(log);
    closeSync(times);
  }
}

/**
 * The container's command: the log shim's child (the pid `inspect` shows, as
 * Docker shows its init's; its environment is the container's), or the
 * shim itself while it has none.
 */
export function commandPid(shimPid: number): number {
  return childrenOf(shimPid)[0] ?? shimPid;
}

/** The processes pid started (its main thread's children); none if it is gone. */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
export function pidStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number | undefined, start: string | undefined): boolean {
  if (!pid) return false;
  const now = pidStartTime(pid);
  if (now === undefined || now !== start) return false;
  // A zombie (not yet reaped by its parent) is dead for our purposes.
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** SIGTERM to the container's process group, SIGKILL after the grace period. */
export async function stopProcessGroup(pid: number, start: string | undefined, graceMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* gone */
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid, start) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (isAlive(pid, start)) {
    signal('SIGKILL');
    while (isAlive(pid, start)) await new Promise((r) => setTimeout(r, 10));
  }
}
