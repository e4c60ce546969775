import { lstatSync, readlinkSync, renameSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { KernelSetupError, kernelReason } from './errors';
import { run } from './run';

/**
 * Network namespaces, named under /run/netns exactly as `ip netns` does, so
 * `ip netns list`, `ip netns exec` and Ferry agree.
 *
 * A name starts as `ip netns add` makes it, a bind mount. A bind mount
 * belongs to the mount namespace of whoever made it, and a daemon started
 * with `ip netns exec` (or by systemd with PrivateTmp/ProtectSystem) runs in
 * a private one whose mounts never reach the host's: the host sees an empty
 * file, and when that daemon dies its mounts die with it, so the next daemon
 * cannot enter its containers' namespaces (setns answers EINVAL). So once a
 * container's process lives in the namespace, its name is made a symbolic
 * link to /proc/PID/ns/net (pinNetnsToProcess): a link is an object of the
 * filesystem, seen from every mount namespace, and open() follows it, so
 * `ip netns exec`, `ip -n` and setns() work on it as on a mount.
 */
export const NETNS_DIR = '/run/netns';

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * What is at a namespace's name: a namespace (a bind mount or a link to a
 * live process's), nothing, or a leftover (the empty file under a mount
 * that died with its mount namespace, or a link to a process that is gone).
 */
export function netnsState(name: string): 'namespace' | 'absent' | 'stale' {
  const path = netnsPath(name);
  try {
    lstatSync(path);
  } catch {
    return 'absent';
  }
  try {
    // Namespace files all live on nsfs: the same device as our own.
    return statSync(path).dev === statSync('/proc/self/ns/net').dev ? 'namespace' : 'stale';
  } catch {
    return 'stale'; // a link to a process that is gone
  }
}

export async function createNetns(name: string): Promise<void> {
  if (!NAME.test(name)) throw new KernelSetupError('create', `network namespace "${name}"`, 'names are 1-63 of [A-Za-z0-9_.-]');
  // A leftover of a daemon that died would make `ip netns add` fail forever.
  if (netnsState(name) === 'stale') unlinkSync(netnsPath(name));
  const r = await run('ip', ['netns', 'add', name]);
  if (r.code !== 0) throw new KernelSetupError('create', `network namespace "${name}"`, kernelReason(r.stderr));
}

export async function deleteNetns(name: string): Promise<void> {
  const r = await run('ip', ['netns', 'delete', name]);
  if (r.code !== 0) throw new KernelSetupError('delete', `network namespace "${name}"`, kernelReason(r.stderr));
}

/**
 * Makes the name a symbolic link to /proc/PID/ns/net (see the top of this
 * file for why). A live name must hold the namespace the process is in; a
 * freshly spawned process may not have entered it yet, so this waits up to
 * waitMs for it. A leftover name is replaced on the caller's word (a
 * container's process, recognised by its start time). The link replaces the
 * mount in one rename, so the name never disappears.
 */
export async function pinNetnsToProcess(name: string, pid: number, waitMs = 2000): Promise<void> {
  const path = netnsPath(name);
  const target = `/proc/${pid}/ns/net`;
  const object = `network namespace "${name}"`;
  const state = netnsState(name);
  if (state === 'namespace') {
    const want = statSync(path).ino;
    for (const deadline = Date.now() + waitMs; ; ) {
      let ino: number;
      try {
        ino = statSync(target).ino;
      } catch (e) {
        throw new KernelSetupError('pin', object, `process ${pid} is gone (${(e as NodeJS.ErrnoException).code})`);
      }
      if (ino === want) break;
      if (Date.now() > deadline) throw new KernelSetupError('pin', object, `process ${pid} did not enter it within ${waitMs} ms`);
      await new Promise((r) => setTimeout(r, 2));
    }
    if (lstatSync(path).isSymbolicLink()) {
      if (readlinkSync(path) === target) return;
    } else {
      const r = await run('umount', ['--lazy', path]);
      if (r.code !== 0) throw new KernelSetupError('pin', object, r.stderr.trim() || `umount exited ${r.code}`);
    }
  }
  linkNetns(name, target);
}

/**
 * Makes the name a symbolic link to a namespace file: /proc/PID/ns/net, or
 * /proc/PID/fd/N of a namespace fd this daemon holds (a namespace another
 * program made, known only by a device that was moved into it). In one
 * rename: the name never disappears.
 */
export function linkNetns(name: string, target: string): void {
  const tmp = `${NETNS_DIR}/.${name}.${process.pid}`;
  try {
    unlinkSync(tmp);
  } catch {
    /* none */
  }
  symlinkSync(target, tmp);
  renameSync(tmp, netnsPath(name));
}

export async function listNetns(): Promise<string[]> {
  try {
    return (await readdir(NETNS_DIR)).sort();
  } catch {
    return [];
  }
}

/** Runs argv inside the namespace (`ip netns exec`), collecting output. */
export function execIn(ns: string, argv: string[], opts: { input?: string; timeoutMs?: number } = {}) {
  return run('ip', ['netns', 'exec', ns, ...argv], opts);
}
