import { spawn } from 'node:child_process';
import path from 'node:path';
import { configureInterface, createNetns, execIn } from '../../src/netns';

const VLAN_HOST = path.join(__dirname, '..', 'fixtures', 'vlan-host.py');

async function sh(ns: string, cmd: string): Promise<string> {
  const r = await execIn(ns, ['sh', '-c', cmd]);
  if (r.code !== 0) throw new Error(`${cmd} in ${ns}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * An external segment, as the macvlan tutorials have it: a switch (a kernel
 * bridge in a namespace of the lab: the world's, not Ferry's), the parent
 * (`up0`, or as named) in `parentNs` wired to it, a router at 172.16.86.1 and another
 * machine at 172.16.86.254, each in its own namespace. Every name starts
 * with the prefix, so the sweep finds it.
 */
export async function externalSegment(prefix: string, parentNs: string, parentIf = 'up0') {
  const sw = `${prefix}-sw`;
  await createNetns(sw);
  await sh(sw, 'ip link add br0 type bridge && ip link set br0 up');
  await sh(parentNs, `ip link add ${parentIf} type veth peer name wire0 netns ${sw} && ip link set ${parentIf} up`);
  await sh(sw, 'ip link set wire0 master br0 && ip link set wire0 up');
  const machine = async (name: string, addresses: string[]) => {
    const ns = `${prefix}-${name}`;
    await createNetns(ns);
    await sh(sw, `ip link add p-${name} type veth peer name eth0 netns ${ns} && ip link set p-${name} master br0 && ip link set p-${name} up`);
    await configureInterface(ns, { ifname: 'eth0', addresses });
    return ns;
  };
  const router = await machine('router', ['172.16.86.1/24']);
  const other = await machine('other', ['172.16.86.254/24']);
  return {
    switchNs: sw,
    router,
    other,
    machine,
    /** The MACs a machine's kernel has learned: address -> MAC. */
    neighbours: async (ns: string) => new Map((await sh(ns, 'ip neigh show dev eth0')).split('\n').filter((l) => / lladdr /.test(l)).map((l) => [l.split(' ')[0]!, l.split(' lladdr ')[1]!.split(' ')[0]!])),
    /**
     * A machine on VLAN vid (the kernel here has no 8021q): it answers ARP and
     * ping for `ip` in frames tagged vid (test/fixtures/vlan-host.py).
     */
    vlanHost: async (name: string, vid: number, ip: string, mac: string) => {
      const ns = await machine(name, []);
      await sh(ns, 'ip link set eth0 up');
      const proc = spawn('ip', ['netns', 'exec', ns, '/usr/bin/python3', VLAN_HOST, 'eth0', String(vid), ip, mac], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        proc.stdout.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
        proc.on('exit', (code) => reject(new Error(`vlan-host.py exited ${code}`)));
      });
      return () => proc.kill();
    },
    sh,
  };
}
