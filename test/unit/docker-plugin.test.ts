import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/ipam';
import { FileStore } from '../../src/store';
import { DockerIpam } from '../../src/docker/ipam-driver';
import { PLUGIN_CONTENT_TYPE, servePlugin } from '../../src/docker/plugin-server';
import { nextFreePool } from '../../src/ipam';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'ferry-docker-unit-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const ipamOn = async (dir: string, taken: string[] = []) => {
  const ipam = new DockerIpam(await FileStore.open(dir), async () => taken.map((t) => parseCidr(t)), (t) => nextFreePool(t));
  await ipam.load();
  return ipam;
};

describe('the IPAM driver', () => {
  it('hands out the next free default pool, the gateway first, then the lowest free addresses, and keeps them across a restart', async () => {
    const dir = tempDir();
    const ipam = await ipamOn(dir, ['172.17.0.0/16']);
    const { PoolID, Pool } = (await ipam.requestPool({})) as { PoolID: string; Pool: string };
    expect(Pool).toBe('172.18.0.0/16');
    expect(((await ipam.requestPool({})) as { Pool: string }).Pool).toBe('172.19.0.0/16'); // past the pool handed out
    expect(await ipam.requestAddress({ PoolID, Options: { RequestAddressType: 'com.docker.network.gateway' } })).toEqual({ Address: '172.18.0.1/16', Data: {} });
    expect(await ipam.requestAddress({ PoolID })).toEqual({ Address: '172.18.0.2/16', Data: {} });
    expect(await ipam.requestAddress({ PoolID, Address: '172.18.0.9' })).toEqual({ Address: '172.18.0.9/16', Data: {} });
    await ipam.releaseAddress({ PoolID, Address: '172.18.0.2' });
    const again = await ipamOn(dir, ['172.17.0.0/16']);
    expect(await again.requestAddress({ PoolID })).toEqual({ Address: '172.18.0.2/16', Data: {} });
    expect(await again.requestAddress({ PoolID })).toEqual({ Address: '172.18.0.3/16', Data: {} });
    await expect(again.requestAddress({ PoolID, Address: '172.18.0.9' })).rejects.toThrow(/172\.18\.0\.9/);
    await again.releasePool({ PoolID });
    await expect(again.requestAddress({ PoolID })).rejects.toThrow(/no pool/);
  });

  it('takes a given pool unless it overlaps, and refuses sub-pools and a family mismatch', async () => {
    const ipam = await ipamOn(tempDir(), ['10.1.0.0/16']);
    expect(((await ipam.requestPool({ Pool: '203.0.113.0/24' })) as { Pool: string }).Pool).toBe('203.0.113.0/24');
    await expect(ipam.requestPool({ Pool: '203.0.113.128/25' })).rejects.toThrow(/overlaps 203\.0\.113\.0\/24, already handed out/);
    await expect(ipam.requestPool({ Pool: '10.1.2.0/24' })).rejects.toThrow(/overlaps 10\.1\.0\.0\/16, a network or route of this host/);
    await expect(ipam.requestPool({ Pool: '10.9.0.0/16', SubPool: '10.9.1.0/24' })).rejects.toThrow(/--ip-range/);
    await expect(ipam.requestPool({ Pool: '2001:db8::/64' })).rejects.toThrow(/not an IPv4 subnet/);
    expect(((await ipam.requestPool({ V6: true })) as { Pool: string }).Pool).toMatch(/^fd[0-9a-f:]+\/64$/);
  });
});

describe('the plugin protocol', () => {
  const call = (socketPath: string, method: string, body: string, verb = 'POST') =>
    new Promise<{ status: number; type: string; body: unknown }>((resolve, reject) => {
      const req = request({ socketPath, path: `/${method}`, method: verb }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(body);
    });

  it('answers in Docker\'s content type, and every failure as {"Err": ...} naming what went wrong', async () => {
    const socket = path.join(tempDir(), 'p.sock');
    const errors: string[] = [];
    const server = await servePlugin(socket, { 'Plugin.Activate': () => ({ Implements: ['NetworkDriver'] }), 'NetworkDriver.Join': () => Promise.reject(new Error('endpoint 1234 is unknown')) }, (m, e) => errors.push(`${m}: ${e.message}`));
    try {
      expect(await call(socket, 'Plugin.Activate', '')).toEqual({ status: 200, type: PLUGIN_CONTENT_TYPE, body: { Implements: ['NetworkDriver'] } });
      expect(await call(socket, 'NetworkDriver.Join', '{}')).toMatchObject({ status: 500, body: { Err: 'endpoint 1234 is unknown' } });
      expect(await call(socket, 'NetworkDriver.Join', '{"a":')).toMatchObject({ status: 400, body: { Err: expect.stringMatching(/^NetworkDriver\.Join: /) } });
      expect(await call(socket, 'NetworkDriver.Join', '[1]')).toMatchObject({ status: 400, body: { Err: 'NetworkDriver.Join: the body is not a JSON object' } });
      expect(await call(socket, 'IpamDriver.RequestPool', '{}')).toMatchObject({ status: 404, body: { Err: expect.stringMatching(/not a method of Ferry's plugin \(it serves Plugin\.Activate, NetworkDriver\.Join\)/) } });
      expect(errors).toEqual(['NetworkDriver.Join: endpoint 1234 is unknown']);
    } finally {
      server.close();
    }
  });
});
