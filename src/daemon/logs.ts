import { closeSync, fstatSync, openSync, readSync, watch } from 'node:fs';

/**
 * A container's output as `ferry logs` sends it: the whole log or its last
 * `tail` lines, then, with `follow`, what is appended, as it is appended,
 * until the container has stopped and its last bytes are out, or the client
 * has gone. The file is opened once, so a container removed meanwhile (--rm)
 * still has its output read to the end.
 *
 * New bytes are noticed by inotify (fs.watch) within milliseconds; a 250 ms
 * poll backs it up and notices the container's end.
 */
export async function sendLog(
  file: string,
  opts: { tail?: number; follow: boolean; running: () => boolean },
  write: (chunk: Buffer) => Promise<void>,
  closed: () => boolean,
): Promise<void> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return; // no output yet, or none ever
  }
  let pos = 0;
  const readNew = (): Buffer => {
    const size = fstatSync(fd).size;
    if (size <= pos) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - pos);
    const n = readSync(fd, buf, 0, buf.length, pos);
    pos += n;
    return buf.subarray(0, n);
  };
  try {
    let first = readNew();
    if (opts.tail !== undefined) first = lastLines(first, opts.tail);
    if (first.length) await write(first);
    if (!opts.follow) return;
    let wake: () => void = () => undefined;
    const watcher = watch(file, () => wake());
    try {
      for (;;) {
        const stopped = !opts.running(); // before reading: bytes written before the end are read after it
        const more = readNew();
        if (more.length) await write(more);
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
