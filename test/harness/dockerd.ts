import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type RunResult, run } from '../../src/netns';
import { busyboxTarball } from './busybox-image';
import { killMentioning, unmountUnder } from './runtime-dirs';
import type { DaemonLab } from './daemon';

const NO_IPTABLES = path.join(__dirname, '..', '..', 'lib', 'docker-no-iptables');
const DOCKER = '/usr/bin/docker';

/**
 * containerd and dockerd as a user runs them beside Ferry, in the daemon's
 * "host" namespace (dockerd moves the TAPs Ferry makes there), with every
 * piece of state in the lab's directory: dockerd --iptables=false
 * --ip6tables=false --bridge=none --ip-forward=false --ip-masq=false
 * --userland-proxy=false --live-restore, lib/docker-no-iptables first on its
 * PATH. Both enter with nsenter --net: `ip netns exec` mounts a new /sys
 * over the host's, and on this cgroup v1 machine runc then finds no cgroup
 * mount ("Devices cgroup isn't mounted").
 */
export class DockerLab {
  readonly dir: string;
  readonly socket: string;
  private containerd?: ChildProcess;
  private dockerd?: ChildProcess;
  log = '';

  constructor(
    private readonly lab: DaemonLab,
    /**
     * pluginDir: dockerd (and containerd) run in a mount namespace of their
     * own where this directory is /run/docker/plugins, so two "hosts" on one
     * machine each find their own Ferry under the same driver name.
     * clusterStore: dockerd's classic cluster store and the address it advertises.
     */
    private readonly opts: { pluginDir?: string; clusterStore?: { url: string; advertise: string }; dir?: string } = {},
  ) {
    this.dir = opts.dir ?? path.join(lab.dir, 'docker');
    this.socket = path.join(this.dir, 'docker.sock');
    lab.onCleanup(() => this.cleanup());
  }

  get host(): string {
    return `unix://${this.socket}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const containerd = ['containerd', '--root', path.join(this.dir, 'containerd'), '--state', path.join(this.dir, 'containerd-state'), '--address', path.join(this.dir, 'containerd.sock')];
    const dockerd = [
      'dockerd', '--data-root', path.join(this.dir, 'root'), '--exec-root', path.join(this.dir, 'exec'), '--pidfile', path.join(this.dir, 'dockerd.pid'),
      '-H', this.host, '--containerd', path.join(this.dir, 'containerd.sock'),
      '--iptables=false', '--ip6tables=false', '--bridge=none', '--ip-forward=false', '--ip-masq=false', '--userland-proxy=false', '--live-restore',
      ...(this.opts.clusterStore ? ['--cluster-store', this.opts.clusterStore.url, '--cluster-advertise', this.opts.clusterStore.advertise] : []),
    ];
    if (this.opts.pluginDir) {
      // Both in one private mount namespace: containerd must see the root filesystems dockerd mounts.
      const script = `mount --make-rprivate / && mkdir -p /run/docker/plugins && mount --bind ${this.opts.pluginDir} /run/docker/plugins && { ${containerd.join(' ')} & sleep 1; exec ${dockerd.join(' ')}; }`;
      this.dockerd = this.spawn(['unshare', '-m', 'sh', '-c', script]);
    } else {
      if (!this.containerd) {
        this.containerd = this.spawn(containerd);
        await this.until(() => existsSync(path.join(this.dir, 'containerd.sock')), 'containerd');
      }
      this.dockerd = this.spawn(dockerd);
    }
    await this.until(async () => (await this.docker('version')).code === 0, 'dockerd');
  }

  /** Imports the busybox image once, as busybox:ferry. */
  async importImage(): Promise<void> {
    const tarball = busyboxTarball(this.dir);
    const r = await this.docker('import', tarball, 'busybox:ferry');
    if (r.code !== 0) throw new Error(`docker import: ${r.stderr}`);
  }

  docker(...args: string[]): Promise<RunResult> {
    return run(DOCKER, ['-H', this.host, ...args], { timeoutMs: 60_000 });
  }

  async ok(...args: string[]): Promise<string> {
    const r = await this.docker(...args);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}${this.log.slice(-2000)}`);
    return r.stdout.trim();
  }

  /** Stops dockerd only (containers live on: --live-restore). */
  async stopDockerd(): Promise<void> {
    const d = this.dockerd;
    this.dockerd = undefined;
    if (!d || d.exitCode !== null) return;
    const gone = new Promise((r) => d.once('exit', r));
    d.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
    d.kill('SIGKILL');
  }

  /** Containers removed, both daemons stopped, their mounts undone, their files gone; also after a failure. */
  async cleanup(): Promise<void> {
    if (this.dockerd) {
      const ids = (await this.docker('ps', '-aq')).stdout.split('\n').filter(Boolean);
      if (ids.length) await this.docker('rm', '-f', ...ids);
    }
    await this.stopDockerd();
    // Shims that outlived dockerd (a failed test), by the containerd they serve; their containers' processes
    // go with the lab's sweep (their namespaces carry its prefix).
    killMentioning(path.join(this.dir, 'containerd.sock'));
    if (this.containerd && this.containerd.exitCode === null) {
      const gone = new Promise((r) => this.containerd!.once('exit', r));
      this.containerd.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
      this.containerd.kill('SIGKILL');
    }
    await unmountUnder(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(argv: string[]): ChildProcess {
    const env = { ...process.env, PATH: `${NO_IPTABLES}:${process.env.PATH}` };
    const child = spawn('nsenter', [`--net=/run/netns/${this.lab.hostNs}`, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      this.log = (this.log + d.toString()).slice(-200_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    return child;
  }

  private async until(ready: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (const deadline = Date.now() + 30_000; !(await ready()); ) {
      if (Date.now() > deadline) throw new Error(`${what} did not start within 30 s:\n${this.log.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
