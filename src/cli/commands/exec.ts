import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { containerEnv, exitStatus, resolveUser, runAsArgv } from '../../container/process';
import { UsageError, parseOptions } from '../args';
import type { Client } from '../client';
import { envEntries } from '../env';
import { specOf } from '../spec';

interface Target {
  Config: { Hostname: string; User: string; WorkingDir: string };
  State: { Running: boolean; Pid: number };
}

/** The environment of a running process, from /proc/PID/environ. */
function processEnv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter((e) => e.includes('='));
  } catch {
    return [];
  }
}

/**
 * `ferry exec`: a command in a running container's namespaces (network, UTS,
 * mount), entered with nsenter from here. It gets the container's
 * environment (its main process's, plus -e), working directory and user
 * unless given. With -t it runs on this terminal; without, its output comes
 * through pipes (so it sees no terminal, as in Docker), and stdin only with -i.
 */
export async function execCommand(args: string[], client: Client): Promise<number> {
  const { options: o, rest: argv } = parseOptions(specOf('exec'), args);
  const [name, ...command] = argv[0] === '--' ? argv.slice(1) : argv;
  const cmdArgs = command[0] === '--' ? command.slice(1) : command;
  if (!name || !cmdArgs.length) throw new UsageError('"exec" takes CONTAINER and a command: ferry exec [OPTIONS] CONTAINER [--] CMD [ARG...]');
  if (o.tty && !process.stdin.isTTY && !o.detach) throw new UsageError('-t: the input device is not a TTY');
  const c = await client.request<Target>('GET', `/v1/containers/${encodeURIComponent(name)}`);
  if (!c.State.Running) throw new UsageError(`container "${name}" is not running`);
  if (!c.State.Pid) throw new UsageError(`container "${name}" runs under Docker or a CNI runtime, not Ferry: use that runtime's exec`);
  const userSpec = (o.user as string | undefined) ?? c.Config.User;
  const user = userSpec ? resolveUser(userSpec) : undefined;
  const own = processEnv(c.State.Pid);
  const env = containerEnv(c.Config.Hostname, user?.home ?? '/root', [...own, ...envEntries(o.env as string[] | undefined)]);
  if (o.tty) env.TERM ??= process.env.TERM ?? 'xterm';
  const workdir = (o.workdir as string | undefined) ?? (c.Config.WorkingDir || '/');
  const nsenter = ['--target', String(c.State.Pid), '--net', '--uts', '--mount', `--wd=${workdir}`, '--', ...runAsArgv(cmdArgs, user)];
  if (o.detach) {
    spawn('nsenter', nsenter, { env, detached: true, stdio: 'ignore' }).unref();
    return 0;
  }
  const child = spawn('nsenter', nsenter, { env, stdio: o.tty ? 'inherit' : [o.interactive ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (!o.tty) {
    if (o.interactive) process.stdin.pipe(child.stdin!);
    child.stdout!.pipe(process.stdout, { end: false });
    child.stderr!.pipe(process.stderr, { end: false });
  }
  // Ctrl-C goes to the command (it shares the terminal's process group with -t; without, forward it).
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  if (!o.tty) process.on('SIGINT', forward);
  const code = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(126));
    child.on('close', (status, signal) => resolve(exitStatus(status, signal)));
  });
  process.off('SIGINT', forward);
  if (o.interactive && !o.tty) process.stdin.unpipe();
  return code;
}
