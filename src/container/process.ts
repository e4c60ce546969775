import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

/**
 * How a container's command runs: its environment and its user, for `run`
 * (the daemon starts it) and `exec` (the CLI enters it) alike.
 *
 * `--user USER[:GROUP]` (run and exec), by name or number, read against the
 * host's /etc/passwd and /etc/group (a container shares the host's files).
 * As in Docker: a user with no passwd entry must be numeric, and then its
 * group defaults to 0; a named user brings its primary group and its
 * supplementary groups; GROUP overrides the primary group.
 */
export interface RunAs {
  uid: number;
  gid: number;
  /** A passwd entry exists: its supplementary groups apply (setpriv --init-groups). */
  known: boolean;
  home: string;
}

export class UserSpecError extends Error {
  readonly code = 'invalid';
  constructor(spec: string, why: string) {
    super(`--user ${spec}: ${why}`);
    this.name = 'UserSpecError';
  }
}

function table(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

const NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,31}$/;

export function resolveUser(spec: string, files = { passwd: '/etc/passwd', group: '/etc/group' }): RunAs {
  const [user = '', group, extra] = spec.split(':');
  if (extra !== undefined || !NAME.test(user) || (group !== undefined && !NAME.test(group))) throw new UserSpecError(spec, 'expected USER[:GROUP], names or numbers');
  const passwd = table(files.passwd);
  const entry = /^\d+$/.test(user) ? passwd.find((p) => p[2] === user) : passwd.find((p) => p[0] === user);
  if (!entry && !/^\d+$/.test(user)) throw new UserSpecError(spec, `no user "${user}" in ${files.passwd}`);
  let gid = entry ? Number(entry[3]) : 0;
  if (group !== undefined) {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const g = table(files.group).find((x) => x[0] === group);
      if (!g) throw new UserSpecError(spec, `no group "${group}" in ${files.group}`);
      gid = Number(g[2]);
    }
  }
  const uid = entry ? Number(entry[2]) : Number(user);
  if (uid > 0xfffffffe || gid > 0xfffffffe) throw new UserSpecError(spec, 'ids are below 4294967295');
  return { uid, gid, known: !!entry, home: entry?.[5] || '/' };
}

/** A command's exit status as a shell reports it: its code, or 128 + the number of the signal that ended it. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}

/** Docker's search path, for a container whose -e does not set one. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A container's environment, as Docker gives it: PATH, HOSTNAME and HOME,
 * then its -e variables (which may replace them); nothing of the daemon's.
 */
export function containerEnv(hostname: string, home: string, env: string[]): Record<string, string> {
  const out: Record<string, string> = { PATH: DEFAULT_PATH, HOSTNAME: hostname, HOME: home };
  for (const e of env) out[e.slice(0, e.indexOf('='))] = e.slice(e.indexOf('=') + 1);
  return out;
}

/** The command under setpriv when it runs as another user. */
export function runAsArgv(cmd: string[], user: RunAs | undefined): string[] {
  return user ? ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, user.known ? '--init-groups' : '--clear-groups', '--', ...cmd] : cmd;
}
