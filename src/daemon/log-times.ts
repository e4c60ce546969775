import { fstatSync, readSync } from 'node:fs';

/**
 * When each byte of a container's log arrived: the index that
 * native/shim/log_shim.cc appends beside the log, one 16-byte record per
 * read from the container's output pipe (little-endian u64 nanoseconds since
 * the epoch, then u64 length of the log after that read). The log stays the
 * raw bytes; `--since` and `--timestamps` look here.
 *
 * A line's time is the time of the read that brought its last byte, as
 * Docker stamps a line when it has been read whole.
 */
export const LOG_TIMES_RECORD = 16;

export class LogTimes {
  private readonly times: bigint[] = [];
  private readonly ends: number[] = [];
  private read = 0;

  constructor(private readonly fd: number) {}

  /** Takes in the records appended since the last call; returns how far the log is covered. */
  refresh(): number {
    const size = fstatSync(this.fd).size;
    const whole = size - ((size - this.read) % LOG_TIMES_RECORD); // a record being written is read next time
    if (whole > this.read) {
      const buf = Buffer.alloc(whole - this.read);
      const n = readSync(this.fd, buf, 0, buf.length, this.read);
      for (let at = 0; at + LOG_TIMES_RECORD <= n; at += LOG_TIMES_RECORD) {
        this.times.push(buf.readBigUInt64LE(at));
        this.ends.push(Number(buf.readBigUInt64LE(at + 8)));
      }
      this.read += n - (n % LOG_TIMES_RECORD);
    }
    return this.covered();
  }

  /** The log's length up to which every byte has its time. */
  covered(): number {
    return this.ends.length ? this.ends[this.ends.length - 1]! : 0;
  }

  /** Where the bytes that arrived at or after `since` (ns) begin in the log. */
  offsetSince(since: bigint): number {
    const i = this.firstIndex((k) => this.times[k]! >= since);
    return i === 0 ? 0 : this.ends[i - 1]!;
  }

  /** When the byte at `offset` arrived (ns), or undefined if the index does not reach it yet. */
  timeOf(offset: number): bigint | undefined {
    const i = this.firstIndex((k) => this.ends[k]! > offset);
    return i < this.ends.length ? this.times[i] : undefined;
  }

  private firstIndex(holds: (k: number) => boolean): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (holds(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Where the line holding byte `offset` of buf begins. */
export function lineStart(buf: Buffer, offset: number): number {
  const nl = offset > 0 ? buf.lastIndexOf(0x0a, offset - 1) : -1;
  return nl + 1;
}

/** RFC 3339 with nanoseconds at fixed width, as `docker logs -t` prints it. */
export function rfc3339Nano(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  return `${iso.slice(0, 19)}.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`;
}

/**
 * Each whole line of buf (which begins at log offset `base`) with its time in
 * front. A line without its newline is stamped only when `final`; otherwise
 * it is left for later: `rest` is where the unstamped bytes begin in buf.
 */
export function stampLines(buf: Buffer, base: number, times: LogTimes, final: boolean): { out: Buffer; rest: number } {
  const parts: Buffer[] = [];
  let start = 0;
  while (start < buf.length) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0 && !final) break;
    const end = nl < 0 ? buf.length : nl + 1;
    const t = times.timeOf(base + end - 1);
    if (t === undefined) break;
    parts.push(Buffer.from(`${rfc3339Nano(t)} `), buf.subarray(start, end));
    start = end;
  }
  return { out: Buffer.concat(parts), rest: start };
}

/** "1700000000.5" (Unix seconds, up to nine decimals) in ns. */
export function unixNanos(seconds: string): bigint {
  const [whole, frac = ''] = seconds.split('.');
  return BigInt(whole!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0'));
}
