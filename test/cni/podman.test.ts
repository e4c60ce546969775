import { describe, expect, it, beforeAll } from 'vitest';
import { execIn, run } from '../../src/netns';
import { useDaemon } from '../harness/daemon';
import { PodmanLab } from '../harness/podman';
import { UPLINK_ARGS, outside } from '../harness/outside';

/**
 * podman 4 end to end with network_backend = "cni" and a configuration list
 * naming ferry: containers reach each other by name and the world through
 * Ferry, and their published ports are reached from outside.
 */
describe('podman run --network on a Ferry network (CNI)', () => {
  let podman: PodmanLab;
  const d = useDaemon([...UPLINK_ARGS], async (lab) => {
    await outside(lab);
    podman = new PodmanLab(lab, 'ferry-net');
  });
  const pm = (...args: string[]) => podman.ok(...args);

  beforeAll(async () => {
    await d().ok('network', 'create', '--subnet', '10.89.0.0/24', 'ferry-net');
    await podman.init();
  }, 120_000);

  it('containers reach each other by name and the outside, with no rule in any namespace', async () => {
    await pm('run', '-d', '--name', 'p1', '--network', 'ferry-net', 'busybox:ferry', 'sleep', '1d');
    await pm('run', '-d', '--name', 'p2', '--network', 'ferry-net', 'busybox:ferry', 'sleep', '1d');
    expect(await pm('exec', 'p1', 'cat', '/etc/resolv.conf')).toMatch(/^nameserver 127\.0\.0\.11$/m);
    expect(await pm('exec', 'p1', 'ping', '-c', '1', '-W', '2', 'p2')).toMatch(/1 packets received/);
    expect(await pm('exec', 'p2', 'ping', '-c', '1', '-W', '2', '198.51.100.2')).toMatch(/1 packets received/);
    expect(await d().ok('ps')).toMatch(/p1/);
    const pid = await pm('inspect', '-f', '{{.State.Pid}}', 'p1');
    for (const ns of [['-n', '-t', pid], [`--net=/run/netns/${d().hostNs}`]]) {
      expect((await run('nsenter', [...ns, 'iptables-save'])).stdout.trim()).toBe('');
      expect((await run('nsenter', [...ns, 'nft', 'list', 'ruleset'])).stdout.trim()).toBe('');
    }
  });

  it('-p 8090:80 is reached from outside through Ferry\'s uplink, with the client\'s address', async () => {
    const cgi = 'mkdir -p /w/cgi-bin && printf "#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho \\$REMOTE_ADDR\\n" >/w/cgi-bin/ip && chmod +x /w/cgi-bin/ip && exec httpd -f -p 80 -h /w';
    await pm('run', '-d', '--name', 'web', '--network', 'ferry-net', '-p', '8090:80', 'busybox:ferry', 'sh', '-c', cgi);
    const ask = async () =>
      (await execIn(`${d().prefix}-far`, ['/usr/bin/python3', '-c', "import urllib.request as u; print(u.urlopen('http://192.0.2.10:8090/cgi-bin/ip', timeout=2).read().decode().strip())"])).stdout.trim().replace(/^\[::ffff:(.*)\]$/, '$1');
    let seen = '';
    for (let i = 0; i < 40 && !seen; i++) {
      seen = await ask();
      if (!seen) await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toBe('198.51.100.2');
  });

  it('podman rm takes the attachments away (CNI DEL)', async () => {
    await pm('rm', '--force', '--time', '0', 'p1', 'p2', 'web');
    expect(await d().ok('ps', '-a')).not.toMatch(/p1|p2|web/);
    await d().ok('network', 'rm', 'ferry-net');
  });
});
