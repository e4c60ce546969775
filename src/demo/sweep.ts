import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

/**
 * Synchronous removal of everything a test or benchmark run may have made, by name prefix:
 * processes inside the namespaces, the namespaces, and links left in the root
 * namespace. Synchronous so it can run from an exit or signal handler.
 */
/** Names of test objects start with this; benchmarks use 'fyb'. */
export const TEST_PREFIX = 'fyt';

function quiet(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    return '';
  }
}

export function leftoverNamespaces(prefix = TEST_PREFIX): string[] {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
}

export function leftoverLinks(prefix = TEST_PREFIX): string[] {
  const out = quiet('ip', ['-o', 'link', 'show']);
  return out
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1])
    .filter((n): n is string => !!n && n.startsWith(prefix));
}

export function killNamespaceProcesses(ns: string): void {
  const pids = quiet('ip', ['netns', 'pids', ns]).split('\n').filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export function sweep(prefix = TEST_PREFIX): { namespaces: string[]; links: string[] } {
  const namespaces = leftoverNamespaces(prefix);
  for (const ns of namespaces) {
    killNamespaceProcesses(ns);
    quiet('ip', ['netns', 'delete', ns]);
  }
  const links = leftoverLinks(prefix);
  for (const l of links) quiet('ip', ['link', 'delete', l]);
  return { namespaces, links };
}
