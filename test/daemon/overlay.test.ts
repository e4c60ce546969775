import { spawn } from 'node:child_process';
import path from 'node:path';
import { ferryBin } from '../../src/demo/launch';
import { createNetns, execIn } from '../../src/netns';
import { describe, expect, it } from 'vitest';
import { useCluster, waitFor } from '../harness/etcd';
import { outside, uplinkArgs } from '../harness/outside';

const PEER_ECHO = path.join(__dirname, '..', 'fixtures', 'peer-echo.py');

/**
 * Docker's overlay tutorial without Swarm (issue 9): two "hosts", each a
 * namespace with its own daemon (one entered with nsenter, one with
 * ip netns exec), joined by an underlay on 192.0.2.0/24, and one real
 * etcd-server. A network made on one host is there on the other at once;
 * containers on the two reach each other by name, through VXLAN.
 */
describe('overlay networks across hosts', () => {
  // host1 also has an uplink to the world (203.0.113.0/24, a far host at 198.51.100.2): the overlay's way out.
  const { underlay, hosts } = useCluster([
    { ip: '192.0.2.1', args: uplinkArgs('203.0.113'), beforeStart: (lab) => outside(lab, '203.0.113') },
    { ip: '192.0.2.2', enter: 'ip-netns-exec' },
  ]);
  const [host1, host2] = hosts as [(typeof hosts)[0], (typeof hosts)[0]];
  const lsJson = async (d: typeof host1) => (await d().ok('network', 'ls', '--format', '{{.ID}} {{.Name}} {{.Driver}} {{.Scope}}')).split('\n');

  it('the tutorial: test-net made on host1 is on host2 with the same id; alpine1 and alpine2 ping each other by name', async () => {
    const id = await host1().ok('network', 'create', '-d', 'overlay', '--attachable', 'test-net');
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await lsJson(host1)).toContain(`${id.slice(0, 12)} test-net overlay global`);
    expect(await waitFor(async () => (await lsJson(host2)).includes(`${id.slice(0, 12)} test-net overlay global`), 2000)).toBe(true);
    const inspect = JSON.parse(await host2().ok('network', 'inspect', 'test-net'))[0];
    expect(inspect.IPAM.Config).toEqual([{ Subnet: '10.0.0.0/24', Gateway: '10.0.0.1' }]);
    expect(inspect.Options['com.docker.network.driver.overlay.vxlanid_list']).toBe('4096');

    await host1().ok('run', '-d', '--name', 'alpine1', '--network', 'test-net', '--', 'sleep', 'infinity');
    await host2().ok('run', '-d', '--name', 'alpine2', '--network', 'test-net', '--', 'sleep', 'infinity');
    const ip1 = await host1().ip('alpine1', 'test-net');
    const ip2 = await host2().ip('alpine2', 'test-net');
    expect(new Set([ip1, ip2]).size).toBe(2);
    // Underlay 1500 less the VXLAN headers.
    expect(await host1().ok('exec', 'alpine1', '--', 'ip', '-o', 'link', 'show', 'eth0')).toMatch(/mtu 1450 /);
    expect(await host2().ok('exec', 'alpine2', '--', 'ping', '-c', '2', '-W', '2', 'alpine1')).toMatch(/2 received/);
    expect(await host1().ok('exec', 'alpine1', '--', 'ping', '-c', '2', '-W', '2', 'alpine2.test-net')).toMatch(/2 received/);
    // Both hosts have the network: inspect lists them as Peers, as Docker's does for an overlay.
    const peers = JSON.parse(await host2().ok('network', 'inspect', 'test-net'))[0].Peers as { IP: string }[];
    expect(peers.map((p) => p.IP).sort()).toEqual(['192.0.2.1', '192.0.2.2']);
    // The ARP for the other host's container was answered on this host: no broadcast crossed.
    expect(await host1().ok('exec', 'alpine1', '--', 'ip', 'neigh', 'show', ip2)).toMatch(/lladdr 02:42:/);
  });

  it('TCP with 64 KB writes crosses without an MTU black hole', async () => {
    await host2().ok('run', '-d', '--name', 'sink', '--network', 'test-net', '--', 'iperf3', '-s');
    await waitFor(async () => (await host2().ferry('exec', 'sink', '--', 'ss', '-ltn')).stdout.includes(':5201'), 3000);
    type Port = { role: string; carries?: string; rxPackets: number; txPackets: number; txBytes: number };
    const ports = async (d: typeof host1) => (JSON.parse(await d().ok('stats', '--json')) as { ports: Port[] }).ports;
    const before = await ports(host2);
    const out = await host1().ok('exec', 'alpine1', '--', 'iperf3', '-c', 'sink', '-t', '2', '-l', '64K', '-J');
    const bits = JSON.parse(out).end.sum_received.bits_per_second as number;
    expect(bits).toBeGreaterThan(1e6);
    // The offloads at work: host1's tunnel cut TSO frames into datagrams (more datagrams left than frames
    // came in), and host2 merged them again (fewer frames to sink's TAP than datagrams arrived).
    const tunnel1 = (await ports(host1)).find((p) => p.role === 'tunnel')!;
    const underlay1 = (await ports(host1)).find((p) => p.role === 'underlay')!;
    expect(underlay1.txPackets).toBeGreaterThan(2 * tunnel1.txPackets);
    const after = await ports(host2);
    const delta = (role: string, carries: RegExp | undefined, f: (p: Port) => number) => {
      const pick = (l: Port[]) => l.find((p) => p.role === role && (!carries || carries.test(p.carries ?? '')));
      return f(pick(after)!) - (pick(before) ? f(pick(before)!) : 0);
    };
    expect(delta('underlay', undefined, (p) => p.rxPackets)).toBeGreaterThan(2 * delta('container', /^sink\//, (p) => p.txPackets));
  });

  it('a packet too big for the overlay (DF) gets ICMP fragmentation needed with the overlay MTU, as from its destination', async () => {
    await host1().ok('exec', 'alpine1', '--', 'ip', 'link', 'set', 'eth0', 'mtu', '9000');
    try {
      const r = await host1().ferry('exec', 'alpine1', '--', 'ping', '-c', '2', '-W', '1', '-M', 'do', '-s', '2000', 'alpine2');
      expect(r.stdout + r.stderr).toMatch(/mtu ?= ?1450/);
      const port = (JSON.parse(await host1().ok('stats', '--json')) as { ports: { carries?: string; drops: Record<string, number> }[] }).ports.find((p) => p.carries?.startsWith('alpine1/'))!;
      expect(port.drops.too_big_for_tunnel).toBeGreaterThanOrEqual(1);
      // The sender's path MTU to alpine2 fell to 1450: fitting packets go.
      expect(await host1().ok('exec', 'alpine1', '--', 'ping', '-c', '1', '-W', '2', '-s', '1400', 'alpine2')).toMatch(/1 received/);
    } finally {
      await host1().ok('exec', 'alpine1', '--', 'ip', 'link', 'set', 'eth0', 'mtu', '1450');
    }
  });

  it('IPv6 on an overlay: names resolve to AAAA across hosts, pings go both ways, and too big is told with ICMPv6', async () => {
    await host2().ok('network', 'create', '-d', 'overlay', '--ipv6', '--subnet', '2001:db8:77::/64', 'v6net');
    await host1().ok('run', '-d', '--name', 'a6', '--network', 'v6net', '--', 'sleep', 'infinity');
    await host2().ok('run', '-d', '--name', 'b6', '--network', 'v6net', '--', 'sleep', 'infinity');
    expect(await host1().ok('exec', 'a6', '--', 'getent', 'ahostsv6', 'b6')).toMatch(/^2001:db8:77::/);
    expect(await host1().ok('exec', 'a6', '--', 'ping', '-6', '-c', '2', '-W', '2', 'b6')).toMatch(/2 received/);
    expect(await host2().ok('exec', 'b6', '--', 'ping', '-6', '-c', '2', '-W', '2', 'a6')).toMatch(/2 received/);
    await host1().ok('exec', 'a6', '--', 'ip', 'link', 'set', 'eth0', 'mtu', '9000');
    const r = await host1().ferry('exec', 'a6', '--', 'ping', '-6', '-c', '2', '-W', '1', '-M', 'do', '-s', '2000', 'b6');
    expect(r.stdout + r.stderr).toMatch(/[Pp]acket too big.*mtu ?= ?1450|mtu ?= ?1450/);
    await host1().ok('rm', '-f', 'a6');
    await host2().ok('rm', '-f', 'b6');
    await host1().ok('network', 'rm', 'v6net');
  });

  it("the way out: an overlay container reaches the world through its own host's uplink with SNAT, and -p publishes on its host", async () => {
    const far = (argv: string[]) => execIn(`${host1().prefix}-far`, argv, { timeoutMs: 30_000 });
    expect(await host1().ok('exec', 'alpine1', '--', 'ping', '-c', '1', '-W', '2', '198.51.100.2')).toMatch(/1 received/);
    const srv = far(['python3', PEER_ECHO, 'serve', 'tcp', '7000']);
    await waitFor(async () => (await far(['ss', '-ltn'])).stdout.includes(':7000'), 5000); // python starts slowly on a loaded machine
    expect(await host1().ok('exec', 'alpine1', '--', 'python3', PEER_ECHO, 'ask', 'tcp', '198.51.100.2', '7000')).toMatch(/^203\.0\.113\.10:\d+$/);
    await far(['pkill', '-f', 'peer-echo.py serve tcp 7000']);
    await srv;
    await host1().ok('run', '-d', '--name', 'web', '--network', 'test-net', '-p', '8080:80', '--', 'python3', PEER_ECHO, 'serve', 'tcp', '80');
    await new Promise((r) => setTimeout(r, 500));
    expect((await far(['python3', PEER_ECHO, 'ask', 'tcp', '203.0.113.10', '8080'])).stdout).toMatch(/^198\.51\.100\.2:\d+/);
    // An --internal overlay network has no way out.
    await host1().ok('network', 'create', '-d', 'overlay', '--internal', 'inside');
    await host1().ok('run', '-d', '--name', 'shut', '--network', 'inside', '--', 'sleep', 'infinity');
    expect((await host1().ferry('exec', 'shut', '--', 'ping', '-c', '1', '-W', '1', '198.51.100.2')).code).not.toBe(0);
    await host1().ok('rm', '-f', 'web', 'shut');
    await host1().ok('network', 'rm', 'inside');
  });

  it('interop: a host built as Docker builds overlay in the kernel (vxlan device, static fdb, bridge) exchanges ping and TCP with Ferry', async () => {
    // h3: the kernel's VXLAN on the underlay at 192.0.2.3, a bridge, a container c3 (10.0.0.200) on a veth.
    const h3 = `${underlay.prefix}-k3`;
    const c3 = `${underlay.prefix}-k3c`;
    const sh = async (ns: string, cmd: string) => {
      const r = await execIn(ns, ['sh', '-c', cmd], { timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`${cmd}: ${r.stderr}`);
      return r.stdout;
    };
    const net = JSON.parse(await host1().ok('network', 'inspect', 'test-net'))[0];
    const vni = net.Options['com.docker.network.driver.overlay.vxlanid_list'];
    const mac1 = (await host1().inspect('alpine1')).NetworkSettings.Networks['test-net']!.MacAddress;
    const ip1 = await host1().ip('alpine1', 'test-net');
    const mac3 = '02:42:0a:00:00:c8';
    await underlay.plug(h3, '192.0.2.3', true);
    await createNetns(c3);
    await sh(h3, [
      `ip link add vx0 type vxlan id ${vni} dstport 4789 local 192.0.2.3 nolearning`,
      'ip link add br0 type bridge && ip link set vx0 master br0 && ip link set vx0 up && ip link set br0 up',
      `ip link add v3 type veth peer name eth0 netns ${c3} && ip link set v3 master br0 && ip link set v3 up`,
      'bridge fdb append 00:00:00:00:00:00 dev vx0 dst 192.0.2.1 self permanent',
      `bridge fdb append ${mac1} dev vx0 dst 192.0.2.1 self permanent`,
    ].join(' && '));
    // Over veths the kernel's VXLAN leaves inner TCP checksums partial: c3 computes its own (as a NIC would before the wire).
    await sh(c3, `ip link set lo up && ip link set eth0 address ${mac3} mtu 1450 up && ip addr add 10.0.0.200/24 dev eth0 && ethtool -K eth0 tx off >/dev/null`);
    // The kernel host is announced in the cluster store as a Ferry daemon would announce itself and its endpoint.
    const ep = 'e'.repeat(64);
    await underlay.put('nodes/kernel0', JSON.stringify({ id: 'kernel0', hostname: 'kernel-host', advertise: '192.0.2.3', joined: new Date().toISOString() }));
    await underlay.put('alive/kernel0', '192.0.2.3');
    await underlay.put(`addresses/${net.Id}/10.0.0.200`, ep);
    await underlay.put(`endpoints/${net.Id}/${ep}`, JSON.stringify({ networkId: net.Id, endpointId: ep, containerId: 'c'.repeat(64), name: 'kernel-c3', hostname: 'c3', aliases: [], mac: mac3, ipv4: '10.0.0.200', node: 'kernel0' }));
    try {
      expect(await host1().ok('exec', 'alpine1', '--', 'ping', '-c', '2', '-W', '2', 'kernel-c3')).toMatch(/2 received/);
      expect(await sh(c3, `ping -c 2 -W 2 ${ip1}`)).toMatch(/2 received/);
      const iperf = async (server: (a: string[]) => Promise<unknown>, client: (a: string[]) => Promise<string>, to: string) => {
        const srv = server(['iperf3', '-s', '-1']);
        await new Promise((r) => setTimeout(r, 500));
        const bits = JSON.parse(await client(['iperf3', '-c', to, '-t', '1', '-J'])).end.sum_received.bits_per_second as number;
        await srv;
        return bits;
      };
      expect(await iperf((a) => sh(c3, a.join(' ')), (a) => host1().ok('exec', 'alpine1', '--', ...a), '10.0.0.200')).toBeGreaterThan(1e6);
      expect(await iperf((a) => host1().ferry('exec', 'alpine1', '--', ...a), (a) => sh(c3, a.join(' ')), ip1)).toBeGreaterThan(1e6);
    } finally {
      await underlay.del(`endpoints/${net.Id}/${ep}`);
      await underlay.del(`addresses/${net.Id}/10.0.0.200`);
    }
  }, 60_000);

  it('a removed container stops resolving on the other host within a second', async () => {
    await host2().ok('rm', '-f', 'sink');
    const gone = await waitFor(async () => (await host1().ferry('exec', 'alpine1', '--', 'getent', 'hosts', 'sink')).code !== 0, 1000);
    expect(gone).toBe(true);
  });

  it('a host killed (-9): its containers are withdrawn from the other within the TTL; back, reachable within 2 s', async () => {
    const resolves = async () => (await host1().ferry('exec', 'alpine1', '--', 'getent', 'hosts', 'alpine2')).code === 0;
    const pings = async () => (await host1().ferry('exec', 'alpine1', '--', 'ping', '-c', '1', '-W', '1', 'alpine2')).code === 0;
    await host2().stop('SIGKILL');
    const t0 = Date.now();
    expect(await waitFor(async () => !(await resolves()), 5000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(4000); // TTL 2 s, and the store's own lease check
    expect(await pings()).toBe(false);
    await host2().start();
    expect(await waitFor(pings, 2000)).toBe(true);
    expect(await resolves()).toBe(true);
  });

  it('network rm is refused while any host has containers on it, then works from the other host', async () => {
    const r = await host2().ferry('network', 'rm', 'test-net');
    expect(r.stderr).toMatch(/network "test-net" has 1 attached container \(alpine2\)/);
    await host2().ok('rm', '-f', 'alpine2');
    const r2 = await host2().ferry('network', 'rm', 'test-net');
    expect(r2.stderr).toMatch(/network "test-net" has 1 endpoint in the cluster \(alpine1 on /);
    await host1().ok('rm', '-f', 'alpine1');
    // host1 hears of the removal made on host2 as an event of its own.
    const events = spawn(process.execPath, [ferryBin(), 'events', '--format', 'json'], { env: { ...process.env, FERRY_SOCKET: host1().socket }, stdio: ['ignore', 'pipe', 'ignore'] });
    let seen = '';
    events.stdout!.on('data', (c: Buffer) => (seen += c.toString()));
    await new Promise((r) => setTimeout(r, 300));
    await host2().ok('network', 'rm', 'test-net');
    expect(await waitFor(async () => !(await lsJson(host1)).some((l) => l.includes('test-net')), 2000)).toBe(true);
    expect(await waitFor(async () => /"Action":"destroy".*"name":"test-net"/.test(seen), 2000)).toBe(true);
    events.kill();
    expect((await host1().host(['ip', '-br', 'link'])).stdout).not.toMatch(/ov-/);
  });
});

describe('overlay: the cluster under stress and failure', () => {
  const { underlay, hosts } = useCluster([{ ip: '192.0.2.1' }, { ip: '192.0.2.2' }]);
  const [host1, host2] = hosts as [(typeof hosts)[0], (typeof hosts)[0]];

  it('2 x 50 containers started at once on two hosts never get the same address', async () => {
    await host1().ok('network', 'create', '-d', 'overlay', 'race');
    const start = (d: typeof host1, tag: string) => d().shell(`for i in $(seq 50); do ferry run -d --name ${tag}$i --network race -- sleep infinity >/dev/null & done; wait`);
    const t0 = Date.now();
    await Promise.all([start(host1, 'a'), start(host2, 'b')]);
    const took = Date.now() - t0;
    const addresses = async (d: typeof host1) => JSON.parse(await d().ok('network', 'inspect', 'race'))[0].Containers as Record<string, { IPv4Address: string }>;
    const all = [...Object.values(await addresses(host1)), ...Object.values(await addresses(host2))].map((c) => c.IPv4Address);
    expect(all.length).toBe(100);
    expect(new Set(all).size).toBe(100);
    console.log(`100 overlay containers on two hosts in ${took} ms`);
  }, 240_000);

  it('with etcd stopped, network create -d overlay fails naming the store, and local networks keep working', async () => {
    await underlay.stopEtcd();
    const r = await host1().ferry('network', 'create', '-d', 'overlay', 'late');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^ferry: the cluster store at http:\/\/192\.0\.2\.100:2379( did not answer within 3000 ms|: connect ECONNREFUSED 192\.0\.2\.100:2379|: unavailable)\n$/);
    await host1().ok('network', 'create', 'local-net');
    await host1().ok('run', '-d', '--name', 'l1', '--network', 'local-net', '--', 'sleep', 'infinity');
    await host1().ok('run', '-d', '--name', 'l2', '--network', 'local-net', '--', 'sleep', 'infinity');
    expect(await host1().ok('exec', 'l1', '--', 'ping', '-c', '1', '-W', '2', 'l2')).toMatch(/1 received/);
  }, 60_000);
});

describe('overlay: three hosts', () => {
  const { hosts } = useCluster([{ ip: '192.0.2.1' }, { ip: '192.0.2.2' }, { ip: '192.0.2.3' }]);
  const RECEIVE = 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("0.0.0.0",9999)); s.settimeout(8); print(s.recvfrom(100)[0].decode())';
  const SEND = 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET,socket.SO_BROADCAST,1); s.sendto(b"hello all",(sys.argv[1],9999))';

  it('containers on three hosts reach each other by name, and a broadcast is replicated to both other hosts', async () => {
    await hosts[2]!().ok('network', 'create', '-d', 'overlay', '--subnet', '10.9.0.0/24', 'tri');
    for (const [i, h] of hosts.entries()) await h().ok('run', '-d', '--name', `c${i + 1}`, '--network', 'tri', '--', 'sleep', 'infinity');
    for (const [i, h] of hosts.entries())
      for (const other of [1, 2, 3].filter((n) => n !== i + 1)) expect(await h().ok('exec', `c${i + 1}`, '--', 'ping', '-c', '1', '-W', '2', `c${other}`)).toMatch(/1 received/);
    const heard = [hosts[1]!().ok('exec', 'c2', '--', 'python3', '-c', RECEIVE), hosts[2]!().ok('exec', 'c3', '--', 'python3', '-c', RECEIVE)];
    await new Promise((r) => setTimeout(r, 1000));
    await hosts[0]!().ok('exec', 'c1', '--', 'python3', '-c', SEND, '10.9.0.255');
    expect(await Promise.all(heard)).toEqual(['hello all', 'hello all']);
    expect((await hosts[0]!().ok('node', 'ls', '--format', '{{.Status}}')).split('\n')).toEqual(['Ready', 'Ready', 'Ready']);
  });
});
