import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

/**
 * A DNS load generator, run inside a container: keeps `concurrency` queries
 * for one name outstanding against one server for `seconds`, and prints
 * {"qps", "p50_us", "p99_us", "inFlightAtEnd"} as JSON. Latency is measured per query
 * from send to answer. Usage: node dns-load.js SERVER NAME SECONDS CONCURRENCY
 */
const [server, name, secondsArg, concurrencyArg] = process.argv.slice(2);
const seconds = Number(secondsArg);
const concurrency = Number(concurrencyArg);
const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
const sentAt = new Map<number, bigint>();
const latencies: number[] = [];
let nextId = 1;
let answered = 0;
let stop = false;

function send(): void {
  if (stop) return;
  const id = nextId;
  nextId = (nextId % 65535) + 1;
  sentAt.set(id, process.hrtime.bigint());
  sock.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: name! }] }), 53, server!);
}

sock.on('message', (msg) => {
  const id = msg.readUInt16BE(0);
  const t0 = sentAt.get(id);
  if (t0 === undefined) return;
  sentAt.delete(id);
  answered++;
  latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
  send();
});

sock.bind(0, () => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < concurrency; i++) send();
  setTimeout(() => {
    stop = true;
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
    process.stdout.write(`${JSON.stringify({ qps: answered / elapsed, p50_us: pct(0.5), p99_us: pct(0.99), inFlightAtEnd: sentAt.size })}\n`);
    process.exit(0);
  }, seconds * 1000);
});
