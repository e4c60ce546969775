import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNetns, execIn } from '../../src/netns';
import { useDaemon } from '../harness/daemon';
import { UPLINK_ARGS, outside } from '../harness/outside';

const PLUGIN = '/opt/cni/bin/ferry';

interface Run {
  code: number;
  out: Record<string, unknown> | undefined;
  raw: string;
}

/**
 * The CNI plugin driven as runtimes drive it: the installed executable, the
 * command and container in environment variables, the configuration on
 * stdin. Each result is checked against the spec's result schema, each
 * failure against its error object.
 */
describe('the CNI plugin (/opt/cni/bin/ferry)', () => {
  const d = useDaemon([...UPLINK_ARGS], outside);
  const ns = (n: string) => `${d().prefix}-k${n}`;
  const config = (extra: Record<string, unknown> = {}) => ({ cniVersion: '1.0.0', name: 'ferry-net', type: 'ferry', network: 'cni-net', socket: d().socket, ...extra });
  const cni = (command: string, env: Record<string, string>, stdin: unknown): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(PLUGIN, [], { env: { PATH: '/usr/bin:/bin', CNI_COMMAND: command, CNI_PATH: '/usr/lib/cni:/opt/cni/bin', ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
      let raw = '';
      child.stdout.on('data', (b: Buffer) => (raw += b.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, raw, out: raw.trim() ? (JSON.parse(raw) as Record<string, unknown>) : undefined }));
      child.stdin.end(typeof stdin === 'string' ? stdin : JSON.stringify(stdin));
    });
  const attach = (id: string, n: string, extra: Record<string, unknown> = {}, ifname = 'eth0') => cni('ADD', { CNI_CONTAINERID: id, CNI_NETNS: `/run/netns/${ns(n)}`, CNI_IFNAME: ifname, CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAME=${n}` }, config(extra));
  const inside = (n: string, argv: string[]) => execIn(ns(n), argv, { timeoutMs: 20_000 });

  /** The spec's ADD result: interfaces, ips (CIDR, gateway, interface index), routes, dns. */
  const expectResult = (r: Run, version = '1.0.0') => {
    expect(r.code).toBe(0);
    const out = r.out as { cniVersion: string; interfaces: { name: string; mac: string; sandbox: string }[]; ips: { address: string; gateway: string; interface: number; version?: string }[]; routes: { dst: string; gw?: string }[]; dns: { nameservers?: string[] } };
    expect(out.cniVersion).toBe(version);
    expect(out.interfaces).toEqual([{ name: 'eth0', mac: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/), sandbox: expect.stringMatching(/^\/run\/netns\//) }]);
    for (const ip of out.ips) {
      expect(ip.address).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
      expect(ip.interface).toBe(0);
      expect(ip.gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      if (version.startsWith('0.')) expect(ip.version).toBe('4');
      else expect(ip.version).toBeUndefined();
    }
    for (const route of out.routes) expect(route.dst).toMatch(/\//);
    return out;
  };
  const expectError = (r: Run, code: number, msg: RegExp) => {
    expect(r.code).not.toBe(0);
    expect(r.out).toEqual({ cniVersion: expect.any(String), code, msg: expect.stringMatching(msg), ...(r.out?.details ? { details: expect.any(String) } : {}) });
  };

  it('VERSION, STATUS, and bad configurations as CNI error objects', async () => {
    expect((await cni('VERSION', {}, { cniVersion: '1.1.0' })).out).toEqual({ cniVersion: '1.1.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
    expectError(await cni('STATUS', {}, config()), 50, /^Ferry has no network "cni-net"$/);
    await d().ok('network', 'create', '--subnet', '10.88.0.0/24', 'cni-net');
    expect(await cni('STATUS', {}, config())).toEqual({ code: 0, raw: '', out: undefined });
    expectError(await cni('STATUS', {}, config({ socket: path.join(d().dir, 'nobody.sock') })), 50, /does not answer/);
    expectError(await cni('ADD', {}, '{"cniVersion": '), 6, /not JSON/);
    expectError(await cni('ADD', {}, { ...config(), cniVersion: '2.0.0' }), 1, /cniVersion 2\.0\.0 is not supported/);
    expectError(await cni('ADD', {}, { ...config(), name: undefined }), 7, /no "name"/);
    expectError(await cni('ADD', { CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0' }, config()), 4, /CNI_CONTAINERID is not set/);
    expectError(await cni('ADD', { CNI_CONTAINERID: 'c0', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0' }, config({ network: 'no-such-net' })), 7, /network "no-such-net" not found/);
    expectError(await cni('FROB', {}, config()), 4, /CNI_COMMAND "FROB"/);
  });

  it('ADD attaches a namespace: addresses from Ferry\'s IPAM, routes, DNS through Ferry\'s resolver; ADD twice is refused', async () => {
    for (const n of ['a', 'b']) await createNetns(ns(n));
    const a = expectResult(await attach('container-a', 'a'));
    expect(a.ips[0]).toEqual({ address: '10.88.0.2/24', gateway: '10.88.0.1', interface: 0 });
    expect(a.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.88.0.1' }]);
    expect(a.dns).toEqual({ nameservers: ['127.0.0.11'], options: ['ndots:0'] });
    const b = expectResult(await attach('container-b', 'b', { cniVersion: '0.4.0' }), '0.4.0');
    expect(b.ips[0]!.address).toBe('10.88.0.3/24');
    expect((await inside('a', ['ping', '-c', '1', '-W', '2', '10.88.0.3'])).stdout).toMatch(/1 received/);
    expect((await inside('a', ['busybox', 'nslookup', 'b', '127.0.0.11'])).stdout).toMatch(/Address: 10\.88\.0\.3/);
    expect(await d().ok('ps')).toMatch(/\ba\n|\ba$/m);
    expectError(await attach('container-a', 'a'), 100, /already has eth0/);
    expect(await cni('CHECK', { CNI_CONTAINERID: 'container-a', CNI_NETNS: `/run/netns/${ns('a')}`, CNI_IFNAME: 'eth0' }, config())).toEqual({ code: 0, raw: '', out: undefined });
    expectError(await cni('CHECK', { CNI_CONTAINERID: 'container-zz', CNI_NETNS: `/run/netns/${ns('a')}`, CNI_IFNAME: 'eth0' }, config()), 3, /container-zz has no eth0/);
    expectError(await cni('CHECK', { CNI_CONTAINERID: 'container-a', CNI_NETNS: `/run/netns/${ns('a')}`, CNI_IFNAME: 'eth0' }, config({ cniVersion: '0.3.1' })), 1, /CHECK is not part of cniVersion 0\.3\.1/);
  });

  it('capabilities ips and mac: the runtime chooses the address and the MAC', async () => {
    await createNetns(ns('m'));
    const m = expectResult(await attach('container-m', 'm', { runtimeConfig: { ips: ['10.88.0.50/24'], mac: '02:00:5e:00:00:50' } }));
    expect(m.ips[0]!.address).toBe('10.88.0.50/24');
    expect(m.interfaces[0]!.mac).toBe('02:00:5e:00:00:50');
    expect((await inside('m', ['ip', '-o', 'link', 'show', 'eth0'])).stdout).toMatch(/link\/ether 02:00:5e:00:00:50/);
    expect((await inside('m', ['ping', '-c', '1', '-W', '2', '10.88.0.2'])).stdout).toMatch(/1 received/);
    await createNetns(ns('m2'));
    expectError(await attach('container-m2', 'm2', { runtimeConfig: { ips: ['10.88.0.50/24'] } }), 100, /10\.88\.0\.50/);
    expect((await cni('DEL', { CNI_CONTAINERID: 'container-m', CNI_IFNAME: 'eth0' }, config())).code).toBe(0);
  });

  it('portMappings publish on Ferry\'s uplink, and the server sees the client\'s address', async () => {
    await createNetns(ns('w'));
    expectResult(await attach('container-w', 'w', { runtimeConfig: { portMappings: [{ hostPort: 8088, containerPort: 80, protocol: 'tcp' }] } }));
    const server = inside('w', ['/usr/bin/python3', '-c', "import socket;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('',80));s.listen();c,a=s.accept();c.sendall(a[0].encode());c.close()"]);
    await new Promise((r) => setTimeout(r, 300));
    const got = await execIn(`${d().prefix}-far`, ['/usr/bin/python3', '-c', "import socket;s=socket.create_connection(('192.0.2.10',8088),timeout=3);print(s.recv(100).decode())"]);
    expect(got.stdout.trim()).toBe('198.51.100.2');
    await server;
  });

  it('a delegated IPAM plugin (host-local) chooses the address; DEL gives it back, and DEL is idempotent', async () => {
    await createNetns(ns('h'));
    const dataDir = path.join(d().dir, 'host-local');
    mkdirSync(dataDir);
    const ipam = { type: 'host-local', dataDir, ranges: [[{ subnet: '10.88.0.0/24', rangeStart: '10.88.0.100', rangeEnd: '10.88.0.110', gateway: '10.88.0.1' }]] };
    const h = expectResult(await attach('container-h', 'h', { ipam }));
    expect(h.ips[0]!.address).toBe('10.88.0.100/24');
    const del = () => cni('DEL', { CNI_CONTAINERID: 'container-h', CNI_NETNS: `/run/netns/${ns('h')}`, CNI_IFNAME: 'eth0' }, config({ ipam }));
    expect((await del()).code).toBe(0);
    expect((await inside('h', ['ip', '-o', 'link'])).stdout).not.toMatch(/eth0/);
    expect((await del()).code).toBe(0);
    expect((await cni('DEL', { CNI_CONTAINERID: 'never-seen', CNI_IFNAME: 'eth0' }, config())).code).toBe(0);
    // The address went back to host-local (its reservation file is gone; host-local hands out round-robin).
    expect(existsSync(path.join(dataDir, 'ferry-net', '10.88.0.100'))).toBe(false);
    expect(expectResult(await attach('container-h2', 'h', { ipam })).ips[0]!.address).toBe('10.88.0.101/24');
    expect(existsSync(path.join(dataDir, 'ferry-net', '10.88.0.101'))).toBe(true);
  });

  it('a restarted daemon keeps the attachments; GC removes the ones the runtime no longer has', async () => {
    await d().stop();
    await d().start();
    expect((await inside('a', ['ping', '-c', '1', '-W', '2', '10.88.0.3'])).stdout).toMatch(/1 received/);
    const valid = [{ containerID: 'container-a', ifname: 'eth0' }, { containerID: 'container-b', ifname: 'eth0' }];
    expect((await cni('GC', {}, config({ cniVersion: '1.1.0', 'cni.dev/valid-attachments': valid }))).code).toBe(0);
    expect((await inside('w', ['ip', '-o', 'link'])).stdout).not.toMatch(/eth0/);
    expect((await inside('h', ['ip', '-o', 'link'])).stdout).not.toMatch(/eth0/);
    expect((await inside('a', ['ping', '-c', '1', '-W', '2', '10.88.0.3'])).stdout).toMatch(/1 received/);
    for (const id of ['container-a', 'container-b']) expect((await cni('DEL', { CNI_CONTAINERID: id, CNI_IFNAME: 'eth0' }, config())).code).toBe(0);
    expect(await d().ok('ps', '-a')).not.toMatch(/\bb\b/);
    await d().ok('network', 'rm', 'cni-net');
  });
});
