import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type RunResult, run } from '../../src/netns';
import { busyboxTarball } from './busybox-image';
import type { DaemonLab } from './daemon';
import { killMentioning, unmountUnder } from './runtime-dirs';

/**
 * Debian's podman 4 with its CNI backend, every piece of its state in the
 * lab's directory: storage, run root, events, and the CNI configuration
 * directory holding one list that names Ferry's plugin. It runs in the
 * lab's host namespace (nsenter --net), where it holds published ports.
 * The ulimits are set because this machine's hard limits are below
 * podman's defaults (runc: "error setting rlimit ... operation not
 * permitted"); the only nameserver is Ferry's resolver (no real DNS).
 */
export class PodmanLab {
  readonly dir: string;
  private readonly conf: string;

  constructor(
    private readonly lab: DaemonLab,
    /** The CNI network's name, and the Ferry network it attaches to. */
    readonly network: string,
  ) {
    this.dir = path.join(lab.dir, 'podman');
    this.conf = path.join(this.dir, 'containers.conf');
    lab.onCleanup(() => this.cleanup());
  }

  async init(): Promise<void> {
    const cniDir = path.join(this.dir, 'cni');
    mkdirSync(cniDir, { recursive: true });
    writeFileSync(
      this.conf,
      [
        '[containers]',
        'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
        'dns_servers = ["127.0.0.11"]',
        '[network]',
        'network_backend = "cni"',
        'cni_plugin_dirs = ["/opt/cni/bin", "/usr/lib/cni"]',
        `network_config_dir = "${cniDir}"`,
        '[engine]',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        `events_logfile_path = "${path.join(this.dir, 'events.log')}"`,
        '',
      ].join('\n'),
    );
    const plugin = { type: 'ferry', network: this.network, socket: this.lab.socket, capabilities: { portMappings: true, ips: true, mac: true, aliases: true } };
    writeFileSync(path.join(cniDir, `${this.network}.conflist`), JSON.stringify({ cniVersion: '1.0.0', name: this.network, plugins: [plugin] }, null, 2));
    const r = await this.podman('import', busyboxTarball(this.dir), 'busybox:ferry');
    if (r.code !== 0) throw new Error(`podman import: ${r.stderr}`);
  }

  podman(...args: string[]): Promise<RunResult> {
    const argv = [`--net=/run/netns/${this.lab.hostNs}`, 'podman', '--root', path.join(this.dir, 'root'), '--runroot', path.join(this.dir, 'run'), '--storage-driver', 'overlay', ...args];
    return run('nsenter', argv, { env: { ...process.env, CONTAINERS_CONF: this.conf }, timeoutMs: 60_000 });
  }

  async ok(...args: string[]): Promise<string> {
    const r = await this.podman(...args);
    if (r.code !== 0) throw new Error(`podman ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  }

  async cleanup(): Promise<void> {
    await this.podman('rm', '--all', '--force', '--time', '0');
    killMentioning(path.join(this.dir, 'run')); // conmon of a container a failed test left
    await unmountUnder(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
