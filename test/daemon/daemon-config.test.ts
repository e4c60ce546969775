import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureInterface, createNetns, execIn, netnsPath } from '../../src/netns';
import { useDaemon } from '../harness/daemon';

/**
 * Scenario 10 and issue 13's first part: the daemon reads Docker's
 * daemon.json keys. The default bridge takes bip, fixed-cidr and mtu; the
 * embedded resolver forwards to the daemon's dns; default-address-pools
 * decide what network create picks; a changed default bridge with
 * containers on it is refused; SIGHUP reloads dns.
 */
describe('daemon.json', () => {
  // Made before the daemon starts (a skipped suite makes nothing), removed at the end.
  const dir = path.join(tmpdir(), `ferry-config-${randomBytes(4).toString('hex')}`);
  const file = path.join(dir, 'daemon.json');
  const config = { bip: '192.0.2.1/24', 'fixed-cidr': '192.0.2.128/25', mtu: 1400, dns: ['198.51.100.53'], 'default-address-pools': [{ base: '10.123.0.0/16', size: 24 }], labels: ['com.example.site=lab1'] };
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, JSON.stringify(config));
  });
  let upstream: ChildProcess | undefined;
  // The outside world's resolver at 198.51.100.53, reachable from the daemon's namespace.
  const d = useDaemon(['--config-file', file], async (lab) => {
    const outside = `${lab.prefix}-out`;
    await createNetns(outside);
    await lab.host(['ip', 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside]);
    await configureInterface(lab.hostNs, { ifname: 'up0', addresses: ['198.51.100.1/24'] });
    await configureInterface(outside, { ifname: 'eth0', addresses: ['198.51.100.53/24'] });
    upstream = spawn('nsenter', [`--net=${netnsPath(outside)}`, '--', process.execPath, path.join(__dirname, '../fixtures/upstream-dns.js'), '198.51.100.53'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => upstream!.stdout!.once('data', r));
  });
  afterAll(() => {
    upstream?.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  const ferry = path.join(__dirname, '..', '..', 'bin', 'ferry');
  const daemonAlone = (...args: string[]) =>
    execIn(d().hostNs, [ferry, '--socket', path.join(d().dir, 'other.sock'), 'daemon', '--state-dir', path.join(d().dir, 'state'), '--netns-prefix', `${d().prefix}-c`, '--resolv-conf', d().resolvConf, ...args], { timeoutMs: 20_000 });

  it('the default bridge takes bip, fixed-cidr and mtu; its containers resolve through the daemon\'s dns', async () => {
    expect((await d().host(['ip', '-br', 'addr', 'show', 'ferry0'])).stdout).toMatch(/192\.0\.2\.1\/24/);
    expect((await d().host(['ip', '-o', 'link', 'show', 'ferry0'])).stdout).toMatch(/mtu 1400 /);
    await d().ok('run', '-d', '--name', 'c1', '--', 'sleep', 'infinity');
    const eth0 = await d().ok('exec', 'c1', '--', 'ip', '-o', '-4', 'addr', 'show', 'eth0');
    expect(Number(/inet 192\.0\.2\.(\d+)\//.exec(eth0)![1])).toBeGreaterThanOrEqual(128); // in fixed-cidr
    expect(eth0).toMatch(/\/24 /);
    expect(await d().ok('exec', 'c1', '--', 'ip', '-o', 'link', 'show', 'eth0')).toMatch(/mtu 1400 /);
    expect(await d().ok('exec', 'c1', '--', 'ip', 'route', 'show', 'default')).toMatch(/^default via 192\.0\.2\.1 /);
    // Ferry's default bridge keeps its embedded resolver; its upstream is daemon.json's dns.
    expect(await d().ok('exec', 'c1', '--', 'cat', '/etc/resolv.conf')).toMatch(/^nameserver 127\.0\.0\.11$/m);
    expect(await d().ok('exec', 'c1', '--', 'dig', '+short', '+tries=1', '+timeout=3', 'example.test')).toBe('203.0.113.10');
    // A container with no network (no embedded resolver) gets the nameserver itself.
    await d().ok('run', '-d', '--name', 'n0', '--network', 'none', '--', 'sleep', 'infinity');
    expect(await d().ok('exec', 'n0', '--', 'cat', '/etc/resolv.conf')).toBe('nameserver 198.51.100.53');
  });

  it('default-address-pools decide what network create picks', async () => {
    await d().ok('network', 'create', 'n1');
    await d().ok('network', 'create', 'n2');
    const subnet = async (n: string) => JSON.parse(await d().ok('network', 'inspect', n))[0].IPAM.Config[0].Subnet;
    expect([await subnet('n1'), await subnet('n2')]).toEqual(['10.123.0.0/24', '10.123.1.0/24']);
  });

  it('refuses a flag given in the file too, naming both; an unknown key; a bip that is not an address with its prefix', async () => {
    const both = await daemonAlone('--config-file', file, '--bip', '192.0.2.1/25');
    expect([both.code, both.stderr]).toEqual([2, `ferry: the following directives are specified both as a flag and in the configuration file ${file}: bip: (from flag: 192.0.2.1/25, from file: 192.0.2.1/24)\n`]);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ bip: '192.0.2.1/24', 'log-level': 'debug' }));
    expect((await daemonAlone('--config-file', bad)).stderr).toMatch(/^ferry: the following directives in .*bad\.json don't match any configuration option: log-level \(accepted: bip, /);
    expect((await daemonAlone('--bip', '192.0.2.0/24')).stderr).toBe('ferry: bip: "192.0.2.0/24" must name the bridge\'s own address with a prefix of /30 or shorter (192.0.2.1/24), not the network\n');
  });

  it('a changed default bridge with containers on it is refused, naming them and the change; SIGHUP reloads dns', async () => {
    await d().stop();
    const changed = path.join(dir, 'changed.json');
    writeFileSync(changed, JSON.stringify({ ...config, bip: '203.0.113.1/24', 'fixed-cidr': undefined }));
    const r = await daemonAlone('--config-file', changed);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^ferry: the default bridge's configuration changed \(bip 203\.0\.113\.1\/24, was 192\.0\.2\.1\/24; fixed-cidr none, was 192\.0\.2\.128\/25\) but containers are on it \(c1\); remove them first, or start the daemon as before\n$/);
    await d().start();
    expect((await d().host(['ip', '-br', 'addr', 'show', 'ferry0'])).stdout).toMatch(/192\.0\.2\.1\/24/); // as before
    // dns changes on SIGHUP: the resolver's upstream is now a server that does not answer.
    writeFileSync(file, JSON.stringify({ ...config, dns: ['198.51.100.99'], mtu: 1300 }));
    d().signal('SIGHUP');
    await new Promise((r) => setTimeout(r, 500));
    expect(d().log).toMatch(/"daemon.reload".*"applied":\["dns"\],"ignored":\["mtu"\]/);
    expect((await d().ferry('exec', 'c1', '--', 'dig', '+tries=1', '+timeout=5', 'example.test')).stdout).toMatch(/status: SERVFAIL/);
    writeFileSync(file, JSON.stringify(config));
  }, 60_000);

  it('ferry info shows the labels, and SIGHUP changes them', async () => {
    expect(await d().ok('info')).toMatch(/^Labels:\n com\.example\.site=lab1$/m);
    writeFileSync(file, JSON.stringify({ ...config, labels: ['com.example.site=lab2', 'tier=test'] }));
    d().signal('SIGHUP');
    await new Promise((r) => setTimeout(r, 500));
    expect(d().log).toMatch(/"daemon.reload".*"applied":\[("dns",)?"labels"\],"ignored":\[\]/); // dns too: the last test's SIGHUP left .99
    const info = JSON.parse(await d().ok('info', '--json'));
    expect(info.Labels).toEqual(['com.example.site=lab2', 'tier=test']);
    expect(info.ContainersRunning).toBeGreaterThanOrEqual(1);
    writeFileSync(file, JSON.stringify(config));
  });
});

describe('daemon.json keys as flags: IPv6 on the default bridge, and another default gateway', () => {
  const d = useDaemon(['--bip', '203.0.113.1/24', '--ipv6', '--fixed-cidr-v6', '2001:db8::/64', '--default-gateway', '203.0.113.254']);

  it('default-bridge containers get an IPv6 address in fixed-cidr-v6, and their default route via default-gateway', async () => {
    await d().ok('run', '-d', '--name', 'v6', '--', 'sleep', 'infinity');
    expect(await d().ok('exec', 'v6', '--', 'ip', '-o', '-6', 'addr', 'show', 'eth0', 'scope', 'global')).toMatch(/inet6 2001:db8::[0-9a-f:]+\/64 /);
    expect(await d().ok('exec', 'v6', '--', 'ip', 'route', 'show', 'default')).toMatch(/^default via 203\.0\.113\.254 /);
    const net = JSON.parse(await d().ok('network', 'inspect', 'bridge'))[0];
    expect(net.EnableIPv6).toBe(true);
    expect(net.IPAM.Config.map((c: { Subnet: string }) => c.Subnet)).toEqual(['203.0.113.0/24', '2001:db8::/64']);
  });
});
