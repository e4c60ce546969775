import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ferryBin, ferryCliOk, launchDaemon, stopDaemon } from '../../src/demo/launch';
import { Underlay } from '../../src/demo/underlay';
import { execIn } from '../../src/netns';
import { median, metric, type Metric } from '../lib/report';
import type { SuiteContext } from './suite';

/**
 * Suite `overlay-control`: how fast the cluster state travels. The store
 * alone (bench/tools/cluster-members.ts): with 2, 10 and 50 members, each
 * with its own etcd client, lease and watch, the time from one member's
 * announcement of an endpoint until every member's view holds it, and from
 * its withdrawal until every view has dropped it. Then two real daemons:
 * the time from `ferry run -d` returning on host1 until a container on host2
 * both resolves the new container's name and gets a ping answer from it,
 * from the moment `ferry run -d` was issued on host1. The baseline of the
 * store's measures is the same measure with 2 members (how the control plane
 * scales); that of the daemons' is how long `run -d` itself took on host1
 * (how much later than its own host the other host has the container).
 */
const SAMPLES = 20;

export async function overlayControlSuite(ctx: SuiteContext): Promise<Metric[]> {
  const underlay = new Underlay(`${ctx.prefix}u`);
  await underlay.start();
  try {
    const members: Record<number, { announce_ms: number[]; withdraw_ms: number[] }> = {};
    for (const n of [2, 10, 50]) {
      const tool = path.join(__dirname, '..', 'tools', 'cluster-members.js');
      const r = await execIn(underlay.etcdNs, [process.execPath, tool, '192.0.2.100:2379', String(n), String(SAMPLES)], { timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`cluster-members ${n}: ${r.stderr}`);
      members[n] = JSON.parse(r.stdout);
      ctx.log(`  ${String(n).padStart(2)} members: announce p50 ${median(members[n]!.announce_ms).toFixed(2)} ms, withdraw p50 ${median(members[n]!.withdraw_ms).toFixed(2)} ms`);
    }
    const daemons = await twoDaemons(ctx, underlay);
    ctx.log(`  2 daemons: run -d took p50 ${median(daemons.run).toFixed(1)} ms on host1; resolvable and reachable from host2 p50 ${median(daemons.seen).toFixed(1)} ms after it was issued`);
    const m = (k: number, f: 'announce_ms' | 'withdraw_ms') => median(members[k]![f]);
    return [
      metric('announce_visible_ms_p50_10_members', 'ms', '2 members', m(2, 'announce_ms'), m(10, 'announce_ms'), false),
      metric('announce_visible_ms_p50_50_members', 'ms', '2 members', m(2, 'announce_ms'), m(50, 'announce_ms'), false),
      metric('withdraw_gone_ms_p50_50_members', 'ms', '2 members', m(2, 'withdraw_ms'), m(50, 'withdraw_ms'), false),
      metric('resolvable_reachable_ms_p50_2_daemons', 'ms', 'run -d on host1', median(daemons.run), median(daemons.seen), false),
    ];
  } finally {
    await underlay.stop();
  }
}

/** Two daemons on the underlay; SAMPLES containers started on host1, each waited for from a container on host2. */
async function twoDaemons(ctx: SuiteContext, underlay: Underlay): Promise<{ run: number[]; seen: number[] }> {
  const dir = mkdtempSync(path.join(ctx.tmpDir, 'overlay-control-'));
  const resolvConf = path.join(dir, 'resolv.conf');
  writeFileSync(resolvConf, '');
  const hosts = [1, 2].map((i) => ({ ns: `${underlay.prefix}-h${i}`, ip: `192.0.2.${i}`, socket: path.join(dir, `h${i}.sock`) }));
  const children = [];
  try {
    for (const h of hosts) {
      await underlay.plug(h.ns, h.ip, true);
      children.push(
        await launchDaemon({
          netns: h.ns,
          stateDir: path.join(dir, `state-${h.ip}`),
          socket: h.socket,
          netnsPrefix: `${h.ns}-c`,
          resolvConf,
          extraArgs: ['--cluster-store', underlay.store, '--advertise-addr', h.ip],
        }),
      );
    }
    const [h1, h2] = hosts as [(typeof hosts)[0], (typeof hosts)[0]];
    await ferryCliOk(h1.socket, ['network', 'create', '-d', 'overlay', 'bench-net']);
    await ferryCliOk(h2.socket, ['run', '-d', '--name', 'probe', '--network', 'bench-net', '--', 'sleep', 'infinity']);
    const out = { run: [] as number[], seen: [] as number[] };
    for (let k = 0; k < SAMPLES; k++) {
      const name = `e${k}`;
      // The probe asks again and again from before the container exists; it prints the time it first succeeded.
      const wait = new Promise<string>((resolve, reject) => {
        const p = spawn(process.execPath, [ferryBin(), 'exec', 'probe', '--', 'sh', '-c', `until getent hosts ${name} >/dev/null && ping -c1 -W1 -q ${name} >/dev/null 2>&1; do :; done; date +%s%N`], { env: { ...process.env, FERRY_SOCKET: h2.socket } });
        let s = '';
        p.stdout.on('data', (d: Buffer) => (s += d.toString()));
        p.on('exit', (code) => (code === 0 ? resolve(s.trim()) : reject(new Error(`probe exited ${code}`))));
      });
      await new Promise((r) => setTimeout(r, 200));
      const issued = BigInt(Date.now()) * 1_000_000n; // the probe's clock is the same realtime clock
      await ferryCliOk(h1.socket, ['run', '-d', '--name', name, '--network', 'bench-net', '--', 'sleep', 'infinity']);
      const returned = BigInt(Date.now()) * 1_000_000n;
      const seen = BigInt(await wait);
      out.run.push(Number(returned - issued) / 1e6);
      out.seen.push(Number(seen - issued) / 1e6);
    }
    return out;
  } finally {
    for (const c of children) await stopDaemon(c);
    rmSync(dir, { recursive: true, force: true });
  }
}
