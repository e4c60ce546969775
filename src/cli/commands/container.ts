import { UsageError, parseOptions } from '../args';
import { Readable } from 'node:stream';
import { specOf } from '../spec';
import { envEntries } from '../env';
import type { Client } from '../client';
import { formatListing, printInspect, since } from '../format';

type Inspect = {
  Id: string;
  Name: string;
  Created: string;
  Path: string;
  Args: string[];
  State: { Status: string; Running: boolean; Pid: number; ExitCode: number; StartedAt: string; FinishedAt: string };
  NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[] | null>; Networks: Record<string, { NetworkID: string }> };
};

const ref = (s: string) => `/v1/containers/${encodeURIComponent(s)}`;

function status(c: Inspect): string {
  if (c.State.Running) return `Up ${since(c.State.StartedAt)}`;
  if (c.State.Status === 'exited') return `Exited (${c.State.ExitCode}) ${since(c.State.FinishedAt)} ago`;
  return 'Created';
}

function ports(c: Inspect): string {
  return Object.entries(c.NetworkSettings.Ports)
    .map(([k, v]) => (v ? v.map((b) => `${b.HostIp}:${b.HostPort || '?'}->${k}`).join(', ') : k))
    .join(', ');
}

/** Docker's ps fields for a container ({{.ID}}, {{.Names}}, ...), cut as Docker cuts them unless --no-trunc. */
function psRow(c: Inspect, trunc: boolean) {
  const command = [c.Path, ...c.Args].join(' ');
  return {
    ID: trunc ? c.Id.slice(0, 12) : c.Id,
    Command: JSON.stringify(trunc && command.length > 20 ? `${command.slice(0, 19)}…` : command),
    CreatedAt: `${c.Created.replace('T', ' ').slice(0, 19)} +0000 UTC`,
    RunningFor: `${since(c.Created)} ago`,
    Ports: ports(c),
    State: c.State.Status,
    Status: status(c),
    Names: c.Name.slice(1),
    Networks: Object.keys(c.NetworkSettings.Networks ?? {}).join(','),
  };
}

const PS_HEADERS = { ID: 'CONTAINER ID', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS', State: 'STATE', Status: 'STATUS', Names: 'NAMES', Networks: 'NETWORKS' };

/** ps --filter KEY=VALUE: the same key ORs, different keys AND, as in Docker. */
function psFilter(filters: [string, string][]): (c: Inspect) => boolean {
  const by = new Map<string, string[]>();
  for (const [k, v] of filters) by.set(k, [...(by.get(k) ?? []), v]);
  const tests: Record<string, (c: Inspect, v: string) => boolean> = {
    id: (c, v) => c.Id.startsWith(v),
    name: (c, v) => new RegExp(v).test(c.Name.slice(1)),
    network: (c, v) => Object.entries(c.NetworkSettings.Networks ?? {}).some(([name, n]) => name === v || n.NetworkID.startsWith(v)),
    status: (c, v) => c.State.Status === v,
  };
  for (const k of by.keys()) if (!tests[k]) throw new UsageError(`--filter ${k}: unknown filter (accepted: ${Object.keys(tests).join(', ')})`);
  return (c) => [...by].every(([k, vs]) => vs.some((v) => tests[k]!(c, v)));
}

export async function containerCommand(cmd: string, args: string[], client: Client, out: (s: string) => void): Promise<number> {
  switch (cmd) {
    case 'run':
    case 'create': {
      const { options: o, rest: argv } = parseOptions(specOf(cmd), args);
      if (!argv.length) throw new UsageError(`"${cmd}" needs a command: ferry ${cmd} [OPTIONS] -- CMD [ARG...]`);
      if (cmd === 'run' && o.tty && !o.detach && !process.stdin.isTTY) throw new UsageError('-t: the input device is not a TTY');
      const body = {
        ...containerBody(o, argv),
        interactive: !!(o.interactive || o.tty),
        tty: o.tty ? { rows: process.stdout.rows || 24, cols: process.stdout.columns || 80 } : undefined,
      };
      const c = await client.request<Inspect>('POST', cmd === 'create' ? '/v1/containers/create' : '/v1/containers', body);
      if (o.detach || cmd === 'create') {
        out(c.Id);
        return 0;
      }
      return o.interactive || o.tty ? attach(client, c.Id, !!o.interactive, !!o.tty) : follow(client, c.Id);
    }
    case 'ps': {
      const { options: o } = parseOptions(specOf('ps'), args);
      const filters = (o.filter as [string, string][] | undefined) ?? [];
      // A status filter shows stopped containers too, as in Docker.
      const all = o.all || filters.some(([k]) => k === 'status');
      const list = (await client.request<Inspect[]>('GET', `/v1/containers${all ? '?all=1' : ''}`)).filter(psFilter(filters));
      const trunc = !o['no-trunc'];
      if (o.quiet) list.forEach((c) => out(trunc ? c.Id.slice(0, 12) : c.Id));
      else formatListing({ headers: PS_HEADERS, columns: ['ID', 'Command', 'RunningFor', 'Status', 'Ports', 'Names'], rows: list.map((c) => psRow(c, trunc)) }, o.format as string | undefined).forEach((l) => out(l));
      return 0;
    }
    case 'inspect': {
      const { options: o, rest: refs } = parseOptions(specOf('inspect'), args);
      if (!refs.length) throw new UsageError('"inspect" needs at least one CONTAINER');
      const all = [];
      for (const r of refs) all.push(await client.request('GET', ref(r)));
      printInspect(all, o.format as string | undefined, out);
      return 0;
    }
    case 'exec':
      return (await import('./exec')).execCommand(args, client);
    case 'logs': {
      const { options: o, rest: refs } = parseOptions(specOf('logs'), args);
      if (refs.length !== 1) throw new UsageError('"logs" takes one CONTAINER');
      const query = [
        o.follow ? 'follow=1' : '',
        `tail=${(o.tail as string | undefined) ?? 'all'}`,
        o.since ? `since=${o.since as string}` : '',
        o.timestamps ? 'timestamps=1' : '',
      ].filter(Boolean).join('&');
      await client.stream('GET', `${ref(refs[0]!)}/logs?${query}`, undefined, { bytes: (c) => void process.stdout.write(c) });
      return 0;
    }
    case 'stop':
    case 'start': {
      const { options: o, rest: refs } = parseOptions(specOf(cmd), args);
      if (!refs.length) throw new UsageError(`"${cmd}" needs at least one CONTAINER`);
      if (o.attach) {
        if (refs.length !== 1) throw new UsageError('"start -a" takes one CONTAINER');
        const c = await client.request<Inspect & { Config: { Tty?: boolean } }>('GET', ref(refs[0]!));
        await client.request('POST', `${ref(c.Id)}/start`, {});
        // Its terminal was sized at create; this terminal may be another size now.
        if (c.Config.Tty && process.stdout.isTTY) await sizeTerminal(client, c.Id);
        return o.interactive || c.Config.Tty ? attach(client, c.Id, !!o.interactive, !!c.Config.Tty) : follow(client, c.Id);
      }
      if (o.interactive) throw new UsageError('-i goes with -a: ferry start -ai CONTAINER');
      for (const r of refs) {
        await client.request('POST', `${ref(r)}/${cmd}`, cmd === 'stop' ? { timeout: o.time } : {});
        out(r);
      }
      return 0;
    }
    case 'kill': {
      const { options: o, rest: refs } = parseOptions(specOf('kill'), args);
      if (!refs.length) throw new UsageError('"kill" needs at least one CONTAINER');
      for (const r of refs) {
        await client.request('POST', `${ref(r)}/kill`, { signal: o.signal ?? 'SIGKILL' });
        out(r);
      }
      return 0;
    }
    case 'rm': {
      const { options: o, rest: refs } = parseOptions(specOf('rm'), args);
      if (!refs.length) throw new UsageError('"rm" needs at least one CONTAINER');
      for (const r of refs) {
        await client.request('DELETE', `${ref(r)}${o.force ? '?force=1' : ''}`);
        out(r);
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

/** What run and create send: the options as the daemon's RunRequest names them. */
function containerBody(o: Record<string, unknown>, cmd: string[]) {
  return {
    name: o.name,
    cmd,
    network: o.network,
    ip: o.ip,
    ip6: o.ip6,
    mac: o['mac-address'],
    hostname: o.hostname,
    aliases: o['network-alias'],
    dns: o.dns,
    dnsSearch: o['dns-search'],
    dnsOptions: o['dns-option'],
    addHosts: o['add-host'],
    ports: o.publish,
    publishAll: !!o['publish-all'],
    expose: o.expose,
    autoRemove: !!o.rm,
    rateLimit: o['rate-limit'],
    env: envEntries(o.env as string[] | undefined, o['env-file'] as string[] | undefined),
    workdir: o.workdir,
    user: o.user,
    links: o.link,
  };
}

/** A -t container's terminal takes this terminal's size (a container that has none, or has stopped, is left be). */
function sizeTerminal(client: Client, id: string): Promise<unknown> {
  return client.request('POST', `${ref(id)}/resize`, { rows: process.stdout.rows, cols: process.stdout.columns }).catch(() => undefined);
}

/**
 * Foreground `run -i`/`-t`: this terminal's input goes to the container
 * (raw with -t, so Ctrl-C and Ctrl-D reach its terminal), its output comes
 * back, until it stops; then its exit code.
 */
async function attach(client: Client, id: string, interactive: boolean, tty: boolean): Promise<number> {
  const waiting = client.request<{ exitCode: number; log: string }>('POST', `${ref(id)}/wait`);
  const raw = tty && process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  // The caller's terminal changes size: the container's follows.
  const resize = () => void sizeTerminal(client, id);
  if (tty && process.stdout.isTTY) process.stdout.on('resize', resize);
  try {
    const input = interactive ? process.stdin : Readable.from([]);
    await client.pipe('POST', `${ref(id)}/attach`, input, (c) => void process.stdout.write(c));
    return (await waiting).exitCode;
  } finally {
    process.stdout.off('resize', resize);
    if (raw) process.stdin.setRawMode(false);
    if (interactive) process.stdin.pause();
  }
}

/** Foreground `run`: the container's output streamed as it comes (logs -f), then its exit code. */
async function follow(client: Client, id: string): Promise<number> {
  const waiting = client.request<{ exitCode: number; log: string }>('POST', `${ref(id)}/wait`);
  // Ctrl-C and SIGTERM go to the container, as Docker's signal proxy does;
  // its exit (and exit code) then ends this command.
  const proxy = (signal: NodeJS.Signals) => void client.request('POST', `${ref(id)}/kill`, { signal }).catch(() => undefined);
  process.on('SIGINT', proxy);
  process.on('SIGTERM', proxy);
  let streamed = true;
  await client.stream('GET', `${ref(id)}/logs?follow=1`, undefined, { bytes: (c) => void process.stdout.write(c) }).catch(() => (streamed = false));
  const done = await waiting;
  if (!streamed) process.stdout.write(done.log); // it ended, and --rm removed it, before the stream began
  return done.exitCode;
}

