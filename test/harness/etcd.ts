import { afterAll, beforeAll } from 'vitest';
import { Underlay } from '../../src/demo/underlay';
import { type DaemonLab, useDaemon } from './daemon';

/** The cluster tests' underlay and etcd (shared with bench suite overlay-control). */
export { Underlay };

/**
 * A cluster for a test file: the underlay and its etcd (`tls`: TLS with
 * client certificates only), and one daemon per host on it (at 192.0.2.N,
 * lease TTL 2 s), each with its own extra options, set-up, and way of
 * entering its namespace. Everything goes at the end.
 */
export function useCluster(
  hosts: { ip: string; args?: string[]; beforeStart?: (lab: DaemonLab) => Promise<void>; enter?: 'nsenter' | 'ip-netns-exec' }[],
  opts: { tls?: boolean } = {},
): { underlay: Underlay; hosts: (() => DaemonLab)[] } {
  const underlay = new Underlay(undefined, opts.tls);
  beforeAll(() => underlay.start(), 30_000);
  afterAll(() => underlay.stop());
  const daemons = hosts.map((h) =>
    useDaemon(
      () => [...underlay.storeArgs, '--advertise-addr', h.ip, '--cluster-ttl', '2', ...(h.args ?? [])],
      async (lab) => {
        await underlay.plug(lab.hostNs, h.ip);
        await h.beforeStart?.(lab);
      },
      h.enter,
    ),
  );
  return { underlay, hosts: daemons };
}

/** Polls fn until it holds or ms have passed; its last answer. */
export async function waitFor(fn: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!(await fn()) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  return fn();
}
