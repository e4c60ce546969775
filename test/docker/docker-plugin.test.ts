import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { execIn, run } from '../../src/netns';
import { useDaemon } from '../harness/daemon';
import { DockerLab } from '../harness/dockerd';
import { UPLINK_ARGS, outside } from '../harness/outside';

/**
 * Stock dockerd (Debian's docker.io 20.10) with Ferry as its network and
 * IPAM driver, through the docker CLI as a user types it: the user-defined
 * bridge tutorial (SCENARIOS.md §3 and §5), published ports from the world,
 * and restarts of either daemon. No iptables or nftables rule anywhere.
 */
describe('Ferry as a Docker network and IPAM plugin', () => {
  let docker: DockerLab;
  const driver = () => d().prefix; // a driver name of our own: a real Docker on the machine keeps "ferry"
  const d = useDaemon(() => [...UPLINK_ARGS, '--docker-plugin', '--docker-plugin-name', d().prefix, '--docker-host', docker.host], async (lab) => {
    docker = new DockerLab(lab);
    await outside(lab);
  });
  const far = (argv: string[]) => execIn(`${d().prefix}-far`, argv, { timeoutMs: 30_000 });
  const dk = (...args: string[]) => docker.ok(...args);
  const pid = async (name: string) => Number(await dk('inspect', '-f', '{{.State.Pid}}', name));
  /** A ping from one container to another by name: Ferry's resolver and data path. */
  const pings = async (from: string, to: string) => (await docker.docker('exec', from, 'ping', '-c', '1', '-W', '2', to)).stdout.includes('1 packets received');
  /** The far host asks the published web server who it is talking to (busybox-static's wget crashes on this glibc: python's urllib instead). */
  const askWeb = async () => unmapped((await far(['/usr/bin/python3', '-c', "import urllib.request as u; print(u.urlopen('http://192.0.2.10:8080/cgi-bin/ip', timeout=2).read().decode().strip())"])).stdout.trim());
  /** busybox httpd listens on [::] and writes an IPv4 client as [::ffff:A.B.C.D]. */
  const unmapped = (a: string) => a.replace(/^\[::ffff:(.*)\]$/, '$1');
  const eventually = async (what: () => Promise<boolean>, ms = 5000) => {
    for (const deadline = Date.now() + ms; !(await what()); ) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  };

  beforeAll(async () => {
    await docker.start();
    await docker.importImage();
  }, 120_000);

  it('docker network create -d ferry --ipam-driver ferry makes a Ferry network under Docker\'s name and id', async () => {
    const id = await dk('network', 'create', '-d', driver(), '--ipam-driver', driver(), '--label', 'team=blue', 'alpine-net');
    expect(await eventually(async () => (await d().ok('network', 'ls')).includes('alpine-net'))).toBe(true);
    const [net] = JSON.parse(await d().ok('network', 'inspect', 'alpine-net')) as { Id: string; Labels: Record<string, string>; IPAM: { Config: { Subnet: string; Gateway: string }[] } }[];
    expect(net!.Id).toBe(id);
    expect(net!.Labels).toEqual({ team: 'blue' });
    const [theirs] = JSON.parse(await dk('network', 'inspect', 'alpine-net')) as { IPAM: { Config: { Subnet: string; Gateway: string }[] } }[];
    expect(theirs!.IPAM.Config).toEqual(net!.IPAM.Config); // Ferry's IPAM chose the pool and the gateway
    expect((await docker.docker('network', 'create', '-d', driver(), '-o', 'no.such.option=1', 'bad-net')).stderr).toMatch(/unknown option "no\.such\.option"/);
  });

  it('containers on it ping each other by name, through Ferry\'s resolver, with no iptables rule anywhere', async () => {
    for (const name of ['alpine1', 'alpine2']) await dk('run', '-d', '--name', name, '--network', 'alpine-net', 'busybox:ferry', 'sleep', '1d');
    expect(await eventually(() => pings('alpine1', 'alpine2'))).toBe(true);
    expect(await pings('alpine2', 'alpine1')).toBe(true);
    expect(await dk('exec', 'alpine1', 'cat', '/etc/resolv.conf')).toMatch(/^nameserver 127\.0\.0\.11$/m);
    expect(await dk('exec', 'alpine1', 'ip', 'route', 'show', 'table', 'local')).toMatch(/^127\.0\.0\.11 via \S+ dev eth0/m);
    const namespaces = [['-n', '-t', String(await pid('alpine1'))], ['-n', '-t', String(await pid('alpine2'))], [`--net=/run/netns/${d().hostNs}`]];
    for (const ns of namespaces) {
      expect((await run('nsenter', [...ns, 'iptables-save'])).stdout.trim()).toBe('');
      expect((await run('nsenter', [...ns, 'nft', 'list', 'ruleset'])).stdout.trim()).toBe('');
    }
    // Ferry routes the resolver in the container before its process starts: a name resolves from the first instruction.
    for (let i = 0; i < 3; i++) expect(await dk('run', '--rm', '--network', 'alpine-net', 'busybox:ferry', 'nslookup', 'alpine1')).toMatch(/Address: 172\.\d+\.0\.2/);
    const ps = await d().ok('ps');
    expect(ps).toMatch(/alpine1/);
    expect((await d().ferry('stop', 'alpine1')).stderr).toBe('ferry: container "alpine1" is Docker\'s; Ferry carries its network only (use docker stop alpine1)\n');
    expect((await d().ferry('exec', 'alpine1', '--', 'true')).stderr).toBe('ferry: container "alpine1" runs under Docker or a CNI runtime, not Ferry: use that runtime\'s exec\n');
    const stats = JSON.parse(await d().ok('stats', '--json')) as { ports: { carries?: string }[] };
    expect(stats.ports.map((p) => p.carries)).toContain('alpine1/eth0 on alpine-net');
    // trace and capture take the Docker container's name as a port's.
    const ip = (name: string) => dk('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', name);
    const traced = JSON.parse(await d().ok('trace', '--json', '--inject', 'alpine1', '--', 'icmp', await ip('alpine1'), '>', await ip('alpine2'))) as { steps: { kind: string; stage: string; text: string }[] };
    expect(traced.steps.map((s) => `${s.stage} ${s.text}`).join('\n')).toMatch(/^bridge .*alpine2\/eth0/m);
    const capture = d().ferry('capture', 'alpine2', '-c', '1', '-f', 'icmp', '-w', path.join(d().dir, 'a2.pcapng'));
    await new Promise((r) => setTimeout(r, 500));
    expect(await pings('alpine1', 'alpine2')).toBe(true);
    expect((await capture).stderr).toMatch(/^1 frames? captured/m);
  });

  it('the user-defined bridge tutorial with docker commands: names on a network, isolation between networks, the world', async () => {
    // dockerd runs with --bridge=none, so "the default bridge" of the tutorial is a second Ferry network here.
    await dk('network', 'create', '-d', driver(), '--ipam-driver', driver(), 'other-net');
    await dk('run', '-d', '--name', 'alpine3', '--network', 'other-net', 'busybox:ferry', 'sleep', '1d');
    await dk('run', '-d', '--name', 'alpine4', '--network', 'alpine-net', 'busybox:ferry', 'sleep', '1d');
    await dk('network', 'connect', 'other-net', 'alpine4');
    expect(await dk('exec', 'alpine4', 'ip', '-o', '-4', 'addr')).toMatch(/eth0 +inet 172\.\d+\.0\.\d+\/16[\s\S]*eth1 +inet 172\.\d+\.0\.\d+\/16/);
    const ip = (name: string, net: string) => dk('inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, name);
    for (const to of ['alpine2', 'alpine4', 'alpine1']) expect(await eventually(() => pings('alpine1', to))).toBe(true);
    expect((await docker.docker('exec', 'alpine1', 'ping', '-c', '1', '-W', '1', 'alpine3')).stderr).toMatch(/bad address 'alpine3'/);
    expect(await pings('alpine1', await ip('alpine3', 'other-net'))).toBe(false); // networks are isolated
    for (const to of ['alpine1', 'alpine2', 'alpine3']) expect(await eventually(() => pings('alpine4', to))).toBe(true);
    expect(await pings('alpine3', 'alpine4')).toBe(true);
    expect(await pings('alpine3', 'alpine1')).toBe(false);
    for (const c of ['alpine1', 'alpine2', 'alpine3', 'alpine4']) expect(await pings(c, '198.51.100.2')).toBe(true); // the world, through Ferry's uplink
    expect((await docker.docker('network', 'rm', 'other-net')).stderr).toMatch(/active endpoints/);
    await dk('rm', '-f', 'alpine3');
    await dk('network', 'disconnect', 'other-net', 'alpine4');
    const hostInterface = `br-${(await dk('network', 'inspect', '-f', '{{.Id}}', 'other-net')).slice(0, 12)}`;
    expect((await d().host(['ip', '-o', 'link', 'show', hostInterface])).code).toBe(0);
    await dk('network', 'rm', 'other-net');
    expect((await d().host(['ip', '-o', 'link', 'show', hostInterface])).code).not.toBe(0); // the host interface went with it
  });

  it('-p 8080:80 is reached from outside through Ferry\'s uplink, and the server sees the client\'s address', async () => {
    const cgi = 'mkdir -p /w/cgi-bin && printf "#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho \\$REMOTE_ADDR\\n" >/w/cgi-bin/ip && chmod +x /w/cgi-bin/ip && exec httpd -f -p 80 -h /w';
    await dk('run', '-d', '--name', 'web', '--network', 'alpine-net', '-p', '8080:80', 'busybox:ferry', 'sh', '-c', cgi);
    expect(await eventually(async () => (await askWeb()) !== '')).toBe(true);
    expect(await askWeb()).toBe('198.51.100.2');
    // Every port is open to containers on the same network; from outside only the published one; from the host, localhost:8080.
    const direct = await dk('exec', 'alpine1', 'sh', '-c', 'printf "GET /cgi-bin/ip HTTP/1.0\r\n\r\n" | nc -w 2 web 80');
    expect(unmapped(direct.trim().split('\n').pop()!.trim())).toMatch(/^172\.\d+\.0\.2$/);
    const unpublished = await far(['/usr/bin/python3', '-c', "import socket; socket.create_connection(('192.0.2.10', 80), timeout=2)"]);
    expect(unpublished.code).not.toBe(0);
    expect(unmapped((await d().host(['/usr/bin/python3', '-c', "import urllib.request as u; print(u.urlopen('http://127.0.0.1:8080/cgi-bin/ip', timeout=2).read().decode().strip())"])).stdout.trim())).toMatch(/^172\.\d+\.0\.1$/);
    // dockerd 20.10 cannot show a remote driver's ports (EndpointOperInfo's map is not its own type): Ferry shows them.
    const ports = (await d().inspect('web')).NetworkSettings as unknown as { Ports: Record<string, { HostIp: string; HostPort: string }[]> };
    expect(ports.Ports['80/tcp']).toEqual([{ HostIp: '0.0.0.0', HostPort: '8080' }]);
  });

  it('docker network connect, disconnect, inspect and rm', async () => {
    await dk('network', 'create', '-d', driver(), '--ipam-driver', driver(), '--subnet', '203.0.113.0/24', 'side-net');
    await dk('network', 'connect', 'side-net', 'alpine1');
    expect(await dk('exec', 'alpine1', 'ip', '-o', '-4', 'addr')).toMatch(/eth1 +inet 203\.0\.113\.2\/24/);
    const [side] = JSON.parse(await dk('network', 'inspect', 'side-net')) as { Containers: Record<string, { Name: string; IPv4Address: string }> }[];
    expect(Object.values(side!.Containers)).toEqual([expect.objectContaining({ Name: 'alpine1', IPv4Address: '203.0.113.2/24' })]);
    expect((await d().ferry('network', 'rm', 'side-net')).stderr).toMatch(/made through docker; remove it there/);
    await dk('network', 'disconnect', 'side-net', 'alpine1');
    expect(await dk('exec', 'alpine1', 'ip', '-o', '-4', 'addr')).not.toMatch(/203\.0\.113/);
    expect(await pings('alpine1', 'alpine2')).toBe(true); // the first network still carries names
    await dk('network', 'rm', 'side-net');
    expect(await d().ok('network', 'ls')).not.toMatch(/side-net/);
  });

  it('a restarted Ferry daemon (now under ip netns exec) keeps Docker\'s containers connected within 2 s', async () => {
    await d().stop();
    d().enter = 'ip-netns-exec';
    const started = Date.now();
    await d().start();
    expect(await eventually(() => pings('alpine1', 'alpine2'), 2000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(await eventually(async () => (await askWeb()) === '198.51.100.2')).toBe(true);
  });

  it('dockerd restarted with --live-restore keeps them too; removing them and the network leaves nothing', async () => {
    await docker.stopDockerd();
    expect(await pings('alpine1', 'alpine2').catch(() => false)).toBe(false); // no dockerd to exec through
    await docker.start();
    expect(await pings('alpine1', 'alpine2')).toBe(true);
    await dk('rm', '-f', 'alpine1', 'alpine2', 'alpine4', 'web');
    await dk('network', 'rm', 'alpine-net');
    expect(await d().ok('network', 'ls')).not.toMatch(/alpine-net/);
    expect(await d().ok('ps', '-a')).not.toMatch(/alpine/);
    expect((await d().host(['ip', '-o', 'link'])).stdout).not.toMatch(/fyd/);
  });
});
