import type { DaemonEvent } from '../../daemon/events';
import { UsageError, parseOptions } from '../args';
import { specOf } from '../spec';
import type { Client } from '../client';

/** Docker's line: `2026-11-24T10:00:00.123456789Z container start 3f2a… (name=web)`. */
export function formatEvent(e: DaemonEvent): string {
  const nanos = BigInt(e.timeNano);
  const iso = new Date(Number(nanos / 1_000_000n)).toISOString().replace(/\.\d+Z$/, `.${String(nanos % 1_000_000_000n).padStart(9, '0')}Z`);
  const attrs = Object.entries(e.Actor.Attributes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `${iso} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs ? ` (${attrs})` : ''}`;
}

/** `ferry events`: the daemon's events as they happen, until Ctrl-C. */
export async function eventsCommand(args: string[], client: Client, out: (s: string) => void): Promise<number> {
  const { options: o, rest } = parseOptions(specOf('events'), args);
  if (rest.length) throw new UsageError(`"events" takes no arguments (got "${rest.join(' ')}")`);
  process.once('SIGINT', () => process.exit(0));
  await client.stream('GET', `/v1/events${o.since ? `?since=${o.since as string}` : ''}`, undefined, {
    line: (v) => out(o.format === 'json' ? JSON.stringify(v) : formatEvent(v as DaemonEvent)),
  });
  return 0;
}
