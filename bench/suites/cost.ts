import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/dataplane/native';
import { configureInterface, createNetns, deleteNetns, execIn } from '../../src/netns';
import { metric, type Metric } from '../lib/report';
import type { SuiteContext } from './suite';

/**
 * Suite `cost`: instructions the worker spends per packet in the pipeline
 * (from rx batch to transmit, the kernel's part excluded), counted by
 * valgrind's callgrind: the same count for the same binary and traffic,
 * whatever else the machine does, so two builds compare exactly where the
 * timing benchmarks only agree within their noise. The traffic is one UDP
 * flow of 64-byte datagrams between two namespaces bridged by the engine.
 *
 * With --baseline-build, the other build is measured the same way (its
 * pipeline function may have another name: run_pipeline before the graph).
 */
const PACKETS = 20000;

async function measure(ctx: SuiteContext, addon: string, label: string): Promise<number> {
  const a = `${ctx.prefix}-ca`;
  const b = `${ctx.prefix}-cb`;
  await createNetns(a);
  await createNetns(b);
  try {
    const out = path.join(ctx.tmpDir, `callgrind.${label}`);
    const symbols = ['ferry::Engine::run_graph(ferry::Batch&)', 'ferry::Engine::run_pipeline(ferry::Batch&)'];
    const vg = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, ...symbols.map((s) => `--toggle-collect=${s}`), process.execPath, path.join(packageRoot(), 'bench', 'tools', 'forwarder.js'), addon, a, b, String(PACKETS), '120'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const closed = new Promise((r) => vg.once('close', r));
    let stdout = '';
    vg.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    for (let i = 0; i < 600 && !stdout.includes('ready'); i++) await new Promise((r) => setTimeout(r, 100));
    if (!stdout.includes('ready')) throw new Error(`the forwarder under valgrind did not start: ${stdout}`);
    await configureInterface(a, { ifname: 'eth0', addresses: ['192.0.2.1/24'] });
    await configureInterface(b, { ifname: 'eth0', addresses: ['192.0.2.2/24'] });
    // One flow, paced so the slowed-down worker keeps up (no queue overflow, every packet counted once).
    const send = `import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nfor i in range(${PACKETS + 2000}):\n  s.sendto(b'x'*18,('192.0.2.2',9))\n  if i % 50 == 0: time.sleep(0.01)`;
    await execIn(a, ['python3', '-c', send], { timeoutMs: 180_000 });
    await closed;
    const forwarded = Number(/forwarded (\d+)/.exec(stdout)?.[1] ?? 0);
    const summary = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8'));
    if (!forwarded || !summary) throw new Error(`no count from callgrind (${stdout.trim()})`);
    const perPacket = Number(summary[1]) / forwarded;
    ctx.log(`  ${label.padEnd(15)} ${forwarded} packets, ${perPacket.toFixed(0)} instructions per packet`);
    return perPacket;
  } finally {
    await deleteNetns(a).catch(() => undefined);
    await deleteNetns(b).catch(() => undefined);
  }
}

export async function costSuite(ctx: SuiteContext): Promise<Metric[]> {
  const ours = await measure(ctx, path.join(packageRoot(), 'build', 'Release', 'ferry_native.node'), 'ferry');
  if (!ctx.baselineBuild) return [metric('pipeline_instructions_per_packet', 'instructions', 'none', NaN, ours, false)];
  const base = await measure(ctx, ctx.baselineBuild, 'ferry-baseline');
  return [metric('pipeline_instructions_per_packet', 'instructions', 'ferry-baseline', base, ours, false)];
}
