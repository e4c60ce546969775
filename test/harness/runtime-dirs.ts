import { readFileSync, readdirSync } from 'node:fs';
import { run } from '../../src/netns';

/**
 * What a container runtime started by a test (dockerd, containerd, podman)
 * may leave under its state directory when a test fails: mounts, and
 * processes (shims, conmon) that name the directory on their command line.
 */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort();
}

export async function unmountUnder(dir: string): Promise<void> {
  for (const m of mountsUnder(dir).reverse()) await run('umount', ['-l', m]);
}

export function killMentioning(text: string): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
