import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configureInterface, createNetns, deleteNetns, execIn } from '../netns';
import { TEST_PREFIX, sweep } from './sweep';

/**
 * An underlay for several test "hosts": a switch (a kernel bridge in a lab
 * namespace) on 192.0.2.0/24, and a real etcd-server at 192.0.2.100 in a
 * namespace of its own, its data in a temporary directory. Hosts are plugged
 * in with plug(); stop() ends etcd and removes everything.
 */
export class Underlay {
  readonly switchNs: string;
  readonly etcdNs: string;
  readonly store = 'etcd://192.0.2.100:2379';
  /** etcd's data, made by start() (a suite that never starts leaves nothing behind). */
  private dataDir?: string;
  private etcd?: ChildProcess;
  private ports = 0;

  /** Names of its namespaces start with this (a test's, or a benchmark's prefix). */
  constructor(readonly prefix = TEST_PREFIX + randomBytes(4).toString('hex').slice(0, 5)) {
    this.switchNs = `${prefix}-sw`;
    this.etcdNs = `${prefix}-etcd`;
  }

  async start(): Promise<void> {
    this.dataDir = mkdtempSync(path.join(tmpdir(), 'ferry-etcd-'));
    await createNetns(this.switchNs);
    await this.sh(this.switchNs, 'ip link add br0 type bridge && ip link set br0 up');
    await this.plug(this.etcdNs, '192.0.2.100', true);
    this.etcd = spawn('ip', ['netns', 'exec', this.etcdNs, 'etcd', '--name', 'ferry-test', '--data-dir', this.dataDir,
      '--listen-client-urls', 'http://192.0.2.100:2379', '--advertise-client-urls', 'http://192.0.2.100:2379',
      '--listen-peer-urls', 'http://127.0.0.1:2380', '--initial-advertise-peer-urls', 'http://127.0.0.1:2380', '--initial-cluster', 'ferry-test=http://127.0.0.1:2380'], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error(`etcd did not start: ${log.slice(-500)}`)), 20_000);
      this.etcd!.stderr!.on('data', (c: Buffer) => {
        log += c.toString();
        if (/ready to serve client requests/.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      });
      this.etcd!.on('exit', (code) => reject(new Error(`etcd exited ${code}: ${log.slice(-500)}`)));
    });
  }

  /** Plugs namespace ns into the switch as eth0 with address ip/24 (made if `create`). */
  async plug(ns: string, ip: string, create = false): Promise<void> {
    if (create) await createNetns(ns);
    const port = `p${this.ports++}`;
    await this.sh(ns, `ip link add eth0 type veth peer name ${port} netns ${this.switchNs}`);
    await this.sh(this.switchNs, `ip link set ${port} master br0 && ip link set ${port} up`);
    await configureInterface(ns, { ifname: 'eth0', addresses: [`${ip}/24`] });
  }

  /** Writes one key under /ferry/ as a client in etcd's namespace would (what a host that is not Ferry announces). */
  put(key: string, value: string): Promise<void> {
    return this.client(`c.put(k).value(v)`, key, value);
  }

  del(key: string): Promise<void> {
    return this.client(`c.delete().key(k)`, key, '');
  }

  private async client(op: string, key: string, value: string): Promise<void> {
    const script = `const { Etcd3 } = require(process.argv[1]); const c = new Etcd3({ hosts: 'http://192.0.2.100:2379' }); const [k, v] = process.argv.slice(2); ${op}.then(() => c.close(), (e) => { console.error(e.message); process.exit(1); });`;
    const r = await execIn(this.etcdNs, [process.execPath, '-e', script, require.resolve('etcd3'), `/ferry/${key}`, value]);
    if (r.code !== 0) throw new Error(`${op} ${key}: ${r.stderr}`);
  }

  /** Stops etcd alone (the store gone for the daemons); stop() still removes everything. */
  async stopEtcd(): Promise<void> {
    if (this.etcd && this.etcd.exitCode === null && this.etcd.signalCode === null) {
      const exited = new Promise((r) => this.etcd!.once('exit', r));
      this.etcd.kill('SIGTERM');
      await exited;
    }
  }

  async stop(): Promise<void> {
    await this.stopEtcd();
    await deleteNetns(this.etcdNs).catch(() => undefined);
    await deleteNetns(this.switchNs).catch(() => undefined);
    sweep(this.prefix);
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async sh(ns: string, cmd: string): Promise<void> {
    const r = await execIn(ns, ['sh', '-c', cmd]);
    if (r.code !== 0) throw new Error(`${cmd} in ${ns}: ${r.stderr}`);
  }
}
