import http from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { DnsService } from '../dns/server';
import type { Daemon } from './daemon';

/**
 * `ferry daemon --metrics-addr HOST:PORT`: Prometheus text at /metrics.
 * Every value is read from the data plane and the daemon when scraped (one
 * stats() snapshot per scrape), so nothing is counted twice and an idle
 * daemon does no work for it. Counters mirror the engine's totals.
 */
export function metricsRegistry(d: Daemon): Registry {
  const registry = new Registry();
  let snapshot: ReturnType<Daemon['stats']> | undefined;
  let portLabels = new Map<number, Record<string, string>>();
  const stats = () => (snapshot ??= d.stats());
  // One snapshot per scrape: the first collector takes it, the last lets it go.
  const begin = () => {
    snapshot = d.stats();
    portLabels = d.portLabels();
  };
  const end = () => {
    snapshot = undefined;
  };

  const portNames = ['port', 'role', 'interface', 'container', 'network'] as const;
  const labelsOf = (id: number, role: string) => ({ port: String(id), role, interface: '', container: '', network: '', ...portLabels.get(id) });
  const mirror = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (set: (labels: Record<L, string>, v: number) => void) => void, first = false) =>
    new Counter({
      name,
      help,
      labelNames: labelNames as L[],
      registers: [registry],
      collect() {
        if (first) begin();
        this.reset();
        fill((labels, v) => this.inc(labels as never, v));
      },
    });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (set: (labels: Record<L, string>, v: number) => void) => void, last = false) =>
    new Gauge({
      name,
      help,
      labelNames: labelNames as L[],
      registers: [registry],
      collect() {
        this.reset();
        fill((labels, v) => this.set(labels as never, v));
        if (last) end();
      },
    });

  mirror('ferry_port_rx_packets_total', 'Frames received on a port', portNames, (set) => stats().ports.forEach((p) => set(labelsOf(p.id, p.role), p.rxPackets)), true);
  mirror('ferry_port_rx_bytes_total', 'Bytes received on a port', portNames, (set) => stats().ports.forEach((p) => set(labelsOf(p.id, p.role), p.rxBytes)));
  mirror('ferry_port_tx_packets_total', 'Frames sent on a port', portNames, (set) => stats().ports.forEach((p) => set(labelsOf(p.id, p.role), p.txPackets)));
  mirror('ferry_port_tx_bytes_total', 'Bytes sent on a port', portNames, (set) => stats().ports.forEach((p) => set(labelsOf(p.id, p.role), p.txBytes)));
  mirror('ferry_port_drops_total', 'Frames that arrived on a port and were dropped, by reason', [...portNames, 'reason'] as const, (set) =>
    stats().ports.forEach((p) => Object.entries(p.drops).forEach(([reason, n]) => n > 0 && set({ ...labelsOf(p.id, p.role), reason }, n))),
  );
  mirror('ferry_stage_packets_total', 'Packets a stage of the graph processed', ['stage'] as const, (set) => Object.entries(stats().stages).forEach(([stage, s]) => set({ stage }, s.packets)));
  mirror('ferry_stage_outcomes_total', "A stage's decisions and events, by name", ['stage', 'outcome'] as const, (set) =>
    Object.entries(stats().stages).forEach(([stage, s]) =>
      Object.entries(s).forEach(([outcome, v]) => !['packets', 'batches', 'nsPerPacket'].includes(outcome) && set({ stage, outcome }, v)),
    ),
  );
  gauge('ferry_stage_ns_per_packet', "A stage's time per packet, sampled on one run in 16", ['stage'] as const, (set) => Object.entries(stats().stages).forEach(([stage, s]) => set({ stage }, s.nsPerPacket)));
  mirror('ferry_bridge_outcomes_total', 'Learning bridge outcomes per network', ['network', 'outcome'] as const, (set) =>
    stats().domains.forEach((dom) => Object.entries(dom.bridge).forEach(([outcome, v]) => set({ network: dom.network ?? `domain ${dom.id}`, outcome }, v))),
  );
  gauge('ferry_bridge_mac_entries', 'Entries in a network\'s MAC table', ['network'] as const, (set) => stats().domains.forEach((dom) => set({ network: dom.network ?? `domain ${dom.id}` }, dom.macEntries)));
  const tables = () => [['ipv4', stats().conntrack], ['ipv6', stats().conntrack6]] as const;
  gauge('ferry_conntrack_entries', 'Flows in the conntrack table of each family (NAT66 has its own)', ['family'] as const, (set) => tables().forEach(([family, t]) => set({ family }, t.entries)));
  gauge('ferry_conntrack_max_entries', 'Bound on the conntrack table, each family', ['family'] as const, (set) => tables().forEach(([family, t]) => set({ family }, t.maxEntries)));
  mirror('ferry_conntrack_events_total', 'Conntrack: created, expired, early_drop (evicted), insert_refused, removed', ['family', 'event'] as const, (set) => {
    for (const [family, c] of tables()) for (const event of ['created', 'expired', 'early_drop', 'insert_refused', 'removed'] as const) set({ family, event }, c[event]);
  });
  mirror('ferry_worker_batches_total', 'Graph runs of the worker', [] as const, (set) => set({}, stats().worker.batches));
  mirror('ferry_worker_packets_total', 'Packets through the graph', [] as const, (set) => set({}, stats().worker.packets));
  mirror('ferry_worker_wakeups_total', 'Returns from a blocking wait (the worker slept)', [] as const, (set) => set({}, stats().worker.wakeups));
  mirror('ferry_worker_polls_total', 'Zero-timeout polls while spinning', [] as const, (set) => set({}, stats().worker.polls));
  mirror('ferry_worker_busy_seconds_total', 'Time the worker spent on packets and commands', [] as const, (set) => set({}, stats().worker.busyNs / 1e9));
  gauge('ferry_worker_busy_ratio', 'Busy time over the worker\'s lifetime', [] as const, (set) => set({}, stats().worker.uptimeNs ? stats().worker.busyNs / stats().worker.uptimeNs : 0));
  mirror('ferry_dns_events_total', 'Embedded resolver counters', ['event'] as const, (set) => Object.entries(dnsCounters(d.dns)).forEach(([event, v]) => set({ event }, v)));
  gauge('ferry_containers', 'Containers by state', ['state'] as const, (set) => {
    const by: Record<string, number> = { running: 0, exited: 0, created: 0 };
    for (const c of d.state.containers.values()) by[c.state] = (by[c.state] ?? 0) + 1;
    Object.entries(by).forEach(([state, n]) => set({ state }, n));
  }, true);
  return registry;
}

function dnsCounters(dns: DnsService): Record<string, number> {
  return Object.fromEntries(Object.entries(dns.counters).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
}

/** Serves the registry at http://HOST:PORT/metrics. */
export async function serveMetrics(d: Daemon, addr: string): Promise<http.Server> {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(addr);
  if (!m || Number(m[3]) > 65535) throw new Error(`--metrics-addr HOST:PORT: "${addr}" is not of that form (for example 127.0.0.1:9323)`);
  const registry = metricsRegistry(d);
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('see /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (e: Error) => res.writeHead(500).end(`${e.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(m[3]), m[1] ?? m[2], () => resolve());
  });
  return server;
}
