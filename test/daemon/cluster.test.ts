import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execIn } from '../../src/netns';
import { useDaemon } from '../harness/daemon';
import { useCluster, waitFor } from '../harness/etcd';

/**
 * A cluster without Swarm (issue 9, its first step): two daemons on two
 * "hosts" joined by an underlay, a real etcd-server in a namespace of its
 * own. Each daemon holds a lease; `ferry node ls` lists both, and a daemon
 * that dies is down for the other within its TTL.
 */
describe('cluster membership through etcd', () => {
  const { underlay, hosts } = useCluster([{ ip: '192.0.2.1' }, { ip: '192.0.2.2' }]);
  const [host1, host2] = hosts as [(typeof hosts)[0], (typeof hosts)[0]];
  const nodes = async (d: typeof host1) => JSON.parse(`[${(await d().ok('node', 'ls', '--format', 'json')).split('\n').join(',')}]`) as { ID: string; Address: string; Status: string }[];
  const statusOf = async (d: typeof host1, address: string) => (await nodes(d)).find((n) => n.Address === address)?.Status;

  it('both daemons list both nodes, ready, each marking itself', async () => {
    for (const [d, self] of [[host1, '192.0.2.1'], [host2, '192.0.2.2']] as const) {
      const list = await nodes(d);
      expect(list.map((n) => [n.Address, n.Status]).sort()).toEqual([['192.0.2.1', 'Ready'], ['192.0.2.2', 'Ready']]);
      expect(list.find((n) => n.ID.endsWith(' *'))!.Address).toBe(self);
    }
    expect(await host1().ok('node', 'ls')).toMatch(/^ID\s+HOSTNAME\s+ADDRESS\s+STATUS\n/);
  });

  it('a daemon killed (-9) is down for the other within its TTL, and ready again when it comes back', async () => {
    const id = (await nodes(host2)).find((n) => n.ID.endsWith(' *'))!.ID;
    await host2().stop('SIGKILL');
    expect(await waitFor(async () => (await statusOf(host1, '192.0.2.2')) === 'Down', 5000)).toBe(true);
    await host2().start();
    expect(await waitFor(async () => (await statusOf(host1, '192.0.2.2')) === 'Ready', 2000)).toBe(true);
    expect((await nodes(host2)).find((n) => n.ID.endsWith(' *'))!.ID).toBe(id); // the same node, not a new one
  });

  it('a daemon stopped cleanly is down at once (its lease revoked)', async () => {
    await host2().stop('SIGTERM');
    expect(await waitFor(async () => (await statusOf(host1, '192.0.2.2')) === 'Down', 1000)).toBe(true);
    await host2().start();
  });

  it('refuses a bad store, and a store that does not answer, naming it; node ls outside a cluster says why', async () => {
    const ferry = path.join(__dirname, '..', '..', 'bin', 'ferry');
    const bad = await execIn(host1().hostNs, [ferry, 'daemon', '--cluster-store', 'consul://x', '--advertise-addr', '192.0.2.1']);
    expect([bad.code, bad.stderr]).toEqual([2, 'ferry: option --cluster-store: "consul://x" is not a cluster store; expected etcd://HOST:PORT[,HOST:PORT...]\n']);
    const noAddr = await execIn(host1().hostNs, [ferry, 'daemon', '--cluster-store', underlay.store]);
    expect(noAddr.stderr).toMatch(/--cluster-store needs --advertise-addr IP\|IFACE/);
    // A host of its own, where nothing of Ferry's may be left behind by the failed start.
    const lone = `${underlay.prefix}-lone`;
    await underlay.plug(lone, '192.0.2.50', true);
    const silent = await execIn(lone, [ferry, '--socket', `${host1().dir}/other.sock`, 'daemon', '--state-dir', `${host1().dir}/other`, '--netns-prefix', `${host1().prefix}-o`, '--cluster-store', 'etcd://192.0.2.99:2379', '--advertise-addr', 'eth0'], { timeoutMs: 20_000 });
    expect(silent.code).not.toBe(0);
    expect(silent.stderr).toMatch(/^ferry: the cluster store at http:\/\/192\.0\.2\.99:2379 did not answer within 3000 ms/);
    expect((await execIn(lone, ['ip', '-br', 'link'])).stdout).not.toMatch(/ferry0/);
  }, 30_000);
});

describe('node ls without a cluster', () => {
  const d = useDaemon();
  it('says the daemon is not in one', async () => {
    const r = await d().ferry('node', 'ls');
    expect(r.stderr).toBe('ferry: this daemon is not in a cluster: start it with --cluster-store etcd://HOST:PORT --advertise-addr IP\n');
  });
});
