import { describe, expect, it } from 'vitest';
import type { TracedPacket } from '../../src/dataplane';
import { execIn } from '../../src/netns';
import { useDaemon } from '../harness/daemon';
import { UPLINK_ARGS, outside } from '../harness/outside';

/**
 * `ferry trace`: each stage's decision (the rate-limit stage is bypassed while
 * no port has a limit, so containers' frames go from parse through
 * port-security to bridge), for live packets and for packets injected as a
 * dry run, through the daemon with an uplink.
 */
describe('ferry trace', () => {
  const d = useDaemon(UPLINK_ARGS, outside);
  const far = (argv: string[]) => execIn(`${d().prefix}-far`, argv, { timeoutMs: 30_000 });

  const inject = async (from: string, ...packet: string[]): Promise<TracedPacket> => JSON.parse(await d().ok('trace', '--json', '--inject', from, '--', ...packet));
  /** "stage: text" lines, in order, for matching a path as a whole. */
  const path = (p: TracedPacket) => p.steps.map((s) => `${s.kind === 'rx' ? 'rx' : s.stage}: ${s.text}`);
  const decisions = (p: TracedPacket) => p.steps.filter((s) => s.kind === 'next').map((s) => `${s.stage} ${s.text.replace(/ \(.*$/, '')}`);
  /** The conntrack table without the seconds left, which tick. */
  const flows = async () => (JSON.parse(await d().ok('conntrack', '--json')) as Record<string, unknown>[]).map(({ timeout: _t, ...rest }) => rest);
  const macEntries = async () => (JSON.parse(await d().ok('stats', '--json')) as { domains: { network?: string; macEntries: number }[] }).domains.map((x) => [x.network, x.macEntries]);

  let a1 = '';
  let a2 = '';
  let b1 = '';

  it('sets up two networks with containers', async () => {
    await d().ok('network', 'create', '--subnet', '10.70.0.0/24', 'tnet');
    await d().ok('network', 'create', '--subnet', '10.71.0.0/24', 'other');
    await d().ok('run', '-d', '--name', 'a1', '--network', 'tnet', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'a2', '--network', 'tnet', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'b1', '--network', 'other', '--', 'sleep', 'infinity');
    [a1, a2, b1] = [await d().ip('a1', 'tnet'), await d().ip('a2', 'tnet'), await d().ip('b1', 'other')];
    expect((await d().ferry('exec', 'a1', '--', 'ping', '-c', '1', '-W', '1', a2)).code).toBe(0);
  });

  it('live: a bridged unicast ping, stage by stage, with the ports named', async () => {
    const tracing = d().ok('trace', '--json', '--port', 'a1', '--count', '1', '--timeout', '10');
    await new Promise((r) => setTimeout(r, 300));
    await d().ok('exec', 'a1', '--', 'ping', '-c', '1', '-W', '1', a2);
    const p = JSON.parse((await tracing).trim()) as TracedPacket;
    expect(path(p)[0]).toMatch(/^rx: received on port \d+ \(a1\/eth0 on tnet\), \d+ bytes$/);
    expect(decisions(p)).toEqual(['parse -> port-security', 'port-security -> bridge', 'bridge -> sent']);
    expect(path(p)).toContainEqual(expect.stringMatching(/^bridge: domain \d+: [0-9a-f:]{17} > [0-9a-f:]{17}, source known; known destination on port \d+$/));
    expect(path(p)).toContainEqual(expect.stringMatching(/^bridge: queued on port \d+ \(a2\/eth0 on tnet\)$/));
  });

  it('human output: one line per step', async () => {
    const text = await d().ok('trace', '--inject', 'a1', '--', 'icmp', a1, '>', a2);
    expect(text.split('\n')[0]).toMatch(/^packet \d+$/);
    expect(text).toMatch(/^ +\d+\.\d us  bridge +-> sent$/m);
  });

  it('inject: a broadcast floods the domain', async () => {
    const p = await inject('a1', 'arp', 'who-has', '10.70.0.99', 'tell', a1);
    expect(decisions(p)).toEqual(['parse -> port-security', 'port-security -> bridge', 'bridge -> sent']);
    expect(path(p)).toContainEqual(expect.stringMatching(/^bridge: .* > ff:ff:ff:ff:ff:ff, source known; flooded to 2 port\(s\)$/));
    expect(path(p).filter((l) => /would send on port/.test(l)).length).toBe(2);
  });

  it('inject: routed to the uplink with SNAT, and nothing is sent or remembered', async () => {
    const unresolved = await inject('a1', 'tcp', `${a1}:40000`, '>', '198.51.100.2:80', 'syn');
    expect(path(unresolved)).toContainEqual('neighbor: next hop 192.0.2.2 unknown: would ask with ARP and hold the packet');
    expect((await d().ferry('exec', 'a1', '--', 'ping', '-c', '1', '-W', '1', '198.51.100.2')).code).toBe(0); // now the next hop is known
    const ctBefore = await flows();
    const p = await inject('a1', 'tcp', `${a1}:40000`, '>', '198.51.100.2:80', 'syn');
    expect(decisions(p)).toEqual(['parse -> port-security', 'port-security -> bridge', 'bridge -> ip4-input', 'ip4-input -> nat', 'nat -> ip4-forward', 'ip4-forward -> neighbor', 'neighbor -> sent']);
    expect(path(p)).toContainEqual(`nat: new flow, SNAT: tcp ${a1}:40000 > 198.51.100.2:80 -> tcp 192.0.2.10:40000 > 198.51.100.2:80`);
    expect(path(p)).toContainEqual(expect.stringMatching(/^ip4-forward: route 198\.51\.100\.2: uplink via 192\.0\.2\.2, mtu 1500$/));
    expect(path(p)).toContainEqual(expect.stringMatching(/^neighbor: next hop 192\.0\.2\.2 is at [0-9a-f:]{17}$/));
    expect(path(p)).toContainEqual(expect.stringMatching(/^neighbor: would send on port \d+ \(uplink up0\)$/));
    expect(await flows()).toEqual(ctBefore);
  });

  it('inject: leaves the MAC table as it was, though the sender was never seen', async () => {
    // Without port security, so the sender's MAC is not a static entry from the start.
    await d().ok('network', 'create', '--subnet', '10.72.0.0/24', '-o', 'ferry.port_security=false', 'open');
    await d().ok('run', '-d', '--name', 'quiet', '--network', 'open', '--', 'sleep', 'infinity');
    await d().ok('run', '-d', '--name', 'talker', '--network', 'open', '--', 'sleep', 'infinity');
    await d().ok('exec', 'talker', '--', 'ping', '-c', '1', '-W', '1', '10.72.0.1'); // learned: a known destination
    const before = await macEntries();
    const p = await inject('quiet', 'udp', `${await d().ip('quiet', 'open')}:5000`, '>', `${await d().ip('talker', 'open')}:5000`);
    expect(path(p)).toContainEqual('port-security: no port security on this port');
    expect(path(p)).toContainEqual(expect.stringMatching(/^bridge: domain \d+: .*, source learned; known destination/));
    expect(await macEntries()).toEqual(before);
  });

  it('inject: a drop between two networks, with its reason', async () => {
    const p = await inject('a1', 'icmp', a1, '>', b1);
    expect(decisions(p)).toEqual(['parse -> port-security', 'port-security -> bridge', 'bridge -> ip4-input', 'ip4-input -> nat', 'nat drop: isolated']);
    expect(p.steps.at(-1)!.text).toBe('drop: isolated (towards another network: bridge networks are isolated)');
  });

  it('inject: a hairpin to a published port (DNAT and SNAT)', async () => {
    await d().ok('run', '-d', '--name', 'web', '--network', 'tnet', '-p', '8080:80', '--', 'sleep', 'infinity');
    const web = await d().ip('web', 'tnet');
    const p = await inject('a1', 'tcp', `${a1}:40001`, '>', '192.0.2.10:8080', 'syn');
    expect(path(p)).toContainEqual(`nat: new flow, hairpin (DNAT and SNAT): tcp ${a1}:40001 > 192.0.2.10:8080 -> tcp 192.0.2.10:40001 > ${web}:80`);
    expect(path(p)).toContainEqual(expect.stringMatching(new RegExp(`^ip4-forward: route ${web.replace(/\./g, '\\.')}: container [0-9a-f:]{17} in domain \\d+, mtu 1500$`)));
    expect(decisions(p).at(-1)).toBe('ip4-forward -> sent');
  });

  it('live: a published port from outside (DNAT), seen on the uplink', async () => {
    await d().ok('run', '-d', '--name', 'echo', '--network', 'tnet', '-p', '5353:5300/udp', '--', 'sleep', 'infinity');
    await far(['python3', '-c', "import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto(b'warm',('192.0.2.10',5353))"]);
    const tracing = d().ok('trace', '--json', '--port', 'uplink', '--count', '3', '--timeout', '5');
    await new Promise((r) => setTimeout(r, 300));
    await far(['python3', '-c', "import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto(b'x',('192.0.2.10',5353))"]);
    const packets = (await tracing).trim().split('\n').map((l) => JSON.parse(l) as TracedPacket);
    const dnat = packets.find((p) => path(p).some((l) => l.startsWith('nat: new flow, DNAT')));
    expect(dnat, JSON.stringify(packets.map(path), null, 1)).toBeDefined();
    expect(path(dnat!)).toContainEqual(expect.stringMatching(/^nat: new flow, DNAT \(published port\): udp 198\.51\.100\.2:\d+ > 192\.0\.2\.10:5353 -> udp 198\.51\.100\.2:\d+ > 10\.70\.0\.\d+:5300$/));
    expect(decisions(dnat!)).toEqual(['parse -> uplink', 'uplink -> ip4-input', 'ip4-input -> nat', 'nat -> ip4-forward', 'ip4-forward -> sent']);
  });

  it('refuses what it cannot do, naming it', async () => {
    expect((await d().ferry('trace', '--port', 'nosuch', '--count', '1')).stderr).toMatch(/^ferry: no port "nosuch": give CONTAINER\[\/IFACE\]/);
    expect((await d().ferry('trace', '--inject', 'a1', '--', 'tcp', 'nonsense')).stderr).toMatch(/^ferry: packet "tcp nonsense": expected tcp SRC:PORT > DST:PORT\n$/);
    expect((await d().ferry('trace', '--inject', 'a1', '--', 'gre', '1.2.3.4')).stderr).toMatch(/unknown packet kind "gre"; expected one of: tcp\|udp/);
  });
});
