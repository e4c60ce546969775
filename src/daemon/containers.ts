import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { isIP } from 'node:net';
import { constants } from 'node:os';
import { type PortBinding, parseExpose, parsePortSpec } from '../container/port-spec';
import { parseRateLimit } from '../container/rate-limit';
import { resolveUser } from '../container/process';
import { type LinkTarget, linkEnv, linkHostsLine, parseLink } from '../container/links';
import { netnsPath } from '../netns';
import { badRequest, conflict, notFound } from './errors';
import { RESOLVER_ADDRESS, type DnsService } from '../dns/server';
import { containerFiles, writeHosts, writeResolvConf } from './files';
import type { Logger } from './log';
import type { ContainerDoc, NetworkMode, NetworkRequest } from './model';
import type { RunSpec } from './requests';
import { BRIDGE_OPTIONS } from './networks';
import { Publisher, type PublishedPort } from '../nat/publisher';
import { type LogRequest, sendLog } from './logs';
import { childrenOf, isAlive, pidStartTime, spawnContainer, stopProcessGroup } from './processes';
import type { Events } from './events';
import type { Sandboxes } from './sandboxes';
import type { State } from './state';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export interface ExitResult {
  exitCode: number;
  log: string;
}

export class Containers {
  /** Exit codes of processes this daemon started (it is their parent). */
  private readonly exitCodes = new Map<number, number>();
  /** The stdin of -i containers this daemon started: attach feeds it. */
  private readonly stdins = new Map<string, import('node:stream').Writable>();
  /** Pids this daemon started, and when they exit: their exit arrives as an event, no polling needed. */
  private readonly children = new Map<number, Promise<number>>();
  /** Callers of wait(), answered when the container exits, before --rm removes it. */
  private readonly waiters = new Map<string, ((r: ExitResult) => void)[]>();
  /**
   * Results of --rm containers, kept a minute after removal: a quick command
   * can exit and be removed before the CLI's wait() arrives.
   */
  private readonly removedResults = new Map<string, ExitResult & { at: number }>();

  constructor(
    private readonly state: State,
    private readonly sandboxes: Sandboxes,
    private readonly stateDir: string,
    private readonly log: Logger,
    private readonly hostResolvConf: string,
    private readonly dns: DnsService,
    private readonly publisher: Publisher,
    private readonly events: Events,
    /** The daemon's nameservers (daemon.json dns), for containers without --dns. */
    private readonly defaultDns: () => string[] = () => [],
  ) {}

  /** `ferry create`: the container's document, not started; it can be connected to networks before start. */
  async create(spec: RunSpec): Promise<ContainerDoc> {
    const doc = this.validate(spec);
    await this.state.saveContainer(doc);
    this.events.emit('container', 'create', doc.id, { name: doc.name });
    this.log('container.create', { id: doc.id, name: doc.name, mode: doc.mode.kind });
    return doc;
  }

  async run(spec: RunSpec): Promise<ContainerDoc> {
    const doc = await this.create(spec);
    try {
      await this.start(doc);
    } catch (e) {
      await this.state.deleteContainer(doc.id); // nothing is left of a run that failed
      rmSync(containerFiles(this.stateDir, doc.id).dir, { recursive: true, force: true });
      throw e;
    }
    this.log('container.run', { id: doc.id, name: doc.name, mode: doc.mode.kind, addresses: doc.endpoints.map((e) => e.ipv4) });
    return doc;
  }

  async start(c: ContainerDoc): Promise<void> {
    if (c.state === 'running') throw conflict(`container "${c.name}" is already running`);
    let joinPath: string | undefined;
    if (c.mode.kind === 'container') {
      const target = this.state.containers.get(c.mode.containerId);
      if (!target || target.state !== 'running') throw conflict(`container "${c.name}" joins the network of a container that is not running`);
      joinPath = target.netns ? netnsPath(target.netns) : undefined;
    }
    await this.sandboxes.create(c);
    try {
      const files = containerFiles(this.stateDir, c.id);
      const addresses = c.endpoints.flatMap((e) => [e.ipv4, e.ipv6]).filter((a): a is string => !!a);
      const linked = this.linkTargets(c);
      writeHosts(files, { hostname: c.hostname, name: c.name, addresses, extraHosts: c.extraHosts, more: linked.map(linkHostsLine) });
      // A container: joiner uses the resolver of the namespace it joins, which has one only in bridge mode,
      // on a bridge network (macvlan and ipvlan networks' gateways are the segment's routers, not Ferry).
      const joined = c.mode.kind === 'container' ? this.state.containers.get(c.mode.containerId) : undefined;
      const resolves = (x: ContainerDoc | undefined) => x?.mode.kind === 'bridge' && (!x.endpoints.length || x.endpoints.some((e) => e.resolver));
      const embedded = resolves(c) || resolves(joined) ? RESOLVER_ADDRESS : undefined;
      writeResolvConf(files, { dns: c.dns.length ? c.dns : this.defaultDns(), dnsSearch: c.dnsSearch, dnsOptions: c.dnsOptions, hostResolvConf: this.hostResolvConf, embedded });
      c.published = await this.publish(c);
      const { pid, exited, stdin } = spawnContainer({
        cmd: c.cmd,
        netnsPath: c.netns ? netnsPath(c.netns) : joinPath,
        files,
        hostname: c.hostname,
        isolated: c.mode.kind !== 'host',
        env: [...(c.tty ? ['TERM=xterm'] : []), ...linked.flatMap((t) => linkEnv(c.name, t)), ...(c.env ?? [])],
        workdir: c.workdir,
        user: c.user === undefined ? undefined : resolveUser(c.user),
        interactive: !!c.interactive,
        tty: c.tty,
      });
      if (stdin) this.stdins.set(c.id, stdin);
      this.children.set(pid, exited);
      void exited.then(() => this.stdins.delete(c.id));
      void exited.then((code) => {
        this.exitCodes.set(pid, code);
        this.children.delete(pid);
        void this.state.exclusive(async () => {
          const now = this.state.containers.get(c.id);
          if (now?.state === 'running' && now.pid === pid) await this.exited(now);
        });
      });
      c.pid = pid;
      c.pidStart = pidStartTime(pid);
      try {
        await this.sandboxes.pin(c);
      } catch (e) {
        // A command that already ended needs no name: its exit releases the sandbox.
        if (isAlive(pid, c.pidStart)) {
          process.kill(-pid, 'SIGKILL');
          throw e;
        }
      }
      c.state = 'running';
      c.startedAt = new Date().toISOString();
      c.exitCode = undefined;
      c.finishedAt = undefined;
      await this.state.saveContainer(c);
      this.events.emit('container', 'start', c.id, { name: c.name });
    } catch (e) {
      this.publisher.unpublish(c.id);
      c.published = undefined;
      await this.sandboxes.destroy(c);
      throw e;
    }
  }

  /**
   * -p and -P, on the first network that is not --internal (Docker publishes
   * nothing for internal networks, or in host and none modes).
   */
  private async publish(c: ContainerDoc): Promise<PublishedPort[]> {
    const bindings = Publisher.requested(c.ports, c.exposed, c.publishAll);
    if (c.mode.kind !== 'bridge' || !bindings.length) return [];
    const ep = c.endpoints.find((e) => e.ipv4 && !this.state.networks.get(e.networkId)?.internal);
    if (!ep) return [];
    const hostIp = this.state.networks.get(ep.networkId)?.options[BRIDGE_OPTIONS.hostBinding] ?? '';
    return this.publisher.publish(c.id, bindings, ep.ipv4!, hostIp, ep.ipv6);
  }

  /** After a daemon restart: the running container's mappings, installed again as they were. */
  async republish(c: ContainerDoc): Promise<void> {
    if (c.published?.length) await this.publisher.restore(c.id, c.published);
  }

  /** Sends a signal to the container's process group (`ferry kill`, and Ctrl-C on a foreground run). */
  kill(c: ContainerDoc, signal: string): void {
    const name = (/^SIG/.test(signal) ? signal : `SIG${signal}`).toUpperCase();
    if (!(name in constants.signals)) throw badRequest(`"${signal}" is not a signal (for example SIGTERM, INT, KILL)`);
    if (c.state !== 'running') throw conflict(`container "${c.name}" is not running`);
    this.events.emit('container', 'kill', c.id, { name: c.name, signal: String(constants.signals[name as NodeJS.Signals]) });
    try {
      process.kill(-c.pid!, name as NodeJS.Signals);
    } catch {
      /* it exited meanwhile: the exit is reported as usual */
    }
  }

  /**
   * SIGTERM, SIGKILL after the grace period, then the sandbox released. The
   * wait runs outside the state's lock: a container that ignores SIGTERM
   * holds up only its own stop, never another request.
   */
  async stop(ref: string, graceSeconds = 10): Promise<void> {
    const c = this.state.container(ref);
    if (c.state !== 'running') return;
    const { pid, pidStart } = c;
    await stopProcessGroup(pid!, pidStart, graceSeconds * 1000);
    await this.children.get(pid!); // our child: its exit code comes with the exit event
    await this.state.exclusive(async () => {
      const now = this.state.containers.get(c.id);
      if (now?.state === 'running' && now.pid === pid) await this.exited(now);
    });
    this.events.emit('container', 'stop', c.id, { name: c.name });
  }

  async remove(c: ContainerDoc, force: boolean): Promise<void> {
    if (c.state === 'running' && !force) throw conflict(`container "${c.name}" is running: stop it first, or remove it with -f`);
    const users = [...this.state.containers.values()].filter((o) => o.state === 'running' && o.mode.kind === 'container' && o.mode.containerId === c.id);
    if (users.length) throw conflict(`container "${c.name}" shares its network with ${users.map((u) => u.name).join(', ')}; remove them first`);
    if (c.state === 'running') {
      await stopProcessGroup(c.pid!, c.pidStart, 0); // SIGKILL at once: a short wait, under the lock
      await this.children.get(c.pid!);
      await this.exited(c);
    }
    // Forget it first, then delete its files: no request may find the
    // container and read files that are already gone.
    await this.state.deleteContainer(c.id);
    rmSync(containerFiles(this.stateDir, c.id).dir, { recursive: true, force: true });
    this.log('container.remove', { id: c.id, name: c.name });
    this.events.emit('container', 'destroy', c.id, { name: c.name });
  }

  /** Called when the process is gone: release the sandbox (and the addresses) as Docker does. */
  async exited(c: ContainerDoc): Promise<void> {
    if (c.state !== 'running') return;
    c.state = 'exited';
    c.exitCode = this.exitCodes.get(c.pid!) ?? c.exitCode ?? -1;
    this.exitCodes.delete(c.pid!);
    c.finishedAt = new Date().toISOString();
    c.pid = undefined;
    c.pidStart = undefined;
    this.dns.forget(c.id);
    this.publisher.unpublish(c.id);
    c.published = undefined;
    await this.sandboxes.destroy(c);
    await this.state.saveContainer(c);
    this.log('container.exit', { id: c.id, name: c.name, exitCode: c.exitCode });
    this.events.emit('container', 'die', c.id, { name: c.name, exitCode: String(c.exitCode) });
    const result: ExitResult = { exitCode: c.exitCode, log: this.readLog(c) };
    (this.waiters.get(c.id) ?? []).forEach((w) => w(result));
    this.waiters.delete(c.id);
    if (c.autoRemove) {
      const now = Date.now();
      for (const [id, r] of this.removedResults) if (now - r.at > 60_000) this.removedResults.delete(id);
      this.removedResults.set(c.id, { ...result, at: now });
      await this.remove(c, false);
    }
  }

  /** Resolves with the exit code and the whole output once the container has exited. */
  wait(ref: string): Promise<ExitResult> {
    const removed = this.removedResults.get(ref);
    if (removed) return Promise.resolve({ exitCode: removed.exitCode, log: removed.log });
    const c = this.state.findContainer(ref);
    if (!c) return Promise.reject(notFound(`container "${ref}" not found`));
    if (c.state !== 'running') return Promise.resolve({ exitCode: c.exitCode ?? 0, log: this.readLog(c) });
    return new Promise((resolve) => this.waiters.set(c.id, [...(this.waiters.get(c.id) ?? []), resolve]));
  }

  /** The running containers it links to, as it is told of them (src/container/links.ts). */
  private linkTargets(c: ContainerDoc): LinkTarget[] {
    return (c.links ?? []).map(({ id, alias }) => {
      const t = this.state.containers.get(id);
      if (!t || t.state !== 'running') throw conflict(`cannot link to a container that is not running (${t?.name ?? id.slice(0, 12)}, as ${alias})`);
      const ip = t.endpoints.find((e) => this.state.networks.get(e.networkId)?.isDefault)?.ipv4;
      if (!ip) throw conflict(`cannot link to "${t.name}": it is not on the default bridge`);
      const ports = [...t.exposed, ...t.ports.map((p) => ({ port: p.containerPort, protocol: p.protocol }))];
      const unique = [...new Map(ports.map((p) => [`${p.port}/${p.protocol}`, p])).values()];
      return { alias, id: t.id, name: t.name, ip, ports: unique, env: t.env ?? [] };
    });
  }

  /** attach: what the client sends becomes the container's stdin (its end, with -i alone, is the stdin's end). */
  attachInput(c: ContainerDoc, input: NodeJS.ReadableStream): void {
    const stdin = this.stdins.get(c.id);
    if (!stdin) throw conflict(`container "${c.name}" was not started with -i by this daemon: it has no stdin to attach to`);
    stdin.on('error', () => undefined);
    input.on('data', (chunk: Buffer) => stdin.write(chunk));
    input.on('end', () => {
      if (!c.tty) stdin.end();
    });
  }

  /**
   * A -t container's terminal takes a new size: its pty (the terminal of
   * script(1)'s child, on the host's devpts) is set with stty, and the
   * kernel tells its foreground processes (SIGWINCH).
   */
  async resize(c: ContainerDoc, size: { rows: number; cols: number }): Promise<void> {
    if (!c.tty || c.state !== 'running') throw conflict(`container "${c.name}" has no terminal (it was not run with -t, or it is not running)`);
    // Just after start, script(1) may not have made the terminal yet: look for up to a second.
    let pty: string | undefined;
    for (let i = 0; i < 50 && !pty; i++) {
      if (i) await new Promise((r) => setTimeout(r, 20));
      pty = terminalBelow(c.pid!);
    }
    if (!pty) throw conflict(`container "${c.name}": its terminal is not found`);
    await promisify(execFile)('stty', ['-F', pty, 'rows', String(size.rows), 'cols', String(size.cols)]);
  }

  /** Its output as `logs` and attach send it (daemon/logs.ts), until it has stopped when following. */
  sendLog(c: ContainerDoc, opts: LogRequest, write: (chunk: Buffer) => Promise<void>, closed: () => boolean): Promise<void> {
    return sendLog(containerFiles(this.stateDir, c.id), { ...opts, running: () => this.state.containers.get(c.id)?.state === 'running' }, write, closed);
  }

  /** Whether its log has the times of its lines (it was started through the log shim), or there is no log yet. */
  hasLogTimes(c: ContainerDoc): boolean {
    const files = containerFiles(this.stateDir, c.id);
    return existsSync(files.logTimes) || !existsSync(files.log);
  }

  readLog(c: ContainerDoc): string {
    try {
      return readFileSync(containerFiles(this.stateDir, c.id).log, 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * Running containers whose process has ended, among those this daemon did
   * not start (adopted after a restart): it is not their parent, so no exit
   * event comes for them.
   */
  async reap(): Promise<void> {
    for (const c of [...this.state.containers.values()]) {
      if (c.state === 'running' && !c.docker && !c.cni && !this.children.has(c.pid!) && !isAlive(c.pid, c.pidStart)) await this.exited(c);
    }
  }

  private validate(spec: RunSpec): ContainerDoc {
    if (!spec.cmd?.length) throw badRequest('no command given: ferry run [OPTIONS] -- CMD [ARG...]');
    const id = randomBytes(32).toString('hex');
    const name = spec.name ?? `ferry_${id.slice(0, 8)}`;
    if (!NAME.test(name)) throw badRequest(`container name "${name}" is invalid: 2 or more of [a-zA-Z0-9_.-], starting with a letter or digit`);
    const clash = this.state.findContainer(name);
    if (clash?.name === name) throw conflict(`container name "${name}" is already in use by container ${clash.id.slice(0, 12)}; remove or rename that container`);
    if (spec.mac !== undefined) checkMac(spec.mac);
    const mode = this.mode(spec);
    for (const d of spec.dns ?? []) if (!isIP(d)) throw badRequest(`--dns ${d}: not an IP address`);
    const extraHosts = (spec.addHosts ?? []).map((h) => {
      const at = h.search(/[:=]/);
      const host = at > 0 ? h.slice(0, at) : '';
      const ip = at > 0 ? h.slice(at + 1) : '';
      if (!host || !isIP(ip)) throw badRequest(`--add-host "${h}": expected NAME:IP`);
      return { name: host, ip };
    });
    if (spec.rateLimit !== undefined) parseRateLimit(spec.rateLimit);
    for (const e of spec.env ?? []) if (!/^[^=\0]+=/.test(e) || e.includes('\0')) throw badRequest(`--env "${e}": expected KEY=VALUE`);
    if (spec.workdir !== undefined && !spec.workdir.startsWith('/')) throw badRequest(`--workdir "${spec.workdir}": expected an absolute path`);
    if (spec.user !== undefined) resolveUser(spec.user);
    const links = (spec.links ?? []).map((l) => {
      const { name: target, alias } = parseLink(l);
      const t = this.state.findContainer(target);
      if (!t) throw badRequest(`--link ${l}: no such container "${target}"`);
      const onDefault = mode.kind === 'bridge' && mode.networks.length === 1 && !!this.state.networks.get(mode.networks[0]!.networkId)?.isDefault;
      if (!onDefault) throw badRequest(`--link ${l}: links are for the default bridge; on user-defined networks containers reach each other by name`);
      return { id: t.id, alias };
    });
    const ports: PortBinding[] = (spec.ports ?? []).flatMap(parsePortSpec);
    const exposed = (spec.expose ?? []).flatMap(parseExpose);
    return {
      id,
      name,
      created: new Date().toISOString(),
      hostname: spec.hostname ?? (mode.kind === 'host' ? '' : id.slice(0, 12)),
      cmd: spec.cmd,
      mode,
      networkMode: mode.kind === 'bridge' ? this.state.networks.get(mode.networks[0]!.networkId)?.name : undefined,
      dns: spec.dns ?? [],
      dnsSearch: spec.dnsSearch ?? [],
      dnsOptions: spec.dnsOptions ?? [],
      extraHosts,
      ports,
      exposed,
      publishAll: !!spec.publishAll,
      autoRemove: !!spec.autoRemove,
      rateLimit: spec.rateLimit,
      env: spec.env ?? [],
      workdir: spec.workdir,
      user: spec.user,
      links,
      interactive: spec.interactive || undefined,
      tty: spec.tty,
      state: 'created',
      endpoints: [],
    };
  }

  /** --network, with the flags Docker refuses in each mode refused the same way. */
  private mode(spec: RunSpec): NetworkMode {
    const net = spec.network ?? 'bridge';
    if (net.startsWith('container:')) {
      const conflicts: [unknown, string][] = [
        [spec.hostname, 'hostname'],
        [spec.mac, 'mac-address'],
        [spec.dns?.length || spec.dnsSearch?.length || spec.dnsOptions?.length, 'dns'],
        [spec.addHosts?.length, 'custom host-to-IP mapping'],
        [spec.ports?.length || spec.publishAll || spec.expose?.length, 'port publishing'],
        [spec.ip || spec.ip6, 'ip'],
        [spec.aliases?.length, 'network-alias'],
        [spec.rateLimit, 'rate-limit'],
      ];
      for (const [given, what] of conflicts) if (given) throw badRequest(`conflicting options: ${what} and the network mode (container:)`);
      const target = this.state.findContainer(net.slice('container:'.length));
      if (!target) throw badRequest(`--network ${net}: no such container`);
      if (target.state !== 'running') throw conflict(`--network ${net}: container "${target.name}" is not running`);
      return { kind: 'container', containerId: target.mode.kind === 'container' ? target.mode.containerId : target.id };
    }
    const doc = this.state.findNetwork(net);
    if (!doc) throw badRequest(`network "${net}" not found`);
    if (doc.driver === 'host' || doc.driver === 'null') {
      if (spec.mac) throw badRequest(`conflicting options: mac-address and the network mode (${doc.name})`);
      if (spec.ip || spec.ip6 || spec.aliases?.length) throw badRequest(`--ip, --ip6 and --network-alias need a bridge network, not "${doc.name}"`);
      return doc.driver === 'host' ? { kind: 'host' } : { kind: 'none' };
    }
    if ((spec.ip || spec.ip6) && doc.isDefault) throw badRequest('user specified IP address is supported on user defined networks only');
    if (spec.aliases?.length && doc.isDefault) throw badRequest('network-scoped alias is supported only for containers in user defined networks');
    const req: NetworkRequest = { networkId: doc.id, ipv4: spec.ip, ipv6: spec.ip6, aliases: spec.aliases ?? [], mac: spec.mac };
    return { kind: 'bridge', networks: [req] };
  }
}

/** --mac-address: six octets, unicast (the group bit clear) and not all zero, as a NIC's own address must be. */
export function checkMac(mac: string): void {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw badRequest(`--mac-address ${mac}: not a MAC address (aa:bb:cc:dd:ee:ff)`);
  const octets = mac.split(':').map((o) => parseInt(o, 16));
  if (octets[0]! & 1) throw badRequest(`--mac-address ${mac}: a multicast or broadcast address cannot be an interface's own`);
  if (octets.every((o) => o === 0)) throw badRequest(`--mac-address ${mac}: the all-zero address cannot be an interface's own`);
}

/** The terminal of the first process under pid whose stdin is one (the log shim, then script(1), then the command). */
function terminalBelow(pid: number): string | undefined {
  let level = [pid];
  for (let depth = 0; depth < 4 && level.length; depth++) {
    const next: number[] = [];
    for (const p of level) {
      try {
        const fd0 = readlinkSync(`/proc/${p}/fd/0`);
        if (depth > 0 && /^\/dev\/pts\/\d+$/.test(fd0)) return fd0;
        next.push(...childrenOf(p));
      } catch {
        /* gone meanwhile */
      }
    }
    level = next;
  }
  return undefined;
}
