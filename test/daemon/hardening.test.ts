import { describe, expect, it } from 'vitest';
import { execIn } from '../../src/netns';
import { useDaemon } from '../harness/daemon';
import { UPLINK_ARGS, outside } from '../harness/outside';

/**
 * Issue 17's bugs, each as it was found: forged ICMP errors, IPv4/TCP that
 * Linux drops before routing, oversized frames on a bridge, a subnet over the
 * uplink's, and a container's own port 53. Every negative check has its
 * positive control beside it.
 */
describe('hardening', () => {
  const d = useDaemon(UPLINK_ARGS, outside);
  const out = (argv: string[]) => execIn(`${d().prefix}-out`, argv, { timeoutMs: 30_000 });
  const far = (argv: string[]) => execIn(`${d().prefix}-far`, argv, { timeoutMs: 30_000 });
  const scapy = (container: string, code: string) => d().ok('exec', container, '--', '/usr/bin/python3', '-c', `import logging\nlogging.getLogger("scapy.runtime").setLevel(logging.ERROR)\nfrom scapy.all import *\nconf.verb = 0\n${code}`);
  const drops = async (carries: string, reason: string) => {
    const s = JSON.parse(await d().ok('stats', '--json')) as { ports: { carries?: string; drops: Record<string, number> }[] };
    return s.ports.find((p) => p.carries === carries)!.drops[reason]!;
  };
  const self = async (name: string) => {
    const n = (await d().inspect(name)).NetworkSettings.Networks.hnet!;
    return { ip: n.IPAddress, mac: n.MacAddress, gw: n.Gateway };
  };
  let gwMac = '';

  it('sets up containers on one network', async () => {
    await d().ok('network', 'create', '--subnet', '10.50.0.0/24', 'hnet');
    for (const c of ['ha', 'hb', 'hc']) await d().ok('run', '-d', '--name', c, '--network', 'hnet', '--', 'sleep', 'infinity');
    const a = await self('ha');
    await d().ok('exec', 'ha', '--', 'ping', '-c', '1', '-W', '1', '198.51.100.2');
    gwMac = (await d().ok('exec', 'ha', '--', 'ip', 'neigh', 'show', a.gw)).split(/\s+/)[4]!;
  });

  it('an ICMP error about another container\'s flow is dropped; the flow\'s own endpoint\'s goes out with the NAT address', async () => {
    const a = await self('ha');
    const b = await self('hb');
    // ha opens a UDP flow to the far host (SNAT keeps its port 40000).
    await scapy('ha', `sendp(Ether(src="${a.mac}", dst="${gwMac}")/IP(src="${a.ip}", dst="198.51.100.2")/UDP(sport=40000, dport=7777), iface="eth0")`);
    const quote = `IP(src="198.51.100.2", dst="${a.ip}")/UDP(sport=7777, dport=40000)`;
    const capture = out(['timeout', '5', 'tcpdump', '-i', 'eth0', '-n', '-c', '1', 'icmp']);
    await new Promise((r) => setTimeout(r, 500));
    const before = await drops('hb/eth0 on hnet', 'icmp_error_forged');
    await scapy('hb', `sendp(Ether(src="${b.mac}", dst="${gwMac}")/IP(src="${b.ip}", dst="198.51.100.2")/ICMP(type=3, code=3)/${quote}, iface="eth0")`);
    expect((await drops('hb/eth0 on hnet', 'icmp_error_forged')) - before).toBe(1);
    // Positive control: the flow's own endpoint may say port unreachable, and the world sees the NAT address.
    await scapy('ha', `sendp(Ether(src="${a.mac}", dst="${gwMac}")/IP(src="${a.ip}", dst="198.51.100.2")/ICMP(type=3, code=3)/${quote}, iface="eth0")`);
    const seen = (await capture).stdout;
    expect(seen).toMatch(/192\.0\.2\.10 > 198\.51\.100\.2: ICMP 192\.0\.2\.10 udp port 40000 unreachable/);
    expect(seen).not.toContain('10.50.0.');
  });

  it.each([
    ['a total length below the header', 'bad_ip', 'IP(src=S, dst="198.51.100.2", len=19)/UDP(sport=1, dport=7000)'],
    ['a bad header checksum', 'bad_ip_checksum', 'IP(src=S, dst="198.51.100.2", chksum=0x1234)/UDP(sport=1, dport=7000)'],
    ['a loose source route', 'source_routed', 'IP(src=S, dst="198.51.100.2", options=[IPOption_LSRR(routers=["198.51.100.1"])])/UDP(sport=1, dport=7000)'],
    ['a TCP data offset below 5', 'bad_tcp', 'IP(src=S, dst="198.51.100.2")/TCP(sport=1, dport=7000, dataofs=4, flags="S")'],
    ['a TCP data offset past the end', 'bad_tcp', 'IP(src=S, dst="198.51.100.2")/TCP(sport=1, dport=7000, dataofs=15, flags="S")'],
    ['TCP with SYN, FIN and RST', 'bad_tcp_flags', 'IP(src=S, dst="198.51.100.2")/TCP(sport=1, dport=7000, flags="SFR")'],
  ])('drops %s before routing, counted as %s', async (_what, reason, packet) => {
    const c = await self('hc');
    const capture = far(['timeout', '10', 'tcpdump', '-i', 'eth0', '-n', '-q', '-c', '1', 'port 7000']);
    await new Promise((r) => setTimeout(r, 500));
    const before = await drops('hc/eth0 on hnet', reason);
    await scapy('hc', `S = "${c.ip}"\nsendp(Ether(src="${c.mac}", dst="${gwMac}")/${packet}, iface="eth0")`);
    // The positive control arrives: a well-formed UDP datagram on the same path.
    await scapy('hc', `sendp(Ether(src="${c.mac}", dst="${gwMac}")/IP(src="${c.ip}", dst="198.51.100.2")/UDP(sport=2, dport=7000)/b"ok", iface="eth0")`);
    const seen = (await capture).stdout;
    expect((await drops('hc/eth0 on hnet', reason)) - before).toBe(1);
    expect(seen).toMatch(/192\.0\.2\.10\.\d+ > 198\.51\.100\.2\.7000: UDP, length 2/);
  });

  it('a frame longer than the receiver\'s MTU is dropped on the bridge (too_big); one that fits arrives', async () => {
    const a = await self('ha');
    const b = await self('hb');
    await d().ok('exec', 'ha', '--', 'ip', 'link', 'set', 'eth0', 'mtu', '9000');
    const pid = (await d().inspect('hb')).State.Pid;
    const capture = execIn(d().hostNs, ['nsenter', '--target', String(pid), '--net', '--', 'timeout', '10', 'tcpdump', '-i', 'eth0', '-n', '-c', '1', 'udp port 7100']);
    await new Promise((r) => setTimeout(r, 500));
    const before = await drops('ha/eth0 on hnet', 'too_big');
    await scapy('ha', `sendp(Ether(src="${a.mac}", dst="${b.mac}")/IP(src="${a.ip}", dst="${b.ip}")/UDP(sport=1, dport=7100)/(b"x"*4000), iface="eth0")`);
    await scapy('ha', `sendp(Ether(src="${a.mac}", dst="${b.mac}")/IP(src="${a.ip}", dst="${b.ip}")/UDP(sport=2, dport=7100)/(b"x"*1000), iface="eth0")`);
    const seen = (await capture).stdout;
    expect((await drops('ha/eth0 on hnet', 'too_big')) - before).toBe(1);
    expect(seen).toMatch(/\.2 > .*\.7100: UDP, length 1000/);
    await d().ok('exec', 'ha', '--', 'ip', 'link', 'set', 'eth0', 'mtu', '1500');
  });

  it('a subnet over the uplink\'s is refused, naming the uplink', async () => {
    const r = await d().ferry('network', 'create', '--subnet', '192.0.2.128/25', 'clash');
    expect(r.stderr).toBe('ferry: subnet 192.0.2.128/25 overlaps 192.0.2.0/24 of the uplink up0 (--external-ip): its addresses are the world\'s\n');
    expect((await d().ferry('network', 'inspect', 'clash')).code).not.toBe(0);
  });

  it('a container serves its own port 53 (UDP and TCP, on 0.0.0.0) and still resolves names at 127.0.0.11', async () => {
    await d().ok('run', '-d', '--name', 'dnsd', '--network', 'hnet', '--', '/usr/bin/python3', '-c', [
      'import socket, time',
      'u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 53))',
      't = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(("0.0.0.0", 53)); t.listen()',
      'print("bound", flush=True)',
      'while True:',
      '  data, peer = u.recvfrom(512); u.sendto(b"mine:" + data, peer)',
    ].join('\n'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(await d().ok('logs', 'dnsd')).toBe('bound');
    // Its own server answers on its own address...
    const dnsd = (await self('dnsd')).ip;
    const own = await d().ok('exec', 'hb', '--', '/usr/bin/python3', '-c', `import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(2); s.sendto(b"hi",("${dnsd}",53)); print(s.recv(100).decode())`);
    expect(own).toBe('mine:hi');
    // ...and its names still resolve through the embedded resolver.
    expect(await d().ok('exec', 'dnsd', '--', 'getent', 'hosts', 'ha')).toMatch(/^10\.50\.0\.\d+\s+ha$/);
    expect(await d().ok('exec', 'dnsd', '--', 'cat', '/etc/resolv.conf')).toMatch(/^nameserver 127\.0\.0\.11$/m);
  });
});
