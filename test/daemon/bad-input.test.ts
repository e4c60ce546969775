import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';

/** Bad input: one line naming the problem and the accepted form, a non-zero exit, nothing created. */
describe('bad input', () => {
  const d = useDaemon();

  const cases: [string, string[], RegExp][] = [
    ['unknown flag', ['network', 'create', '--subnett', '10.0.0.0/8', 'x'], /^ferry: unknown option --subnett for "network create" \(accepted: -d\|--driver DRIVER, --subnet CIDR, .*\)$/],
    ['bad CIDR', ['network', 'create', '--subnet', '10.0.0.0/33', 'x'], /^ferry: "10\.0\.0\.0\/33" is not a CIDR \(for example 172\.18\.0\.0\/16 or 2001:db8:1::\/64\)$/],
    ['host bits', ['network', 'create', '--subnet', '10.0.0.1/8', 'x'], /^ferry: "10\.0\.0\.1\/8" has host bits set; did you mean 10\.0\.0\.0\/8\?$/],
    ['gateway outside', ['network', 'create', '--subnet', '198.51.100.0/24', '--gateway', '203.0.113.1', 'x'], /^ferry: gateway 203\.0\.113\.1 is not in subnet 198\.51\.100\.0\/24$/],
    ['overlapping subnet', ['network', 'create', '--subnet', '172.17.5.0/24', 'x'], /^ferry: subnet 172\.17\.5\.0\/24 overlaps 172\.17\.0\.0\/16 of network "bridge"$/],
    ['duplicate name', ['network', 'create', 'bridge'], /^ferry: network with name "bridge" already exists$/],
    ['unknown -o key', ['network', 'create', '-o', 'com.docker.network.bridge.foo=1', 'x'], /^ferry: unknown option "com\.docker\.network\.bridge\.foo" \(accepted: com\.docker\.network\.bridge\.name, .*\)$/],
    ['unsupported driver', ['network', 'create', '-d', 'weave', 'x'], /^ferry: driver "weave" is not supported \(accepted: bridge, macvlan, ipvlan, overlay\)$/],
    ['overlay outside a cluster', ['network', 'create', '-d', 'overlay', 'x'], /^ferry: overlay networks need a cluster: start the daemon with --cluster-store etcd:\/\/HOST:PORT --advertise-addr IP\|IFACE$/],
    ['malformed -p', ['run', '-d', '-p', '8080:http', '--', 'sleep', '1'], /^ferry: invalid port spec "8080:http": container port "http" is not a port or a range of ports; expected \[IP:\]\[HOST\[-HOST\]:\]CONTAINER\[-CONTAINER\]\[\/tcp\|udp\|sctp\]$/],
    ['--ip on the default bridge', ['run', '-d', '--ip', '172.17.0.9', '--', 'sleep', '1'], /^ferry: user specified IP address is supported on user defined networks only$/],
    ['unknown network', ['run', '-d', '--network', 'nope', '--', 'sleep', '1'], /^ferry: network "nope" not found$/],
    ['no command', ['run', '-d'], /^ferry: "run" needs a command: ferry run \[OPTIONS\] -- CMD \[ARG\.\.\.\]$/],
  ];

  it.each(cases)('%s', async (_what, args, message) => {
    const netsBefore = await d().ok('network', 'ls', '-q');
    const ctrsBefore = await d().ok('ps', '-a', '-q');
    const linksBefore = (await d().host(['ip', '-br', 'link'])).stdout;
    const r = await d().ferry(...args);
    expect(r.code).not.toBe(0);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
    expect(await d().ok('network', 'ls', '-q')).toBe(netsBefore);
    expect(await d().ok('ps', '-a', '-q')).toBe(ctrsBefore);
    expect((await d().host(['ip', '-br', 'link'])).stdout).toBe(linksBefore);
  });

  it('an address outside the range is refused and creates nothing', async () => {
    await d().ok('network', 'create', '--subnet', '198.51.100.0/24', '--ip-range', '198.51.100.0/28', 'ranged');
    const r = await d().ferry('run', '-d', '--name', 'xx', '--network', 'ranged', '--ip', '203.0.113.5', '--', 'sleep', '1');
    expect(r.stderr).toBe('ferry: address 203.0.113.5 is not in subnet 198.51.100.0/24\n');
    expect(await d().ok('ps', '-a', '-q')).toBe('');
  });

  it('the CLI says where it looked when no daemon answers', async () => {
    const { execFile } = await import('node:child_process');
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [`${__dirname}/../../bin/ferry`, '--socket', '/nonexistent/ferry.sock', 'ps'], (err, _o, stderr) => resolve({ code: (err as { code?: number } | null)?.code ?? 0, stderr })),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ferry: cannot reach the daemon at \/nonexistent\/ferry\.sock \(ENOENT\): is "ferry daemon" running\? \(set --socket or FERRY_SOCKET\)\n$/);
  });
});
