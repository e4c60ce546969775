import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';

/** SCENARIOS.md 9 (IPv6), and what a container finds in /etc. */
describe('IPv6 and container files', () => {
  const d = useDaemon();

  it('a dual-stack network gives containers both addresses, and they reach each other over IPv6', async () => {
    await d().ok('network', 'create', '--ipv6', '--subnet', '2001:db8:1::/64', 'v6net');
    const net = JSON.parse(await d().ok('network', 'inspect', 'v6net'))[0];
    expect(net.EnableIPv6).toBe(true);
    expect(net.IPAM.Config.map((c: { Subnet: string }) => c.Subnet)).toEqual([expect.stringMatching(/^172\.\d+\.0\.0\/16$/), '2001:db8:1::/64']);
    await d().ok('run', '-d', '--name', 'six1', '--network', 'v6net', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'six2', '--network', 'v6net', '--ip6', '2001:db8:1::99', '--', 'sleep', 'infinity');
    const six1 = (await d().inspect('six1')).NetworkSettings.Networks.v6net as unknown as { GlobalIPv6Address: string; IPv6Gateway: string };
    expect(six1.GlobalIPv6Address).toBe('2001:db8:1::2');
    expect(six1.IPv6Gateway).toBe('2001:db8:1::1');
    expect(await d().ok('exec', 'six1', '--', 'ping', '-6', '-c', '1', '-W', '1', '2001:db8:1::99')).toMatch(/1 received/);
    expect(await d().ok('exec', 'six1', '--', 'ip', '-6', 'route')).toMatch(/^default via 2001:db8:1::1 dev eth0/m);
  });

  it('IPv6 is off on IPv4-only networks (no link-local chatter), and connect to a dual-stack network turns it on', async () => {
    await d().ok('run', '-d', '--name', 'four', '--', 'sleep', 'infinity');
    expect(await d().ok('exec', 'four', '--', 'cat', '/proc/sys/net/ipv6/conf/eth0/disable_ipv6')).toBe('1');
    expect(await d().ok('exec', 'four', '--', 'ip', '-6', 'addr')).toBe('');
    expect(await d().ok('exec', 'six1', '--', 'cat', '/proc/sys/net/ipv6/conf/eth0/disable_ipv6')).toBe('0');
    await d().ok('network', 'connect', 'v6net', 'four');
    expect(await d().ok('exec', 'four', '--', 'ip', '-6', '-br', 'addr', 'show', 'eth1')).toMatch(/2001:db8:1::3\/64/);
    expect(await d().ok('exec', 'four', '--', 'ping', '-6', '-c', '1', '-W', '1', '2001:db8:1::2')).toMatch(/1 received/);
  });

  it('--ipv6 without --subnet generates a ULA /64', async () => {
    await d().ok('network', 'create', '--ipv6', 'ula');
    const net = JSON.parse(await d().ok('network', 'inspect', 'ula'))[0];
    expect(net.IPAM.Config[1].Subnet).toMatch(/^fd[0-9a-f]{2}:/);
  });

  it('honours --hostname, --add-host, --dns and --dns-search in /etc, and logs keep the output', async () => {
    await d().ok('run', '-d', '--name', 'files', '--hostname', 'web1', '--add-host', 'db:192.0.2.7', '--dns', '192.0.2.53', '--dns-search', 'example.test', '--dns-option', 'timeout:1', '--', 'sh', '-c', 'hostname; sleep infinity');
    expect(await d().ok('exec', 'files', '--', 'hostname')).toBe('web1');
    const hosts = await d().ok('exec', 'files', '--', 'cat', '/etc/hosts');
    expect(hosts).toMatch(/^192\.0\.2\.7\tdb$/m);
    expect(hosts).toMatch(/^172\.17\.0\.\d+\tweb1 files$/m);
    // The embedded resolver, with --dns as its upstream, as Docker writes it.
    expect(await d().ok('exec', 'files', '--', 'cat', '/etc/resolv.conf')).toBe('nameserver 127.0.0.11\nsearch example.test\noptions ndots:0 timeout:1');
    // ahostsv4: `getent hosts` would ask for AAAA first and wait on the nameserver.
    expect(await d().ok('exec', 'files', '--', 'getent', 'ahostsv4', 'db')).toMatch(/^192\.0\.2\.7\s+STREAM db$/m);
    expect(await d().ok('logs', 'files')).toBe('web1');
    // The host's own files are untouched.
    expect((await d().host(['cat', '/etc/hostname'])).stdout).not.toBe('web1\n');
  });
});
