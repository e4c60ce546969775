import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '../../src/cli/client';
import { ferryCliOk, launchDaemon, stopDaemon } from '../../src/demo/launch';
import { createNetns, execIn } from '../../src/netns';
import { sweep } from '../../src/demo/sweep';
import { median, metric, type Metric } from '../lib/report';
import { KernelBridge } from '../lib/topology';
import type { SuiteContext } from './suite';

/**
 * Suite `scale`: many containers on one bridge network.
 *
 * Ferry: a daemon in a namespace of its own; `ferry run -d -- sleep infinity`
 * on an existing user-defined network, 1,000 times. Timed per container
 * through the API (the daemon's work: namespace, TAP, addresses, routes,
 * /etc files, the process), and for a sample through the CLI as typed (which
 * adds Node's start-up). Reported: the median of the first 100 and of the
 * last 100, so growth with the number of containers shows.
 *
 * Baseline `kernel-bridge`: the same attach on a Linux bridge (namespace,
 * veth pair, bridge port, address, route), as Docker's bridge driver does,
 * up to the same count. The Linux bridge takes at most 1,024 ports
 * (BR_MAX_PORTS), which is where Docker's bridge is reported to fail.
 */
const COUNT = Number(process.env.FERRY_SCALE_COUNT ?? 1000);
const SKIP_KERNEL = process.env.FERRY_SCALE_SKIP_KERNEL === "1"; // for profiling Ferry alone

export async function scaleSuite(ctx: SuiteContext): Promise<Metric[]> {
  const kernel = SKIP_KERNEL ? [NaN] : await kernelAttaches(ctx);
  const ferry = await ferryRuns(ctx);
  const ms = (xs: number[]) => median(xs);
  return [
    metric('run_ms_p50_first100', 'ms', 'kernel-bridge', ms(kernel.slice(0, 100)), ms(ferry.api.slice(0, 100)), false),
    metric(`run_ms_p50_last100_of_${COUNT}`, 'ms', 'kernel-bridge', ms(kernel.slice(-100)), ms(ferry.api.slice(-100)), false),
    metric('run_cli_ms_p50', 'ms', 'kernel-bridge', ms(kernel.slice(0, 100)), ms(ferry.cli), false),
  ];
}

/** 172.20.0.2 upwards: the i-th container's address in a /16. */
function hostAddress(i: number): string {
  const n = i + 2;
  return `172.20.${n >> 8}.${n & 0xff}`;
}

async function kernelAttaches(ctx: SuiteContext): Promise<number[]> {
  const br = new KernelBridge(`${ctx.prefix}-sk`, false);
  await br.create();
  const times: number[] = [];
  try {
    for (let i = 0; i < COUNT; i++) {
      const t0 = process.hrtime.bigint();
      await br.attach(`${br.prefix}-${i}`, [`${hostAddress(i)}/16`], [{ to: 'default', via: '172.20.0.1' }]);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (i % 100 === 99) ctx.log(`  kernel-bridge  ${i + 1} attached, last 100 median ${median(times.slice(-100)).toFixed(1)} ms`);
    }
    // Beyond the timed count, up to where the Linux bridge refuses (1,024 ports at most).
    for (let i = COUNT; i < 1100; i++) {
      const refused = await br.attach(`${br.prefix}-${i}`, [`${hostAddress(i)}/16`]).then(
        () => undefined,
        (e: Error) => e.message.split('\n')[0],
      );
      if (refused) {
        ctx.log(`  kernel-bridge  port ${i + 1} refused: ${refused}`);
        break;
      }
    }
  } finally {
    sweep(`${br.prefix}-`);
    await br.destroy();
  }
  return times;
}

async function ferryRuns(ctx: SuiteContext): Promise<{ api: number[]; cli: number[] }> {
  const hostNs = `${ctx.prefix}-sh`;
  const socket = path.join(ctx.tmpDir, 'scale.sock');
  const resolvConf = path.join(ctx.tmpDir, 'resolv.conf');
  writeFileSync(resolvConf, '');
  await createNetns(hostNs);
  const daemon = await launchDaemon({ netns: hostNs, stateDir: path.join(ctx.tmpDir, 'scale-state'), socket, netnsPrefix: `${ctx.prefix}-sc`, resolvConf });
  const client = new Client(socket);
  const api: number[] = [];
  const cli: number[] = [];
  try {
    await client.request('POST', '/v1/networks', { name: 'scale' });
    for (let i = 0; i < 20; i++) {
      const t0 = process.hrtime.bigint();
      await ferryCliOk(socket, ['run', '-d', '--network', 'scale', '--', 'sleep', 'infinity']);
      cli.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    for (let i = cli.length; i < COUNT; i++) {
      const t0 = process.hrtime.bigint();
      await client.request('POST', '/v1/containers', { network: 'scale', cmd: ['sleep', 'infinity'] });
      api.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (i % 100 === 99) ctx.log(`  ferry          ${i + 1} running, last 100 median ${median(api.slice(-100)).toFixed(1)} ms`);
    }
    const list = await client.request<{ NetworkSettings: { Networks: { scale: { IPAddress: string } } } }[]>('GET', '/v1/containers');
    const last = list[0]!.NetworkSettings.Networks.scale.IPAddress;
    const ping = await execIn(hostNs, ['ping', '-c', '1', '-W', '2', last]);
    ctx.log(`  ferry          ${list.length} containers running; host -> ${last}: ${ping.code === 0 ? 'reachable' : 'UNREACHABLE'}`);
  } finally {
    await stopDaemon(daemon);
    sweep(`${ctx.prefix}-s`);
  }
  return { api, cli };
}
