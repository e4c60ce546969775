import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DockerLab } from '../harness/dockerd';
import { useCluster, waitFor } from '../harness/etcd';

/**
 * Docker's multi-host networks on Ferry's overlays: two "hosts", each with
 * a Ferry daemon in the cluster and its own containerd and dockerd (classic
 * cluster store on the same etcd), each dockerd finding its own Ferry under
 * the same driver name (a private /run/docker/plugins). A network made on
 * one host with `docker network create -d NAME-overlay` is there on the
 * other; containers on the two ping each other by name through VXLAN.
 */
describe('docker network create -d ferry-overlay: scope global', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'ferry-dkov-'));
  const at = (host: string, ...p: string[]) => path.join(base, host, ...p);
  for (const h of ['a', 'b']) mkdirSync(at(h, 'plugins'), { recursive: true });
  const name = `fyov${path.basename(base).slice(-6).toLowerCase().replace(/[^a-z0-9]/g, '0')}`;
  const dockerArgs = (h: string) => ['--docker-plugin', '--docker-plugin-name', name, '--docker-plugin-dir', at(h, 'plugins'), '--docker-host', `unix://${at(h, 'docker', 'docker.sock')}`];
  const { underlay, hosts } = useCluster([
    { ip: '192.0.2.1', args: dockerArgs('a') },
    { ip: '192.0.2.2', args: dockerArgs('b'), enter: 'ip-netns-exec' },
  ]);
  const docker: Record<string, DockerLab> = {};

  beforeAll(async () => {
    for (const [h, ip, lab] of [['a', '192.0.2.1', hosts[0]!()], ['b', '192.0.2.2', hosts[1]!()]] as const) {
      docker[h] = new DockerLab(lab, { dir: at(h, 'docker'), pluginDir: at(h, 'plugins'), clusterStore: { url: underlay.store, advertise: `${ip}:2376` } });
      if (h === 'b') lab.onCleanup(async () => rmSync(base, { recursive: true, force: true })); // after both runtimes (cleanups run last first)
    }
    await Promise.all(Object.values(docker).map(async (d) => {
      await d.start();
      await d.importImage();
    }));
  }, 180_000);

  it('a network made on one host is on the other, and containers on the two ping each other by name', async () => {
    const id = await docker.a!.ok('network', 'create', '-d', `${name}-overlay`, 'ov-net');
    expect(await docker.b!.ok('network', 'ls', '--filter', `id=${id}`, '--format', '{{.Name}} {{.Scope}}')).toBe('ov-net global');
    expect(await waitFor(async () => (await hosts[1]!().ok('network', 'ls')).includes(id.slice(0, 12)), 3000)).toBe(true);
    await docker.a!.ok('run', '-d', '--name', 'c1', '--network', 'ov-net', 'busybox:ferry', 'sleep', '1d');
    await docker.b!.ok('run', '-d', '--name', 'c2', '--network', 'ov-net', 'busybox:ferry', 'sleep', '1d');
    const pings = async (h: string, from: string, to: string) => (await docker[h]!.docker('exec', from, 'ping', '-c', '1', '-W', '2', to)).stdout.includes('1 packets received');
    expect(await waitFor(() => pings('b', 'c2', 'c1'), 5000)).toBe(true);
    expect(await pings('a', 'c1', 'c2')).toBe(true);
    expect(await hosts[1]!().ok('network', 'ls')).toMatch(/ov-net +overlay +global/);
    const [net] = JSON.parse(await hosts[0]!().ok('network', 'inspect', 'ov-net')) as { Peers: { IP: string }[] }[];
    expect(net!.Peers.map((p) => p.IP).sort()).toEqual(['192.0.2.1', '192.0.2.2']);
    expect((await docker.a!.docker('network', 'create', '-d', `${name}-overlay`, '--ipam-driver', name, 'ov-bad')).stderr).toMatch(/leave out --ipam-driver/);
  });

  it('removing the containers and the network leaves nothing on either host', async () => {
    await docker.a!.ok('rm', '-f', 'c1');
    await docker.b!.ok('rm', '-f', 'c2');
    await docker.a!.ok('network', 'rm', 'ov-net');
    expect(await waitFor(async () => !(await hosts[1]!().ok('network', 'ls')).includes('ov-net') && !(await hosts[0]!().ok('network', 'ls')).includes('ov-net'), 3000)).toBe(true);
  });
});
