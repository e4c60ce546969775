import { closeSync, fstatSync, openSync, readSync, watch } from 'node:fs';

import { conflict } from './errors';
import { LogTimes, lineStart, stampLines } from './log-times';

export interface LogRequest {
  /** Only the last N lines (of those since `since`). */
  tail?: number;
  follow: boolean;
  /** Only what arrived at or after this time, in ns since the epoch. */
  since?: bigint;
  /** Each line with the time it arrived in front. */
  timestamps?: boolean;
}

/**
 * A container's output as `ferry logs` sends it: the whole log or its last
 * `tail` lines, from `since`, then, with `follow`, what is appended, as it is
 * appended, until the container has stopped and its last bytes are out, or
 * the client has gone. The files are opened once, so a container removed
 * meanwhile (--rm) still has its output read to the end.
 *
 * New bytes are noticed by inotify (fs.watch) within milliseconds; a 250 ms
 * poll backs it up and notices the container's end. With timestamps, bytes
 * go out once the index (log-times.ts) has their time, whole lines only
 * until the end.
 */
export async function sendLog(
  files: { log: string; logTimes: string },
  opts: LogRequest & { running: () => boolean },
  write: (chunk: Buffer) => Promise<void>,
  closed: () => boolean,
): Promise<void> {
  const timed = opts.since !== undefined || !!opts.timestamps;
  let fd: number;
  try {
    fd = openSync(files.log, 'r');
  } catch {
    return; // no output yet, or none ever
  }
  let timesFd: number | undefined;
  try {
    if (timed) {
      try {
        timesFd = openSync(files.logTimes, 'r');
      } catch {
        throw conflict('this log has no times (its container was started by an older Ferry): --since and --timestamps cannot be used on it');
      }
    }
    const times = timesFd === undefined ? undefined : new LogTimes(timesFd);
    let pos = 0; // the log's bytes before pos have been read
    const readNew = (): Buffer => {
      const size = times ? Math.min(fstatSync(fd).size, times.refresh()) : fstatSync(fd).size;
      if (size <= pos) return Buffer.alloc(0);
      const buf = Buffer.alloc(size - pos);
      const n = readSync(fd, buf, 0, buf.length, pos);
      pos += n;
      return buf.subarray(0, n);
    };
    // Bytes read but not yet sent (a line waiting for its newline), and where they begin in the log.
    let held: Buffer = Buffer.alloc(0);
    let heldAt = 0;
    const send = async (buf: Buffer, final: boolean) => {
      const all = held.length ? Buffer.concat([held, buf]) : buf;
      if (!times || !opts.timestamps) {
        held = Buffer.alloc(0);
        heldAt += all.length;
        if (all.length) await write(all);
        return;
      }
      const { out, rest } = stampLines(all, heldAt, times, final);
      held = all.subarray(rest);
      heldAt += rest;
      if (out.length) await write(out);
    };

    let first = readNew();
    if (opts.since !== undefined) {
      const from = lineStart(first, times!.offsetSince(opts.since));
      first = first.subarray(from);
      heldAt = from;
    }
    if (opts.tail !== undefined) {
      const last = lastLines(first, opts.tail);
      heldAt += first.length - last.length;
      first = last;
    }
    await send(first, !opts.follow);
    if (!opts.follow) return;
    let wake: () => void = () => undefined;
    const watcher = watch(files.log, () => wake());
    try {
      for (;;) {
        const stopped = !opts.running(); // before reading: bytes written before the end are read after it
        const more = readNew();
        await send(more, stopped && !more.length);
        if ((stopped && !more.length) || closed()) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 250);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      watcher.close();
    }
  } finally {
    closeSync(fd);
    if (timesFd !== undefined) closeSync(timesFd);
  }
}

/** The last n lines of a buffer (a final line without its newline counts). */
export function lastLines(buf: Buffer, n: number): Buffer {
  if (n <= 0) return Buffer.alloc(0);
  let end = buf.length;
  if (end && buf[end - 1] === 0x0a) end--;
  let start = end;
  for (let seen = 0; start > 0; start--) if (buf[start - 1] === 0x0a && ++seen === n) break;
  return buf.subarray(start);
}
