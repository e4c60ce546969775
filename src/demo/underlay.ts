import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configureInterface, createNetns, deleteNetns, execIn, run } from '../netns';
import { TEST_PREFIX, sweep } from './sweep';

/**
 * An underlay for several test "hosts": a switch (a kernel bridge in a lab
 * namespace) on 192.0.2.0/24, and a real etcd-server at 192.0.2.100 in a
 * namespace of its own, its data in a temporary directory. Hosts are plugged
 * in with plug(); stop() ends etcd and removes everything.
 *
 * With `tls`, etcd serves TLS only and takes only clients with a
 * certificate of its CA (--client-cert-auth): a CA, etcd's certificate and
 * one client certificate are made with openssl beside its data; the
 * daemons get them as `storeArgs`.
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
  constructor(
    readonly prefix = TEST_PREFIX + randomBytes(4).toString('hex').slice(0, 5),
    private readonly tls = false,
  ) {
    this.switchNs = `${prefix}-sw`;
    this.etcdNs = `${prefix}-etcd`;
  }

  /** The daemon's options to reach the store: --cluster-store, and with TLS its --cluster-store-opt. */
  get storeArgs(): string[] {
    if (!this.tls) return ['--cluster-store', this.store];
    const f = (n: string) => path.join(this.dataDir!, 'pki', n);
    return ['--cluster-store', this.store, '--cluster-store-opt', `kv.cacertfile=${f('ca.crt')}`, '--cluster-store-opt', `kv.certfile=${f('client.crt')}`, '--cluster-store-opt', `kv.keyfile=${f('client.key')}`];
  }

  /** The CA (and, with `client`, the client certificate) as the etcd3 client takes them. */
  credentials(client = true): { rootCertificate: Buffer; certChain?: Buffer; privateKey?: Buffer } | undefined {
    if (!this.tls) return undefined;
    const f = (n: string) => readFileSync(path.join(this.dataDir!, 'pki', n));
    return { rootCertificate: f('ca.crt'), ...(client ? { certChain: f('client.crt'), privateKey: f('client.key') } : {}) };
  }

  /** A CA, etcd's certificate (for 192.0.2.100) and one client certificate, with openssl. */
  private async makePki(dir: string): Promise<void> {
    mkdirSync(dir, { mode: 0o700 });
    const ossl = async (...args: string[]) => {
      const r = await run('openssl', args);
      if (r.code !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
    };
    const f = (n: string) => path.join(dir, n);
    await ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=ferry test CA');
    for (const [name, ext] of [['server', 'subjectAltName=IP:192.0.2.100\nextendedKeyUsage=serverAuth'], ['client', 'extendedKeyUsage=clientAuth']] as const) {
      await ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=ferry test ${name}`);
      writeFileSync(f(`${name}.ext`), ext + '\n');
      await ossl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.crt`), '-days', '1', '-extfile', f(`${name}.ext`));
    }
  }

  async start(): Promise<void> {
    this.dataDir = mkdtempSync(path.join(tmpdir(), 'ferry-etcd-'));
    const pki = path.join(this.dataDir, 'pki');
    if (this.tls) await this.makePki(pki);
    const scheme = this.tls ? 'https' : 'http';
    const tlsArgs = this.tls ? ['--cert-file', path.join(pki, 'server.crt'), '--key-file', path.join(pki, 'server.key'), '--client-cert-auth', '--trusted-ca-file', path.join(pki, 'ca.crt')] : [];
    await createNetns(this.switchNs);
    await this.sh(this.switchNs, 'ip link add br0 type bridge && ip link set br0 up');
    await this.plug(this.etcdNs, '192.0.2.100', true);
    // --enable-v2: dockerd's classic cluster store (--cluster-store etcd://) speaks etcd's v2 API; Ferry speaks v3.
    this.etcd = spawn('ip', ['netns', 'exec', this.etcdNs, 'etcd', '--name', 'ferry-test', '--data-dir', path.join(this.dataDir, 'data'), '--enable-v2=true', ...tlsArgs,
      '--listen-client-urls', `${scheme}://192.0.2.100:2379`, '--advertise-client-urls', `${scheme}://192.0.2.100:2379`,
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

  /** Reads one key under /ferry/ as a client in etcd's namespace; `client` false: with the CA alone, no client certificate. */
  async get(key: string, client = true): Promise<{ value?: string; error?: string }> {
    const r = await this.run(`c.get(k).string().then((v) => { console.log(JSON.stringify({ value: v ?? undefined })); c.close(); }, (e) => { console.log(JSON.stringify({ error: e.message })); c.close(); })`, key, '', client);
    return JSON.parse(r.stdout) as { value?: string; error?: string };
  }

  private async client(op: string, key: string, value: string): Promise<void> {
    const r = await this.run(`${op}.then(() => c.close(), (e) => { console.error(e.message); process.exit(1); })`, key, value, true);
    if (r.code !== 0) throw new Error(`${op} ${key}: ${r.stderr}`);
  }

  private run(op: string, key: string, value: string, client: boolean) {
    const creds = this.credentials(client);
    const options = { hosts: `${this.tls ? 'https' : 'http'}://192.0.2.100:2379`, dialTimeout: 3000, ...(creds ? { credentials: Object.fromEntries(Object.entries(creds).map(([k, b]) => [k, b.toString('base64')])) } : {}) };
    const script = `const { Etcd3 } = require(process.argv[1]); const o = JSON.parse(process.argv[4]); if (o.credentials) for (const k in o.credentials) o.credentials[k] = Buffer.from(o.credentials[k], 'base64'); const c = new Etcd3(o); const [k, v] = process.argv.slice(2); ${op};`;
    return execIn(this.etcdNs, [process.execPath, '-e', script, require.resolve('etcd3'), `/ferry/${key}`, value, JSON.stringify(options)]);
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
