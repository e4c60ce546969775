/**
 * A point in time as Docker's `logs --since` takes it, as Unix seconds with
 * nine decimals (the API's `since=`): an RFC 3339 date and time (with a
 * zone, or local without one; seconds and fractions optional), a date alone
 * (local midnight), Unix seconds ("1700000000", "1700000000.5"), or a Go
 * duration before now ("10m", "1h30m", "1.5h", "250ms").
 */
export function parseSince(raw: string, now: Date = new Date()): string {
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(raw);
  if (unix) return `${unix[1]}.${(unix[2] ?? '').padEnd(9, '0')}`;
  const ms = goDuration(raw);
  if (ms !== undefined) return fromMillis(now.getTime() - ms, 0);
  const dt = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:\d{2})?$/i.exec(raw);
  if (dt) {
    const [, date, hm, sec, frac = '', zone] = dt;
    const when = new Date(`${date}T${hm ?? '00:00'}:${sec ?? '00'}${zone ? zone.toUpperCase() : ''}`);
    if (!Number.isNaN(when.getTime())) return fromMillis(when.getTime(), Number(frac.padEnd(9, '0')));
  }
  throw new Error('a time: 2026-11-24T10:00:00Z (RFC 3339, or local without a zone), 2026-11-24, Unix seconds, or a duration before now such as 10m or 1h30m');
}

function fromMillis(ms: number, nanos: number): string {
  const sec = Math.floor(ms / 1000);
  const ns = nanos || (ms - sec * 1000) * 1_000_000;
  return `${sec}.${String(ns).padStart(9, '0')}`;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("1h30m", "1.5s", "250ms") in ms, or undefined if raw is not one. */
export function goDuration(raw: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(raw)) return undefined;
  let ms = 0;
  for (const [, n, , unit] of raw.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms;
}
