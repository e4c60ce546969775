import { randomBytes } from 'node:crypto';
import { Engine, type NativeStats } from '../dataplane';
import { attachEndpoint, detachEndpoint, type Endpoint } from '../endpoint';
import { BridgeDomain } from './bridge-domain';
import { execIn } from '../netns';
import { sweep } from './sweep';
import { controlPlaneDemo } from './control-plane';

/**
 * The README's main job: two containers on one Ferry bridge, a ping and a TCP
 * transfer between them, Ferry's counters; then the same through the
 * control plane (daemon, network, containers, names). Everything lives in
 * namespaces named ferry-demo-XXXX, removed at the end, also on Ctrl-C.
 */
export async function runDemo(opts: { seconds: number; print: (line: string) => void }): Promise<void> {
  const { print } = opts;
  const prefix = `ferry-demo-${randomBytes(2).toString('hex')}`;
  const engine = new Engine();
  const endpoints: Endpoint[] = [];
  const onSignal = () => {
    engine.shutdown();
    sweep(prefix);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const bridge = new BridgeDomain(engine);
    const containers = [
      { name: 'c1', address: '172.17.0.2/16' },
      { name: 'c2', address: '172.17.0.3/16' },
    ];
    for (const c of containers) {
      const ep = await attachEndpoint(engine, { netns: `${prefix}-${c.name}`, domain: bridge.id, addresses: [c.address] });
      endpoints.push(ep);
      print(`container ${c.name}: namespace ${ep.netns}, eth0 ${c.address} (TAP held by Ferry, port ${ep.port.id}, offloads 0x${ep.port.offloads.toString(16)})`);
    }
    const [c1, c2] = endpoints as [Endpoint, Endpoint];

    print('\n$ ping -c 3 172.17.0.3   (in c1)');
    const ping = await execIn(c1.netns, ['ping', '-c', '3', '-i', '0.2', '-W', '1', '172.17.0.3']);
    print(ping.stdout.trim().split('\n').slice(-2).join('\n'));
    if (ping.code !== 0) throw new Error('ping between the containers failed');

    print(`\n$ iperf3 -c 172.17.0.3 -t ${opts.seconds}   (in c1; iperf3 -s in c2)`);
    const server = execIn(c2.netns, ['iperf3', '-s', '-1', '-B', '172.17.0.3'], { timeoutMs: (opts.seconds + 15) * 1000 });
    await new Promise((r) => setTimeout(r, 300));
    const client = await execIn(c1.netns, ['iperf3', '-c', '172.17.0.3', '-t', String(opts.seconds), '-J'], { timeoutMs: (opts.seconds + 15) * 1000 });
    await server;
    if (client.code !== 0) throw new Error(`iperf3 failed: ${client.stderr || client.stdout.slice(0, 200)}`);
    const sent = (JSON.parse(client.stdout) as { end: { sum_sent: { bits_per_second: number; retransmits: number; bytes: number } } }).end.sum_sent;
    print(`TCP: ${(sent.bytes / 1e9).toFixed(2)} GB in ${opts.seconds} s = ${(sent.bits_per_second / 1e9).toFixed(2)} Gbit/s, ${sent.retransmits} retransmissions`);

    print('\nFerry counters');
    print(formatStats(engine.stats(), bridge.id));
    print('\nMAC table');
    for (const e of bridge.macTable()) print(`  ${e.mac}  port ${e.port}  ${e.static ? 'static' : `age ${e.ageSeconds}s`}`);

    print('\n--- the control plane: Docker-style commands, names through the embedded resolver ---\n');
    await controlPlaneDemo(`${prefix}-cp`, print);
  } finally {
    for (const ep of endpoints) await detachEndpoint(engine, ep).catch(() => undefined);
    engine.shutdown();
    sweep(prefix);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

export function formatStats(stats: NativeStats, domain: number): string {
  const lines = ['  port  name   rx packets      rx bytes  tx packets      tx bytes  drops'];
  for (const p of stats.ports.filter((x) => x.domain === domain)) {
    const drops = Object.entries(p.drops).filter(([, n]) => n > 0).map(([r, n]) => `${r}=${n}`).join(' ') || '0';
    lines.push(
      `  ${String(p.id).padStart(4)}  ${p.name.padEnd(5)} ${String(p.rxPackets).padStart(11)} ${String(p.rxBytes).padStart(13)} ${String(p.txPackets).padStart(11)} ${String(p.txBytes).padStart(13)}  ${drops}`,
    );
  }
  const b = stats.domains.find((d) => d.id === domain)?.bridge;
  if (b) lines.push(`  bridge: ${Object.entries(b).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const w = stats.worker;
  lines.push(`  worker: ${w.batches} batches, ${w.packets} packets (${(w.packets / Math.max(1, w.batches)).toFixed(1)} per batch), ${w.wakeups} wake-ups`);
  return lines.join('\n');
}
