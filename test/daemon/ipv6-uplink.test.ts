import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execIn } from '../../src/netns';
import { useDaemon } from '../harness/daemon';
import { UPLINK6_ARGS, outside6 } from '../harness/outside';

const PEER_ECHO = path.join(__dirname, '..', 'fixtures', 'peer-echo.py');
const FAR = '2001:db8:0:2::2';
const EXTERNAL6 = '2001:db8:0:1::10';
const NATTED = '2001:db8:5::/64';
const ROUTED = '2001:db8:6::/64';

describe('IPv6 beyond the host: NAT66, routed mode and published ports (--external-ip6)', () => {
  // Started with ip netns exec (a private mount namespace); nat.test.ts starts its daemon with nsenter.
  const d = useDaemon(UPLINK6_ARGS, outside6([ROUTED]), 'ip-netns-exec');
  const far = (argv: string[]) => execIn(`${d().prefix}-far`, argv, { timeoutMs: 30_000 });
  const ask = (proto: string, host: string, port: number) => far(['python3', PEER_ECHO, 'ask', proto, host, String(port)]);
  const serveFar = async (proto: string, port: number) => {
    const srv = far(['python3', PEER_ECHO, 'serve', proto, String(port)]);
    await new Promise((r) => setTimeout(r, 300));
    return async () => {
      await far(['pkill', '-f', `peer-echo.py serve ${proto} ${port}`]);
      await srv;
    };
  };
  const ip6 = async (name: string, network: string) => (await d().inspect(name)).NetworkSettings.Networks[network]!.GlobalIPv6Address;
  const stats = async () => JSON.parse(await d().ok('stats', '--json')) as { stages: Record<string, Record<string, number>>; ports: { carries?: string; drops: Record<string, number> }[] };

  it('a container on a dual-stack network reaches an outside IPv6 server as the external address (NAT66)', async () => {
    await d().ok('network', 'create', '--ipv6', '--subnet', NATTED, 'natted');
    await d().ok('run', '-d', '--name', 'client', '--network', 'natted', '--', 'sleep', 'infinity');
    const ping = await d().ferry('exec', 'client', '--', 'ping', '-6', '-c', '2', '-i', '0.2', '-W', '1', FAR);
    expect(ping.stdout).toMatch(/2 received/);
    const stop = await serveFar('tcp6', 7000);
    const seen = await d().ok('exec', 'client', '--', 'python3', PEER_ECHO, 'ask', 'tcp', FAR, '7000');
    await stop();
    expect(seen).toMatch(new RegExp(`^${EXTERNAL6}:\\d+$`));
    const udp = await serveFar('udp6', 7001);
    expect(await d().ok('exec', 'client', '--', 'python3', PEER_ECHO, 'ask', 'udp', FAR, '7001')).toMatch(new RegExp(`^${EXTERNAL6}:\\d+$`));
    await udp();
    // An ICMPv6 error from the far host (port unreachable) reaches the container, mapped back to its flow.
    const refused = await d().ferry('exec', 'client', '--', 'python3', PEER_ECHO, 'ask', 'udp', FAR, '7009');
    expect(refused.stderr).toMatch(/Connection refused/);
    expect((await stats()).stages.nat6!.icmp_errors_mapped).toBeGreaterThan(0);
    const flows = await d().ok('conntrack');
    expect(flows).toMatch(new RegExp(`^tcp +6 +\\d+ \\S+ src=2001:db8:5::\\S+ dst=${FAR} sport=\\d+ dport=7000 .* src=${FAR} dst=${EXTERNAL6} sport=7000`, 'm'));
  });

  it('traceroute6 shows the gateway hop; hop limit 1 is answered by the gateway, and the uplink MTU with packet too big', async () => {
    const gateway6 = (await d().inspect('client')).NetworkSettings.Networks.natted!.IPv6Gateway;
    const trace = await d().ok('exec', 'client', '--', 'busybox', 'traceroute6', '-n', '-q', '1', '-w', '1', FAR);
    const hops = trace.split('\n').filter((l) => /^\s*\d+\s/.test(l)).map((l) => l.trim().split(/\s+/)[1]);
    expect(hops).toEqual([gateway6, '2001:db8:0:1::2', FAR]);
    const big = await d().ferry('exec', 'client', '--', 'ping', '-6', '-c', '1', '-W', '1', '-M', 'do', '-s', '1400', FAR);
    expect(big.stdout + big.stderr).toMatch(/[Pp]acket too big: mtu=1400|mtu=1400/);
    expect((await stats()).stages['ip6-forward']!.icmp_errors_sent).toBeGreaterThanOrEqual(2);
    // The path MTU learnt, a 1400-byte ping fragments at the sender and NAT66 refuses the fragments, counted.
    const frag = await d().ferry('exec', 'client', '--', 'ping', '-6', '-c', '1', '-W', '1', '-s', '1400', FAR);
    expect(frag.code).not.toBe(0);
    expect((await stats()).ports.find((p) => p.carries === 'client/eth0 on natted')!.drops.ip6_fragment).toBeGreaterThan(0);
  });

  it('-p 8080:80 is reached over IPv6 from outside, and the container sees the client address', async () => {
    await d().ok('run', '-d', '--name', 'web', '--network', 'natted', '-p', '8080:80', '-p', '[::]:8081:81/udp', '--', 'sh', '-c',
      `python3 ${PEER_ECHO} serve tcp6 80 & python3 ${PEER_ECHO} serve udp6 81 & wait`);
    await new Promise((r) => setTimeout(r, 500));
    expect((await ask('tcp', EXTERNAL6, 8080)).stdout).toMatch(new RegExp(`^${FAR}:\\d+`));
    expect((await ask('udp', EXTERNAL6, 8081)).stdout).toMatch(new RegExp(`^${FAR}:\\d+`));
    expect((await ask('tcp', EXTERNAL6, 8082)).code).not.toBe(0); // not published
    const ports = (await d().inspect('web')).NetworkSettings as unknown as { Ports: Record<string, { HostIp: string; HostPort: string }[]> };
    expect(ports.Ports['80/tcp']).toEqual([{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }]);
    expect(ports.Ports['81/udp']).toEqual([{ HostIp: '::', HostPort: '8081' }]);
    // Hairpin: another container to the external IPv6 address.
    expect(await d().ok('exec', 'client', '--', 'python3', PEER_ECHO, 'ask', 'tcp', EXTERNAL6, '8080')).toMatch(new RegExp(`^${EXTERNAL6}:\\d+$`));
  });

  it('gateway_mode_ipv6=routed: no translation either way; only published ports and ping come in', async () => {
    await d().ok('network', 'create', '--ipv6', '--subnet', ROUTED, '-o', 'com.docker.network.bridge.gateway_mode_ipv6=routed', 'routed');
    await d().ok('run', '-d', '--name', 'direct', '--network', 'routed', '-p', '9090:90', '--', 'sh', '-c',
      `python3 ${PEER_ECHO} serve tcp6 90 & python3 ${PEER_ECHO} serve tcp6 91 & wait`);
    const addr = await ip6('direct', 'routed');
    expect(addr.startsWith('2001:db8:6::')).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const stop = await serveFar('tcp6', 7002);
    expect(await d().ok('exec', 'direct', '--', 'python3', PEER_ECHO, 'ask', 'tcp', FAR, '7002')).toMatch(new RegExp(`^${addr}:\\d+$`));
    await stop();
    expect((await ask('tcp', addr, 90)).stdout).toMatch(new RegExp(`^${FAR}:\\d+`));
    expect((await far(['ping', '-6', '-c', '1', '-W', '1', addr])).code).toBe(0);
    const before = (await stats()).stages.nat6!;
    expect((await ask('tcp', addr, 91)).code).not.toBe(0); // listening, but not published
    expect((await d().ferry('exec', 'client', '--', 'ping', '-6', '-c', '1', '-W', '1', addr)).code).not.toBe(0); // networks stay isolated
    expect((await stats()).stages.nat6!.unchanged).toBe(before.unchanged);
    const clash = await d().ferry('network', 'create', '--ipv6', '--subnet', '2001:db8:0:1:8000::/80', 'clash');
    expect(clash.stderr).toBe('ferry: subnet 2001:db8:0:1:8000::/80 overlaps 2001:db8:0:1::/64 of the uplink up0 (--external-ip6): its addresses are the world\'s\n');
  });

  it('NAT66 keeps checksums right on TSO and CHECKSUM_PARTIAL frames, both ways', async () => {
    await far(['sh', '-c', 'nstat -n']);
    const srv = far(['iperf3', '-s', '-1']);
    await new Promise((r) => setTimeout(r, 300));
    const egress = JSON.parse(await d().ok('exec', 'client', '--', 'iperf3', '-6', '-c', FAR, '-t', '1', '-J'));
    await srv;
    expect(egress.end.sum_received.bytes).toBeGreaterThan(10e6);
    await d().ok('run', '-d', '--name', 'perf', '--network', 'natted', '-p', '5201:5201', '--', 'iperf3', '-s');
    await new Promise((r) => setTimeout(r, 500));
    const ingress = await far(['iperf3', '-6', '-c', EXTERNAL6, '-t', '1', '-R', '-J']);
    expect(JSON.parse(ingress.stdout).end.sum_received.bytes).toBeGreaterThan(10e6);
    const errors = await far(['nstat', '-az', 'Tcp6InCsumErrors', 'Udp6InCsumErrors', 'TcpInCsumErrors', 'Ip6InHdrErrors']);
    for (const line of errors.stdout.split('\n').filter((l) => /Errors/.test(l))) expect(line).toMatch(/\s0\s/);
  });

  it('a restarted daemon routes, translates and publishes IPv6 as before', async () => {
    await d().stop();
    await d().start();
    expect((await ask('tcp', EXTERNAL6, 8080)).stdout).toMatch(new RegExp(`^${FAR}:\\d+`));
    expect((await ask('tcp', await ip6('direct', 'routed'), 90)).stdout).toMatch(new RegExp(`^${FAR}:\\d+`));
    const stop = await serveFar('tcp6', 7003);
    expect(await d().ok('exec', 'client', '--', 'python3', PEER_ECHO, 'ask', 'tcp', FAR, '7003')).toMatch(new RegExp(`^${EXTERNAL6}:\\d+$`));
    await stop();
  });
});
