import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { listNetns } from '../../src/netns';

const ferry = path.join(__dirname, '..', '..', 'bin', 'ferry');
const run = (...args: string[]) =>
  promisify(execFile)(ferry, args, { timeout: 60_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

/** The CLI as a user types it. */
describe('ferry CLI', () => {
  it('runs the demo: ping, TCP, counters, and leaves nothing behind', async () => {
    const r = await run('demo', '--seconds', '1');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/3 packets transmitted, 3 received/);
    expect(r.stdout).toMatch(/TCP: .* Gbit\/s, \d+ retransmissions/);
    expect(r.stdout).toMatch(/bridge: unicast=\d+/);
    // The control-plane part: a user network, two containers, names.
    expect(r.stdout).toMatch(/\$ ferry exec client -- ping -c 2 web\nPING web \(192\.0\.2\.2\)/);
    expect(r.stdout).toMatch(/2 packets transmitted, 2 received/);
    expect(r.stdout).toMatch(/\$ ferry exec client -- dig \+short web\n192\.0\.2\.2/);
    expect((await listNetns()).filter((n) => n.startsWith('ferry-demo-'))).toEqual([]);
  });

  it('prints its version', async () => {
    const r = await run('version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ferry \d+\.\d+\.\d+\n$/);
  });

  it('answers bad arguments with one line naming the argument and the accepted forms', async () => {
    const unknown = await run('demo', '--secs', '2');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('ferry: unknown option --secs for "demo" (accepted: --seconds N)\n');
    const bad = await run('demo', '--seconds', '0');
    expect(bad.stderr).toBe('ferry: option --seconds N: "0" is not valid; expected an integer from 1 to 600\n');
    const missing = await run('demo', '--seconds');
    expect(missing.stderr).toBe('ferry: option --seconds needs a value: --seconds N\n');
    const cmd = await run('launch');
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toMatch(/^ferry: unknown command "launch" \(accepted: daemon, node, network, run, create, ps, .*, demo, completion, version, help\)\n$/);
    const uplink = await run('daemon', '--uplink', 'eth9');
    expect(uplink.stderr).toBe('ferry: options --uplink IFACE and --external-ip CIDR go together\n');
    const timeout = await run('daemon', '--conntrack-timeout', 'tcp=5');
    expect(timeout.stderr).toMatch(/^ferry: option --conntrack-timeout NAME=SECONDS: "tcp=5" is not valid; expected NAME=SECONDS with NAME one of tcpSynSent, .*, icmp\n$/);
    expect((await run('daemon', '--docker-plugin', '--docker-host', 'tcp://192.0.2.1:2375')).stderr).toBe('ferry: option --docker-host: "tcp://192.0.2.1:2375" is not valid; expected unix:///PATH (dockerd\'s API socket)\n');
    expect((await run('daemon', '--docker-plugin-name', 'ferry2')).stderr).toBe('ferry: options --docker-plugin-name, --docker-plugin-dir and --docker-host need --docker-plugin\n');
  });
});
