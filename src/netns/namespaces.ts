import { readdir } from 'node:fs/promises';
import { KernelSetupError, kernelReason } from './errors';
import { run } from './run';

/**
 * Network namespaces, named and bind-mounted under /run/netns exactly as
 * `ip netns` does, so `ip netns list`, `ip netns exec` and Ferry agree.
 */
export const NETNS_DIR = '/run/netns';

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export async function createNetns(name: string): Promise<void> {
  if (!NAME.test(name)) throw new KernelSetupError('create', `network namespace "${name}"`, 'names are 1-63 of [A-Za-z0-9_.-]');
  const r = await run('ip', ['netns', 'add', name]);
  if (r.code !== 0) throw new KernelSetupError('create', `network namespace "${name}"`, kernelReason(r.stderr));
}

export async function deleteNetns(name: string): Promise<void> {
  const r = await run('ip', ['netns', 'delete', name]);
  if (r.code !== 0) throw new KernelSetupError('delete', `network namespace "${name}"`, kernelReason(r.stderr));
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
