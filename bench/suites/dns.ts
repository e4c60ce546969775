import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '../../src/cli/client';
import { packageRoot } from '../../src/dataplane/native';
import { ferryCliOk, launchDaemon, stopDaemon } from '../../src/demo/launch';
import { createNetns } from '../../src/netns';
import { sweep } from '../../src/demo/sweep';
import { median, metric, type Metric } from '../lib/report';
import type { SuiteContext } from './suite';

/**
 * Suite `dns`: answers per second for a container name, and the median
 * latency of one query at a time, from inside a container.
 *
 * Ferry: the embedded resolver at 127.0.0.11 (rate limit lifted for the
 * run). Baseline `dnsmasq`: a C resolver answering the same name from a
 * hosts file, started inside the same container's namespace, queried by the
 * same load generator. Throughput uses 32 queries in flight; latency one.
 * Rounds alternate between the two.
 */
export async function dnsSuite(ctx: SuiteContext): Promise<Metric[]> {
  const hostNs = `${ctx.prefix}-dh`;
  const socket = path.join(ctx.tmpDir, 'dns.sock');
  const resolvConf = path.join(ctx.tmpDir, 'resolv.conf');
  writeFileSync(resolvConf, '');
  await createNetns(hostNs);
  const daemon = await launchDaemon({ netns: hostNs, stateDir: path.join(ctx.tmpDir, 'dns-state'), socket, netnsPrefix: `${ctx.prefix}-dc`, resolvConf, extraArgs: ['--dns-rate-limit', '10000000'] });
  const client = new Client(socket);
  const load = path.join(packageRoot(), 'dist', 'bench', 'tools', 'dns-load.js');
  const exec = (...argv: string[]) => ferryCliOk(socket, ['exec', 'client', '--', ...argv], 120_000);
  const samples: Record<string, { qps: number[]; p50: number[] }> = { ferry: { qps: [], p50: [] }, dnsmasq: { qps: [], p50: [] } };
  try {
    await client.request('POST', '/v1/networks', { name: 'dnsnet' });
    await client.request('POST', '/v1/containers', { name: 'client', network: 'dnsnet', cmd: ['sleep', 'infinity'] });
    const target = await client.request<{ NetworkSettings: { Networks: { dnsnet: { IPAddress: string } } } }>('POST', '/v1/containers', { name: 'target', network: 'dnsnet', cmd: ['sleep', 'infinity'] });
    const hosts = path.join(ctx.tmpDir, 'dnsmasq.hosts');
    writeFileSync(hosts, `${target.NetworkSettings.Networks.dnsnet.IPAddress} target\n`);
    const dnsmasq = exec('dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', `--addn-hosts=${hosts}`, '--listen-address=127.0.0.53', '--bind-interfaces', '--port=53', '--cache-size=1000', '--user=root').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    for (let round = 0; round < ctx.rounds; round++) {
      for (const [label, server] of [['dnsmasq', '127.0.0.53'], ['ferry', '127.0.0.11']] as const) {
        const t = JSON.parse(await exec(process.execPath, load, server, 'target', String(ctx.seconds), '32')) as { qps: number; inFlightAtEnd: number };
        const l = JSON.parse(await exec(process.execPath, load, server, 'target', String(Math.min(ctx.seconds, 3)), '1')) as { p50_us: number };
        samples[label]!.qps.push(t.qps);
        samples[label]!.p50.push(l.p50_us);
        ctx.log(`  ${label.padEnd(8)} ${Math.round(t.qps)} answers/s (32 in flight), median ${l.p50_us.toFixed(0)} us (one at a time)`);
      }
    }
    await exec('pkill', '-f', 'dnsmasq --keep-in-foreground').catch(() => undefined);
    await dnsmasq;
  } finally {
    await stopDaemon(daemon);
    sweep(`${ctx.prefix}-d`);
  }
  return [
    metric('dns_answers_per_s', 'answers/s', 'dnsmasq', median(samples.dnsmasq!.qps), median(samples.ferry!.qps), true),
    metric('dns_latency_us_p50', 'us', 'dnsmasq', median(samples.dnsmasq!.p50), median(samples.ferry!.p50), false),
  ];
}
