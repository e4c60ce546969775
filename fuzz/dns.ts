import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dnsPacket from 'dns-packet';
import type { DnsContainer, DnsDirectory } from '../src/dns/directory';
import { DnsService } from '../src/dns/server';

/**
 * The DNS query handling (DnsService.answer, src/dns/server.ts) under a
 * mutational fuzzer. It is TypeScript, so libFuzzer cannot drive it in
 * process here: Jazzer.js, the libFuzzer binding for Node, ships its native
 * part built for glibc 2.38 and Debian 12 has 2.36. Instead: seeds of every
 * kind of query the resolver answers, mutated byte-wise (flips, random
 * bytes, interesting 16-bit values in the header's counts, compression
 * pointers, inserts, deletes, splices) with a seeded PRNG, so a run is
 * repeatable; each mutant is asked from a container on network 1, from one
 * on network 2, or from an address no container holds, over UDP or TCP.
 *
 * Must run in a network namespace of its own (fuzz/run.ts uses unshare):
 * names not ours are forwarded to an upstream at UPSTREAM on its loopback,
 * which this process serves, and nothing else is reachable.
 *
 * What must never happen (each stops the run and keeps the input):
 *  - answer() throws or rejects (in the daemon, an unhandled rejection);
 *  - a reply that does not decode, or whose id is not the query's;
 *  - a UDP reply larger than the client allows (512, or its EDNS size);
 *  - a reply to an unknown address other than REFUSED;
 *  - network 2's container's address in an answer to network 1 (isolation).
 */
export const UPSTREAM = '192.0.2.53';

const NET1 = 'n1';
const NET2 = 'n2';

function directory(): DnsDirectory {
  const c = (id: string, name: string, networkId: string, ipv4: string, aliases: string[] = []): DnsContainer => ({
    id: id.repeat(64 / id.length),
    name,
    hostname: name,
    state: 'running',
    dns: [],
    endpoints: [{ networkId, ipv4, ipv6: `2001:db8:${networkId === NET1 ? 1 : 2}::${ipv4.split('.')[3]}` }],
    aliases: (n) => (n === networkId ? aliases : []),
  });
  const all = [c('a', 'web', NET1, '192.0.2.2', ['www', 'api']), c('b', 'db', NET1, '192.0.2.3', ['api']), c('c', 'secret', NET2, '203.0.113.3')];
  const networks = { [NET1]: { id: NET1, name: 'front', isDefault: false }, [NET2]: { id: NET2, name: 'back', isDefault: false } };
  return {
    container: (id) => all.find((x) => x.id === id),
    network: (id) => networks[id as keyof typeof networks],
    members: (networkId) => all.filter((x) => x.endpoints.some((e) => e.networkId === networkId)),
    byAddress: (networkId, address) => all.find((x) => x.endpoints.some((e) => e.networkId === networkId && e.ipv4 === address)),
  };
}

function seeds(): Buffer[] {
  const q = (name: string, type: string, extra: Partial<dnsPacket.Packet> = {}) =>
    dnsPacket.encode({ id: 0x4242, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }], ...extra });
  const edns = (size: number) => ({ additionals: [{ type: 'OPT', name: '.', udpPayloadSize: size, flags: 0 } as unknown as dnsPacket.Answer] });
  return [
    q('web', 'A'),
    q('WEB.front', 'AAAA'),
    q('api', 'A'),
    q('api.front.', 'A', edns(4096)),
    q('secret', 'A'),
    q('secret.back', 'A'),
    q('db', 'MX'),
    q('2.2.0.192.in-addr.arpa', 'PTR'),
    q('3.113.0.203.in-addr.arpa', 'PTR'),
    q('example.test', 'A'),
    q('example.test', 'TXT', edns(100)),
    q('nope', 'A'),
    dnsPacket.encode({ id: 1, type: 'query', questions: [{ name: 'web', type: 'A' }, { name: 'db', type: 'A' }] }),
  ];
}

/** xorshift32: repeatable mutations from a seed. */
class Rng {
  constructor(private s: number) {}
  next(): number {
    this.s ^= this.s << 13;
    this.s ^= this.s >>> 17;
    this.s ^= this.s << 5;
    return this.s >>> 0;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

const INTERESTING16 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff];

function mutate(rng: Rng, input: Buffer, pool: Buffer[]): Buffer {
  let b = Buffer.from(input);
  for (let n = rng.below(4) === 0 ? 2 + rng.below(3) : 1; n > 0; n--) {
    const at = b.length ? rng.below(b.length) : 0;
    switch (rng.below(8)) {
      case 0:
        if (b.length) b[at]! ^= 1 << rng.below(8);
        break;
      case 1:
        if (b.length) b[at] = rng.below(256);
        break;
      case 2: // a header field (id, flags, the four counts) set to an interesting value
        if (b.length >= 12) b.writeUInt16BE(INTERESTING16[rng.below(INTERESTING16.length)]!, 2 * rng.below(6));
        break;
      case 3: // a compression pointer, often to itself or forward
        if (b.length >= 2) b.writeUInt16BE(0xc000 | rng.below(b.length + 4), Math.min(at, b.length - 2));
        break;
      case 4:
        b = Buffer.concat([b.subarray(0, at), randomFrom(rng, 1 + rng.below(8)), b.subarray(at)]);
        break;
      case 5:
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.below(8)))]);
        break;
      case 6: {
        const other = pool[rng.below(pool.length)]!;
        b = Buffer.concat([b.subarray(0, at), other.subarray(rng.below(other.length + 1))]);
        break;
      }
      case 7: // a label length byte made wrong
        if (b.length > 12) b[12 + rng.below(b.length - 12)] = [0, 1, 63, 64, 0x3f, 0x40, 0xff][rng.below(7)]!;
        break;
    }
  }
  return b.subarray(0, 4096);
}

function randomFrom(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.below(256);
  return b;
}

/** A tiny upstream: NXDOMAIN to what decodes, nothing to what does not (so a timeout path runs too). */
function upstream(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.on('message', (msg, from) => {
    try {
      const q = dnsPacket.decode(msg);
      s.send(dnsPacket.encode({ id: q.id, type: 'response', flags: 3, questions: q.questions }), from.port, from.address);
    } catch {
      /* silence */
    }
  });
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(53, UPSTREAM, () => resolve(s));
  });
}

export interface DnsFuzzResult {
  executions: number;
  seconds: number;
  perSecond: number;
  outcomes: Record<string, number>;
  failure?: { reason: string; input: string };
}

export async function fuzzDns(runs: number, seed: number, artifacts: string): Promise<DnsFuzzResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-fuzz-dns-'));
  const resolvConf = path.join(dir, 'resolv.conf');
  writeFileSync(resolvConf, `nameserver ${UPSTREAM}\n`);
  const up = await upstream();
  const service = new DnsService(directory(), { rateLimit: 1e12, upstreamTimeoutMs: 20, hostResolvConf: resolvConf });
  const rng = new Rng(seed || 1);
  const pool = seeds();
  const askers = ['192.0.2.2', '203.0.113.3', '192.0.2.99'];
  const started = process.hrtime.bigint();
  let failure: DnsFuzzResult['failure'];
  let i = 0;
  try {
    for (; i < runs && !failure; i++) {
      const base = pool[rng.below(pool.length)]!;
      const msg = i < pool.length ? pool[i]! : mutate(rng, base, pool);
      const asker = askers[rng.below(askers.length)]!;
      const network = asker.startsWith('203.') ? NET2 : NET1;
      const transport = rng.below(4) === 0 ? 'tcp' : 'udp';
      const reason = await judge(service, network, asker, msg, transport);
      if (reason) {
        mkdirSync(artifacts, { recursive: true });
        const file = path.join(artifacts, `crash-dns-${createHash('sha1').update(msg).digest('hex')}`);
        writeFileSync(file, msg);
        failure = { reason: `${reason} (asked by ${asker} over ${transport})`, input: file };
      }
      // Let timers (the upstream's timeouts) and sockets' events run now and then.
      if (i % 256 === 255) await new Promise((r) => setImmediate(r));
      // Now and then a mutant that still decodes joins the pool (up to 512), so mutations build on mutations.
      if (pool.length < 512 && rng.below(64) === 0 && decodes(msg)) pool.push(msg);
    }
  } finally {
    up.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const outcomes = { ...service.counters } as unknown as Record<string, number>;
  return { executions: i, seconds, perSecond: Math.round(i / seconds), outcomes, ...(failure ? { failure } : {}) };
}

function decodes(msg: Buffer): boolean {
  try {
    dnsPacket.decode(msg);
    return true;
  } catch {
    return false;
  }
}

async function judge(service: DnsService, network: string, asker: string, msg: Buffer, transport: 'udp' | 'tcp'): Promise<string | undefined> {
  let reply: Buffer | undefined;
  try {
    reply = await service.answer(network, asker, msg, transport);
  } catch (e) {
    return `answer() threw: ${(e as Error).stack ?? String(e)}`;
  }
  if (!reply) return undefined;
  let decoded: dnsPacket.Packet;
  try {
    decoded = dnsPacket.decode(reply);
  } catch (e) {
    return `the reply does not decode: ${(e as Error).message}`;
  }
  if (msg.length >= 2 && decoded.id !== msg.readUInt16BE(0)) return `reply id ${decoded.id}, query id ${msg.readUInt16BE(0)}`;
  if (transport === 'udp' && reply.length > udpLimitOf(msg)) return `a ${reply.length}-byte UDP reply, over the client's limit`;
  const rcode = (decoded.flags ?? 0) & 15;
  if (asker === '192.0.2.99' && rcode !== 5) return `rcode ${rcode} to an address no container holds (expected REFUSED)`;
  if (network === NET1 && (decoded.answers ?? []).some((a) => String((a as { data?: unknown }).data).startsWith('203.0.113.'))) return 'network 2 answered to network 1';
  return undefined;
}

function udpLimitOf(msg: Buffer): number {
  try {
    const opt = dnsPacket.decode(msg).additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    return Math.max(512, Math.min(opt?.udpPayloadSize ?? 512, 65535));
  } catch {
    return 512;
  }
}

if (require.main === module) {
  const [runs = '100000', seed = String(randomBytes(4).readUInt32BE()), artifacts = process.cwd()] = process.argv.slice(2);
  fuzzDns(Number(runs), Number(seed), artifacts)
    .then((r) => {
      process.stdout.write(`${JSON.stringify({ seed: Number(seed), ...r })}\n`);
      process.exit(r.failure ? 1 : 0);
    })
    .catch((e) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(2);
    });
}
