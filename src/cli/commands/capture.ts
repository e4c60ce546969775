import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { UsageError, parseOptions } from '../args';
import { specOf } from '../spec';
import type { Client } from '../client';

/**
 * `ferry capture PORT`: the frames crossing a port, as pcapng, from the
 * worker at the port boundary. -w FILE writes them, -w - to stdout (for
 * `| tcpdump -n -r -`, tshark, Wireshark); without -w they are printed by
 * tcpdump. Ctrl-C ends the capture and says how many frames were written and
 * how many the ring lost to a slow reader.
 */
export async function captureCommand(args: string[], client: Client): Promise<number> {
  const { options: o, rest } = parseOptions(specOf('capture'), args);
  if (rest.length !== 1) throw new UsageError('"capture" takes one PORT: CONTAINER[/IFACE], a host interface (ferry0, br-...), "uplink" or a port id');
  const file = o.write as string | undefined;
  let sink: Writable;
  let printer: ReturnType<typeof spawn> | undefined;
  if (file === '-') sink = process.stdout;
  else if (file) sink = createWriteStream(file);
  else {
    printer = spawn('tcpdump', ['-n', '-r', '-'], { stdio: ['pipe', 'inherit', 'ignore'] });
    printer.on('error', () => process.stderr.write('ferry: without -w, capture prints through tcpdump, which is not installed; give -w FILE\n'));
    sink = printer.stdin!;
  }
  let id: string | undefined;
  let interrupted = 0;
  const onSigint = () => {
    interrupted++;
    if (interrupted > 1 || !id) process.exit(130);
    void client.request('POST', `/v1/capture/${id}/stop`, {}).catch(() => process.exit(130));
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const write = (chunk: Buffer) => new Promise<void>((resolve, reject) => sink.write(chunk, (e) => (e ? reject(e) : resolve())));
  const trailers = await client.stream('POST', '/v1/capture', { port: rest[0], count: o.count, filter: o.filter, drops: !!o.drops, snaplen: o.snaplen }, {
    headers: (h) => (id = String(h['x-ferry-capture'] ?? '')),
    bytes: write,
  });
  if (sink !== process.stdout) await new Promise<void>((resolve) => sink.end(resolve));
  if (printer) await new Promise((resolve) => printer!.once('close', resolve));
  const lost = Number(trailers['x-ferry-lost'] ?? 0);
  process.stderr.write(`${trailers['x-ferry-captured'] ?? '?'} frames captured${lost ? `, ${lost} lost (the reader was slower than the traffic)` : ''}\n`);
  return 0;
}
