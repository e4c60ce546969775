import type { TracedPacket } from '../../dataplane';
import { UsageError, parseOptions } from '../args';
import { specOf } from '../spec';
import type { Client } from '../client';

/** One packet's path, a line per step: time since it arrived, the stage, what it decided. */
export function formatTrace(p: TracedPacket): string {
  const lines = [`packet ${p.id}`];
  for (const s of p.steps) {
    const stage = s.kind === 'rx' ? 'rx' : s.stage;
    lines.push(`  ${s.us.toFixed(1).padStart(8)} us  ${stage.padEnd(12)} ${s.text}`);
  }
  return lines.join('\n');
}

/**
 * `ferry trace`: what the pipeline decided, stage by stage, for the next N
 * packets (on one port, or any); or, with --inject, for one packet built from
 * a spec as a container would send it, run as a dry run unless --send.
 */
export async function traceCommand(args: string[], client: Client, out: (s: string) => void): Promise<number> {
  const { options: o, rest } = parseOptions(specOf('trace'), args);
  const print = (p: TracedPacket) => out(o.json ? JSON.stringify(p) : formatTrace(p));
  if (o.inject) {
    if (!rest.length) throw new UsageError('"trace --inject CONTAINER" needs a packet: ferry trace --inject web -- tcp 172.18.0.2:40000 > 198.51.100.1:80 syn');
    if (o.count || o.port || o.timeout) throw new UsageError('--inject takes no --count, --port or --timeout');
    print(await client.request<TracedPacket>('POST', '/v1/trace/inject', { from: o.inject, packet: rest.join(' '), send: !!o.send }));
    return 0;
  }
  if (rest.length) throw new UsageError(`"trace" takes no arguments without --inject (got "${rest.join(' ')}")`);
  if (o.send) throw new UsageError('--send goes with --inject');
  let done: { traced: number; lost: number } | undefined;
  await client.stream('POST', '/v1/trace', { count: o.count, port: o.port, timeout: o.timeout }, {
    line: (v) => {
      const d = (v as { done?: { traced: number; lost: number } }).done;
      if (d) done = d;
      else print(v as TracedPacket);
    },
  });
  if (!o.json && done && done.traced < ((o.count as number | undefined) ?? 10)) process.stderr.write(`ferry: ${done.traced} packet(s) traced before the timeout\n`);
  if (done?.lost) process.stderr.write(`ferry: ${done.lost} trace record(s) lost (the buffer was full)\n`);
  return 0;
}
