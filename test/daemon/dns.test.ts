import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configureInterface, createNetns, netnsPath } from '../../src/netns';
import { useDaemon } from '../harness/daemon';

/**
 * The embedded resolver: SCENARIOS.md 3 by name, aliases, PTR, AAAA,
 * isolation between networks, forwarding to a test upstream (timeout,
 * truncation), malformed queries and floods. The upstream is a small DNS
 * server in an "outside" namespace joined to the daemon's by a veth with
 * documentation addresses: no test queries a real resolver.
 */
describe('embedded DNS', () => {
  const d = useDaemon(['--dns-timeout-ms', '300', '--dns-rate-limit', '500']);
  const dig = async (ctr: string, ...args: string[]) => (await d().ok('exec', ctr, '--', 'dig', '+tries=1', '+timeout=3', ...args)).trim();
  const status = async (ctr: string, name: string) => /status: (\w+)/.exec(await d().ok('exec', ctr, '--', 'dig', '+tries=1', '+timeout=3', name))?.[1];

  it('scenario 3 by name: alpine-net resolves, the default bridge does not, nothing crosses', async () => {
    await d().ok('network', 'create', 'alpine-net');
    for (const n of ['alpine1', 'alpine2']) await d().ok('run', '-d', '--name', n, '--network', 'alpine-net', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'alpine3', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'alpine4', '--network', 'alpine-net', '--', 'sleep', 'infinity');
    await d().ok('network', 'connect', 'bridge', 'alpine4');
    expect(await d().ok('exec', 'alpine1', '--', 'cat', '/etc/resolv.conf')).toBe('nameserver 127.0.0.11\noptions ndots:0');

    for (const target of ['alpine2', 'alpine4', 'alpine1']) expect(await d().ok('exec', 'alpine1', '--', 'ping', '-c', '1', '-W', '1', target)).toMatch(/1 received/);
    const bad = await d().ferry('exec', 'alpine1', '--', 'ping', '-c', '1', '-W', '1', 'alpine3');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/alpine3: (Name or service not known|Temporary failure in name resolution)/);

    // alpine3, on the default bridge only, resolves no container name.
    for (const name of ['alpine1', 'alpine2', 'alpine4']) {
      expect(await status('alpine3', name)).toBe('NXDOMAIN');
      expect((await d().ferry('exec', 'alpine3', '--', 'getent', 'ahostsv4', name)).code).not.toBe(0);
    }
    expect((await d().ferry('exec', 'alpine3', '--', 'busybox', 'nslookup', 'alpine1')).code).not.toBe(0);
    // ... but its own name and --add-host entries do, through /etc/hosts.
    expect(await d().ok('exec', 'alpine3', '--', 'getent', 'ahostsv4', 'alpine3')).toMatch(new RegExp(`^${(await d().ip('alpine3')).replace(/\./g, '\\.')}\\s+STREAM `, 'm')); // getent shows the canonical name, the hostname
    // alpine4 resolves alpine-net's names, and reaches alpine3 only by address.
    expect(await dig('alpine4', '+short', 'alpine1')).toBe('172.18.0.2');
    expect(await d().ok('exec', 'alpine4', '--', 'busybox', 'nslookup', 'alpine2')).toMatch(/Address: 172\.18\.0\.3/);
    expect(await status('alpine4', 'alpine3')).toBe('NXDOMAIN');
    expect(await d().ok('exec', 'alpine4', '--', 'ping', '-c', '1', '-W', '1', await d().ip('alpine3'))).toMatch(/1 received/);
    expect(await dig('alpine2', '+short', 'alpine1.alpine-net')).toBe('172.18.0.2');
  });

  it('an alias shared by several containers answers all of them, in varying order; PTR answers', async () => {
    await d().ok('run', '-d', '--name', 'web1', '--network', 'alpine-net', '--network-alias', 'web', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'web2', '--network', 'alpine-net', '--network-alias', 'web', '--', 'sleep', 'infinity');
    const ips = [await d().ip('web1', 'alpine-net'), await d().ip('web2', 'alpine-net')].sort();
    const orders = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const answer = (await dig('alpine1', '+short', 'web')).split('\n');
      expect([...answer].sort()).toEqual(ips);
      orders.add(answer.join(','));
    }
    expect(orders.size).toBe(2);
    expect(await dig('alpine1', '+short', '-x', ips[0]!)).toMatch(/^web[12]\.alpine-net\.$/);
  });

  it('answers AAAA on an IPv6 network', async () => {
    await d().ok('network', 'create', '--ipv6', '--subnet', '2001:db8:5::/64', 'v6net');
    await d().ok('run', '-d', '--name', 'six1', '--network', 'v6net', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'six2', '--network', 'v6net', '--', 'sleep', 'infinity');
    expect(await dig('six1', '+short', 'AAAA', 'six2')).toBe('2001:db8:5::3');
    expect(await d().ok('exec', 'six1', '--', 'ping', '-6', '-c', '1', '-W', '1', 'six2')).toMatch(/1 received/);
  });

  it('follows connect and disconnect at once (within 100 ms)', async () => {
    await d().ok('network', 'disconnect', 'alpine-net', 'alpine4');
    const t0 = Date.now();
    expect(await status('alpine1', 'alpine4')).toBe('NXDOMAIN');
    expect(Date.now() - t0).toBeLessThan(1000); // the dig itself included; the state change is immediate
    await d().ok('network', 'connect', 'alpine-net', 'alpine4');
    expect(await dig('alpine1', '+short', 'alpine4')).toMatch(/^172\.18\.0\.\d+$/);
  });

  describe('forwarding', () => {
    let upstream: ChildProcess | undefined;

    it('forwards other names to the --dns upstream; a timeout gives SERVFAIL; a truncated answer is fetched over TCP', async () => {
      const outside = `${d().prefix}-out`;
      await createNetns(outside);
      const veth = await d().host(['ip', 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside]);
      expect(veth.stderr).toBe('');
      await d().host(['ip', 'addr', 'add', '198.51.100.1/24', 'dev', 'up0']);
      await d().host(['ip', 'link', 'set', 'up0', 'up']);
      await configureInterface(outside, { ifname: 'eth0', addresses: ['198.51.100.53/24'] });
      upstream = spawn('nsenter', [`--net=${netnsPath(outside)}`, '--', process.execPath, path.join(__dirname, '../fixtures/upstream-dns.js'), '198.51.100.53'], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((r) => upstream!.stdout!.once('data', r));

      await d().ok('run', '-d', '--name', 'ext', '--network', 'alpine-net', '--dns', '198.51.100.53', '--', 'sleep', 'infinity');
      expect(await dig('ext', '+short', 'example.test')).toBe('203.0.113.10');
      expect(await status('ext', 'nosuch.example.test')).toBe('NXDOMAIN');
      expect(await status('ext', 'slow.example.test')).toBe('SERVFAIL');
      // 60 records: the upstream truncates over UDP; Ferry fetches them over TCP,
      // and since they do not fit the client's 512 bytes either, the client retries over TCP.
      const before = JSON.parse(await d().ok('dns', 'stats', '--format', 'json'));
      const big = (await dig('ext', '+noedns', '+short', 'big.example.test')).split('\n');
      expect(big).toHaveLength(60);
      const after = JSON.parse(await d().ok('dns', 'stats', '--format', 'json'));
      expect(after.truncated - before.truncated).toBeGreaterThanOrEqual(1);
      expect(after.tcp - before.tcp).toBeGreaterThanOrEqual(1);
      // Container names are never sent upstream.
      expect(await status('ext', 'alpine3')).toBe('NXDOMAIN');
      upstream.kill();
    });
  });

  it('drops and counts malformed queries and a flood, and keeps answering others', async () => {
    const before = JSON.parse(await d().ok('dns', 'stats', '--format', 'json'));
    // Garbage, then 3,000 queries within about a tenth of a second (the rate limit is 500/s per container).
    const script = `
      const s = require('dgram').createSocket('udp4');
      const q = require(${JSON.stringify(require.resolve('dns-packet'))}).encode({ type: 'query', id: 1, questions: [{ type: 'A', name: 'alpine2' }] });
      s.send(Buffer.from('not a dns message'), 53, '127.0.0.11');
      let sent = 0;
      (function burst() { for (let i = 0; i < 100; i++) s.send(q, 53, '127.0.0.11'); sent += 100; if (sent < 3000) setTimeout(burst, 2); else setTimeout(() => process.exit(0), 200); })();`;
    const flood = d().ferry('exec', 'alpine1', '--', process.execPath, '-e', script);
    expect(await dig('alpine2', '+short', 'alpine4')).toMatch(/^172\.18\.0\.\d+$/); // another container is answered meanwhile
    await flood;
    const after = JSON.parse(await d().ok('dns', 'stats', '--format', 'json'));
    expect(after.malformed - before.malformed).toBe(1);
    expect(after.rateLimited - before.rateLimited).toBeGreaterThan(1000);
    expect(await dig('alpine1', '+short', 'alpine2')).toBe('172.18.0.3'); // and alpine1 again, once its bucket refills
  });

  it('a reverse query for what is not an address is answered, and the resolver keeps running (found by fuzz/dns.ts)', async () => {
    // 1.999.0.10.in-addr.arpa once made Names.reverse throw, and the unhandled rejection ended the daemon.
    expect(/status: (\w+)/.exec(await dig('alpine1', 'PTR', '1.999.0.10.in-addr.arpa'))?.[1]).toBe('SERVFAIL'); // not ours; no upstream in tests
    expect(await dig('alpine2', '+short', 'alpine4')).toMatch(/^172\.18\.0\.\d+$/);
  });

  it('ferry dns stats prints a table; --format json the counters', async () => {
    const text = await d().ok('dns', 'stats');
    expect(text).toMatch(/^COUNTER +VALUE\nqueries +\d+\n/);
    expect(text).toMatch(/^faults +0$/m);
    expect(Object.keys(JSON.parse(await d().ok('dns', 'stats', '--format', 'json')))).toContain('malformed');
  });
});
