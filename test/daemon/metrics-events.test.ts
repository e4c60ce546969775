import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/dataplane/native';
import { useDaemon } from '../harness/daemon';

/** Prometheus text exposition (format 0.0.4), checked line by line; returns the samples. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
  const labels = /^\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*")*\}$/;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (help || type) {
      expect(metricName.test((help ?? type)![1]!), line).toBe(true);
      if (type) types.set(type[1]!, type[2]!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (-?(\d+(\.\d+)?(e[+-]?\d+)?|\+Inf|-Inf|NaN))$/.exec(line);
    expect(m, `not a sample line: ${line}`).not.toBeNull();
    if (m![2]) expect(labels.test(m![2]), `bad labels: ${line}`).toBe(true);
    expect(types.has(m![1]!), `sample before its TYPE: ${line}`).toBe(true);
    samples.set(`${m![1]}${m![2] ?? ''}`, Number(m![3]));
  }
  return samples;
}

describe('metrics and events', () => {
  const d = useDaemon(['--metrics-addr', '127.0.0.1:9323']);
  const scrape = async () => {
    const r = await d().host(['python3', '-c', 'import urllib.request,sys; r=urllib.request.urlopen("http://127.0.0.1:9323/metrics"); sys.stdout.write(r.headers["content-type"]+"\\n"+r.read().decode())']);
    expect(r.code, r.stderr).toBe(0);
    const [contentType, ...body] = r.stdout.split('\n');
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(body.join('\n'));
  };
  const sample = (s: Map<string, number>, prefix: string, ...parts: string[]) => [...s].filter(([k]) => k.startsWith(prefix) && parts.every((p) => k.includes(p))).reduce((a, [, v]) => a + v, 0);

  it('/metrics parses as Prometheus text, and its counters rise with traffic', async () => {
    await d().ok('network', 'create', '--subnet', '10.90.0.0/24', 'mnet');
    await d().ok('run', '-d', '--name', 'm1', '--network', 'mnet', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'm2', '--network', 'mnet', '--', 'sleep', 'infinity');
    const before = await scrape();
    await d().ok('exec', 'm1', '--', 'ping', '-c', '5', '-i', '0.1', await d().ip('m2', 'mnet'));
    const after = await scrape();
    const rx = (s: Map<string, number>) => sample(s, 'ferry_port_rx_packets_total{', 'container="m1"', 'network="mnet"', 'interface="eth0"');
    expect(rx(after) - rx(before)).toBeGreaterThanOrEqual(5);
    expect(sample(after, 'ferry_stage_packets_total{', 'stage="bridge"')).toBeGreaterThan(sample(before, 'ferry_stage_packets_total{', 'stage="bridge"'));
    expect(sample(after, 'ferry_bridge_outcomes_total{', 'network="mnet"', 'outcome="unicast"')).toBeGreaterThanOrEqual(10);
    expect(sample(after, 'ferry_stage_ns_per_packet{', 'stage="parse"')).toBeGreaterThan(0);
    expect(after.get('ferry_containers{state="running"}')).toBe(2);
    for (const name of ['ferry_conntrack_entries{family="ipv4"}', 'ferry_conntrack_entries{family="ipv6"}', 'ferry_worker_busy_ratio', 'ferry_worker_batches_total']) expect(after.has(name), name).toBe(true);
    expect([...after.keys()].some((k) => k.startsWith('ferry_dns_events_total{event="queries"}'))).toBe(true);
  });

  it('ferry stats --stages shows each stage with its time per packet', async () => {
    const text = await d().ok('stats', '--stages');
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^STAGE +PACKETS +RUNS +PER RUN +NS\/PACKET +OUTCOMES$/);
    expect(lines.find((l) => l.startsWith('bridge'))).toMatch(/^bridge +\d+ +\d+ +[\d.]+ +[\d.]+ +.*unicast=\d+/);
    expect(text).toMatch(/^worker: busy [\d.]+% of \d+ s, \d+ wake-ups, \d+ polls, learnt gap \d+ us$/m);
    const json = JSON.parse(await d().ok('stats', '--stages', '--json')) as Record<string, { nsPerPacket: number }>;
    expect(Object.keys(json)).toEqual(['vxlan-decap', 'parse', 'port-security', 'rate-limit', 'neighbor-proxy', 'resolver-reply', 'bridge', 'uplink', 'ip4-input', 'resolver-query', 'ip4-reassembly', 'nat', 'ip4-forward', 'neighbor', 'ip6-input', 'nat6', 'ip6-forward', 'neighbor6', 'demux']);
  });

  it('ferry events shows a run, a connect and a stop, in order', async () => {
    const proc = spawn(process.execPath, [path.join(packageRoot(), 'bin', 'ferry'), 'events', '--format', 'json'], { env: { ...process.env, FERRY_SOCKET: d().socket }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => setTimeout(r, 800));
    await d().ok('run', '-d', '--name', 'ev1', '--', 'sleep', 'infinity');
    await d().ok('network', 'connect', 'mnet', 'ev1');
    await d().ok('stop', '-t', '1', 'ev1');
    await d().ok('rm', 'ev1');
    await new Promise((r) => setTimeout(r, 500));
    proc.kill('SIGINT');
    await new Promise((r) => proc.once('close', r));
    const events = out.trim().split('\n').map((l) => JSON.parse(l) as { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> }; timeNano: number });
    expect(events.map((e) => `${e.Type} ${e.Action} ${e.Actor.Attributes.name}`)).toEqual([
      'container create ev1',
      'container start ev1',
      'network connect mnet',
      'container die ev1',
      'container stop ev1',
      'container destroy ev1',
    ]);
    const id = events[0]!.Actor.ID;
    expect(events[2]!.Actor.Attributes.container).toBe(id);
    expect(events[3]!.Actor.Attributes.exitCode).toMatch(/^\d+$/);
    for (let i = 1; i < events.length; i++) expect(events[i]!.timeNano).toBeGreaterThan(events[i - 1]!.timeNano);
  });

  it('the human format is docker events\'s', async () => {
    const since = Date.now() * 1e6;
    await d().ok('network', 'create', 'evnet');
    const proc = spawn(process.execPath, [path.join(packageRoot(), 'bin', 'ferry'), 'events', '--since', String(since)], { env: { ...process.env, FERRY_SOCKET: d().socket }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => setTimeout(r, 800));
    proc.kill('SIGINT');
    await new Promise((r) => proc.once('close', r));
    expect(out).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z network create [0-9a-f]{64} \(name=evnet, type=bridge\)\n$/);
  });
});
