import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';
import { onPty } from '../harness/pty';

const ferry = path.join(__dirname, '..', '..', 'bin', 'ferry');

/** run and exec with -e, --env-file, -w, -u, -i and -t, as Docker's users type them. */
describe('the environment, directory, user and terminal of run and exec', () => {
  const d = useDaemon();
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-env-'));
  chmodSync(dir, 0o755); // the container's user (nobody) works in a directory below it
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sh = (script: string, env: Record<string, string> = {}) => d().shell(script, env);

  it('run: -e (given and from the shell), --env-file, -w (made), -u by name; nothing of the daemon leaks in', async () => {
    writeFileSync(path.join(dir, 'env'), '# settings\nB=two words\n\nC\nA=from-file\n');
    const r = await sh(`${ferry} run -d --name p1 -e A=1 -e FROM_SHELL -e UNSET_HERE --env-file ${dir}/env -w ${dir}/wd -u nobody -- sleep infinity`, { FROM_SHELL: 'shell value', C: 'c-from-shell' });
    expect(r.code).toBe(0);
    expect(await d().ok('exec', 'p1', '--', 'sh', '-c', 'echo "$A|$FROM_SHELL|$B|$C|${UNSET_HERE-unset}"; pwd; id -un; echo $HOME')).toBe(`1|shell value|two words|c-from-shell|unset\n${dir}/wd\nnobody\n/nonexistent`);
    expect(await d().ok('exec', 'p1', '--', 'sh', '-c', 'env | grep -c "^FERRY_" || true')).toBe('0');
    expect(await d().ok('inspect', '-f', '{{.Config.User}} {{.Config.WorkingDir}} {{index .Config.Env 1}}', 'p1')).toBe(`nobody ${dir}/wd B=two words`);
  });

  it('exec: -u and -w override the container\'s; -e adds to its environment', async () => {
    expect(await d().ok('exec', '-u', '0:0', '-w', '/', '-e', 'X=y', 'p1', '--', 'sh', '-c', 'id -u; id -g; pwd; echo $X $A')).toBe('0\n0\n/\ny 1');
  });

  it('exec: stdin only with -i; no terminal without -t', async () => {
    expect((await sh(`echo hello | ${ferry} exec -i p1 -- cat`)).stdout).toBe('hello\n');
    expect((await sh(`echo hello | ${ferry} exec p1 -- cat`)).stdout).toBe('');
    expect((await sh(`${ferry} exec p1 -- sh -c 'test -t 1 && echo tty || echo notty'`)).stdout).toBe('notty\n');
    const noTty = await sh(`echo | ${ferry} exec -t p1 -- true`);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toBe('ferry: -t: the input device is not a TTY\n');
  });

  it('exec -it: an interactive shell on a terminal (driven through a pty)', async () => {
    const r = await onPty([ferry, 'exec', '-it', 'p1', 'sh'], 'echo answer=$((6*7)); tty; exit 7\n', { FERRY_SOCKET: d().socket });
    expect(r.output).toMatch(/answer=42/);
    expect(r.output).toMatch(/^\/dev\/pts\/\d+\r?$/m);
    expect(r.code).toBe(7);
  });

  it('refuses what it cannot use, naming it, with 125 from run', async () => {
    const badUser = await d().ferry('run', '-u', 'no-such-user', '--', 'true');
    expect(badUser.code).toBe(125);
    expect(badUser.stderr).toBe('ferry: --user no-such-user: no user "no-such-user" in /etc/passwd\n');
    const badEnv = await d().ferry('run', '-e', '=x', '--', 'true');
    expect([badEnv.code, badEnv.stderr]).toEqual([125, 'ferry: --env "=x": expected KEY=VALUE or KEY\n']);
    expect((await d().ferry('run', '-w', 'relative', '--', 'true')).stderr).toBe('ferry: --workdir "relative": expected an absolute path\n');
  });
});
