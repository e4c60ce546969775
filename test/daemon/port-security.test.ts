import { describe, expect, it } from 'vitest';
import { execIn } from '../../src/netns';
import { useDaemon } from '../harness/daemon';
import { UPLINK_ARGS, outside } from '../harness/outside';

/**
 * Port security (issue 17): each attack as a container would mount it, with
 * scapy inside the container, showing that the victim keeps its traffic and
 * that the drop reason counts it; and the opt-out network where the same
 * frames pass, as before.
 */
describe('port security', () => {
  const d = useDaemon(UPLINK_ARGS, outside);
  const far = (argv: string[]) => execIn(`${d().prefix}-far`, argv, { timeoutMs: 30_000 });
  /** Runs scapy code inside a container (Debian's python3 has scapy; the container shares the host's filesystem). */
  const scapy = (container: string, code: string) => d().ok('exec', container, '--', '/usr/bin/python3', '-c', `import logging\nlogging.getLogger("scapy.runtime").setLevel(logging.ERROR)\nfrom scapy.all import *\nconf.verb = 0\n${code}`);
  const stats = async () => JSON.parse(await d().ok('stats', '--json')) as { ports: { carries?: string; drops: Record<string, number> }[]; domains: { network?: string; macEntries: number; bridge: Record<string, number> }[] };
  const drops = async (container: string, network: string, reason: string) => (await stats()).ports.find((p) => p.carries === `${container}/eth0 on ${network}`)!.drops[reason]!;

  let victim = { ip: '', mac: '' };
  let gateway = { ip: '', mac: '' };
  let attacker = '';

  it('sets up a victim, an attacker and a witness on one network', async () => {
    await d().ok('network', 'create', '--subnet', '10.60.0.0/24', 'psnet');
    for (const c of ['victim', 'attacker', 'witness']) await d().ok('run', '-d', '--name', c, '--network', 'psnet', '--', 'sleep', 'infinity');
    const v = (await d().inspect('victim')).NetworkSettings.Networks.psnet!;
    victim = { ip: v.IPAddress, mac: v.MacAddress };
    attacker = await d().ip('attacker', 'psnet');
    gateway.ip = v.Gateway;
    gateway.mac = (await d().ok('exec', 'witness', '--', 'sh', '-c', `ping -c1 -W1 ${gateway.ip} >/dev/null; ip neigh show ${gateway.ip}`)).split(/\s+/)[4]!;
    expect(gateway.mac).toMatch(/^[0-9a-f:]{17}$/);
    expect((await d().ferry('exec', 'witness', '--', 'ping', '-c', '1', '-W', '1', victim.ip)).code).toBe(0);
  });

  it('MAC theft: frames sourced with the victim\'s MAC are dropped; the victim keeps its traffic', async () => {
    const before = await drops('attacker', 'psnet', 'spoofed_mac');
    await scapy('attacker', `sendp([Ether(src="${victim.mac}", dst="ff:ff:ff:ff:ff:ff")/ARP(op=2, hwsrc="${victim.mac}", psrc="${victim.ip}")]*50, iface="eth0")`);
    expect((await drops('attacker', 'psnet', 'spoofed_mac')) - before).toBe(50);
    const ping = await d().ferry('exec', 'witness', '--', 'ping', '-c', '20', '-i', '0.05', '-W', '1', victim.ip);
    expect(ping.stdout).toMatch(/20 received/);
  });

  it('a duplicate --mac-address is refused: another container\'s, or the gateway\'s', async () => {
    const taken = await d().ferry('run', '-d', '--name', 'dup', '--network', 'psnet', '--mac-address', victim.mac, '--', 'sleep', '1');
    expect(taken.stderr).toBe(`ferry: MAC address ${victim.mac} is already used by container "victim" on network "psnet"; choose another --mac-address\n`);
    const gw = await d().ferry('run', '-d', '--name', 'dup', '--network', 'psnet', '--mac-address', gateway.mac, '--', 'sleep', '1');
    expect(gw.stderr).toBe(`ferry: MAC address ${gateway.mac} is the gateway's of network "psnet"; choose another --mac-address\n`);
    expect((await d().ferry('inspect', 'dup')).code).not.toBe(0);
  });

  it('ARP poisoning: a gratuitous ARP claiming the gateway\'s or the victim\'s address changes nobody\'s cache', async () => {
    const before = await drops('attacker', 'psnet', 'spoofed_arp');
    const me = (await d().inspect('attacker')).NetworkSettings.Networks.psnet!.MacAddress;
    await scapy('attacker', `sendp([Ether(src="${me}", dst="ff:ff:ff:ff:ff:ff")/ARP(op=2, hwsrc="${me}", psrc=ip, hwdst="ff:ff:ff:ff:ff:ff", pdst=ip) for ip in ("${gateway.ip}", "${victim.ip}")]*10, iface="eth0")`);
    expect((await drops('attacker', 'psnet', 'spoofed_arp')) - before).toBe(20);
    const neigh = await d().ok('exec', 'witness', '--', 'ip', 'neigh', 'show', gateway.ip);
    expect(neigh).toContain(gateway.mac);
    expect(neigh).not.toContain(me);
    expect((await d().host(['ip', 'neigh', 'show', victim.ip])).stdout).not.toContain(me);
  });

  it('MAC table exhaustion: 5,000 random source MACs from one container are refused; the table does not grow', async () => {
    const entries = async () => (await stats()).domains.find((x) => x.network === 'psnet')!.macEntries;
    const before = await entries();
    const refused = await drops('attacker', 'psnet', 'spoofed_mac');
    await scapy('attacker', 'sendp([Ether(src=RandMAC("02:00:*:*:*:*"), dst="ff:ff:ff:ff:ff:ff")/IP(dst="10.60.0.250")/UDP()]*5000, iface="eth0")');
    expect((await drops('attacker', 'psnet', 'spoofed_mac')) - refused).toBe(5000);
    expect(await entries()).toBe(before);
    await d().ok('run', '-d', '--name', 'newcomer', '--network', 'psnet', '--', 'sleep', 'infinity');
    expect((await d().ferry('exec', 'newcomer', '--', 'ping', '-c', '1', '-W', '1', victim.ip)).code).toBe(0);
  });

  it('a spoofed source address through the NAT is dropped: another network\'s address, or an outside one', async () => {
    await d().ok('network', 'create', '--subnet', '10.61.0.0/24', 'other');
    await d().ok('run', '-d', '--name', 'elsewhere', '--network', 'other', '--', 'sleep', 'infinity');
    const elsewhere = await d().ip('elsewhere', 'other');
    const me = (await d().inspect('attacker')).NetworkSettings.Networks.psnet!.MacAddress;
    const capture = far(['timeout', '7', 'tcpdump', '-i', 'eth0', '-n', '-c', '3', 'udp port 7777']);
    await new Promise((r) => setTimeout(r, 500));
    const before = await drops('attacker', 'psnet', 'spoofed_ip');
    await scapy('attacker', `sendp([Ether(src="${me}", dst="${gateway.mac}")/IP(src=s, dst="198.51.100.2")/UDP(sport=5000, dport=7777) for s in ("${elsewhere}", "198.51.100.2")], iface="eth0")`);
    // The positive control: the same from its own address goes out (SNAT).
    await scapy('attacker', `sendp(Ether(src="${me}", dst="${gateway.mac}")/IP(src="${attacker}", dst="198.51.100.2")/UDP(sport=5000, dport=7777), iface="eth0")`);
    const seen = (await capture).stdout;
    expect((await drops('attacker', 'psnet', 'spoofed_ip')) - before).toBe(2);
    expect(seen).toMatch(/192\.0\.2\.10\.\d+ > 198\.51\.100\.2\.7777/);
    expect(seen).not.toMatch(/10\.61\.0|198\.51\.100\.2\.5000 >/);
  });

  it('from outside, a packet claiming a container\'s address is dropped at the uplink', async () => {
    await d().ok('run', '-d', '--name', 'web', '--network', 'psnet', '-p', '8080:80', '--', 'sleep', 'infinity');
    const up = (await stats()).ports.find((p) => p.carries?.startsWith('uplink '))!;
    const before = up.drops.martian_source!;
    // The outside router forges a SYN from the victim's address to the published port.
    await execIn(`${d().prefix}-out`, ['/usr/bin/python3', '-c', `from scapy.all import *\nconf.verb=0\nsend(IP(src="${victim.ip}", dst="192.0.2.10")/TCP(sport=4444, dport=8080, flags="S"))`]);
    await new Promise((r) => setTimeout(r, 300));
    const after = (await stats()).ports.find((p) => p.carries?.startsWith('uplink '))!;
    expect(after.drops.martian_source! - before).toBe(1);
  });

  it('IPv6: a neighbour advertisement for another\'s address, and a router advertisement, are refused', async () => {
    await d().ok('network', 'create', '--ipv6', '--subnet', '10.62.0.0/24', '--subnet', '2001:db8:62::/64', 'v6sec');
    await d().ok('run', '-d', '--name', 'v6a', '--network', 'v6sec', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'v6b', '--network', 'v6sec', '--', 'sleep', 'infinity');
    const b = (await d().inspect('v6b')).NetworkSettings.Networks.v6sec as unknown as { GlobalIPv6Address: string };
    const me = (await d().inspect('v6a')).NetworkSettings.Networks.v6sec!.MacAddress;
    const before = await drops('v6a', 'v6sec', 'spoofed_nd');
    await scapy('v6a', `sendp(Ether(src="${me}", dst="33:33:00:00:00:01")/IPv6(src="fe80::1", dst="ff02::1")/ICMPv6ND_NA(tgt="${b.GlobalIPv6Address}", R=0, S=0, O=1)/ICMPv6NDOptDstLLAddr(lladdr="${me}"), iface="eth0")
sendp(Ether(src="${me}", dst="33:33:00:00:00:01")/IPv6(src="fe80::1", dst="ff02::1")/ICMPv6ND_RA(), iface="eth0")`);
    expect((await drops('v6a', 'v6sec', 'spoofed_nd')) - before).toBe(2);
    expect((await d().ferry('exec', 'v6a', '--', 'ping', '-6', '-c', '1', '-W', '2', b.GlobalIPv6Address)).code).toBe(0);
  });

  it('-o ferry.port_security=false: the same frames pass, and one port still cannot fill the MAC table', async () => {
    await d().ok('network', 'create', '--subnet', '10.63.0.0/24', '-o', 'ferry.port_security=false', 'open');
    await d().ok('run', '-d', '--name', 'router', '--network', 'open', '--', 'sleep', 'infinity');
    const me = (await d().inspect('router')).NetworkSettings.Networks.open!.MacAddress;
    const gw = (await d().inspect('router')).NetworkSettings.Networks.open!.Gateway;
    await d().ok('exec', 'router', '--', 'ping', '-c', '1', '-W', '1', gw);
    const gwMac = (await d().ok('exec', 'router', '--', 'ip', 'neigh', 'show', gw)).split(/\s+/)[4]!;
    const capture = far(['timeout', '10', 'tcpdump', '-i', 'eth0', '-n', '-c', '1', 'udp port 7778']);
    await new Promise((r) => setTimeout(r, 500));
    // A source that is not its own (it routes for others) goes out through the NAT.
    await scapy('router', `sendp(Ether(src="${me}", dst="${gwMac}")/IP(src="10.63.0.77", dst="198.51.100.2")/UDP(sport=5000, dport=7778), iface="eth0")`);
    expect((await capture).stdout).toMatch(/192\.0\.2\.10\.\d+ > 198\.51\.100\.2\.7778/);
    await scapy('router', 'sendp([Ether(src=RandMAC("02:00:*:*:*:*"), dst="ff:ff:ff:ff:ff:ff")/IP(dst="10.63.0.250")/UDP()]*1000, iface="eth0")');
    const open = (await stats()).domains.find((x) => x.network === 'open')!;
    expect(open.macEntries).toBeLessThanOrEqual(256 + 2); // its share, the gateway's and its own
    expect(open.bridge.learn_refused_port).toBeGreaterThan(600);
  });
});
