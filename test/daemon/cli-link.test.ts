import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';

/** Legacy links on the default bridge: the /etc/hosts entry and the variables Docker sets. */
describe('ferry run --link', () => {
  const d = useDaemon();

  it('tells the linking container where the other is: /etc/hosts, ALIAS_* variables, and it reaches it by the alias', async () => {
    await d().ok('run', '-d', '--name', 'pg', '--expose', '5432', '-e', 'POSTGRES_DB=app', '-e', 'HOME=/x', '--', 'sleep', 'infinity');
    const pg = await d().ip('pg');
    await d().ok('run', '-d', '--name', 'app', '--link', 'pg:db', '--', 'sleep', 'infinity');
    const id = (await d().ok('inspect', '-f', '{{.Id}}', 'pg')).slice(0, 12);
    expect(await d().ok('exec', 'app', '--', 'grep', '-w', 'db', '/etc/hosts')).toBe(`${pg}\tdb ${id} pg`);
    const env = (await d().ok('exec', 'app', '--', 'env')).split('\n').filter((l) => l.startsWith('DB_')).sort();
    expect(env).toEqual([
      'DB_ENV_POSTGRES_DB=app',
      'DB_NAME=/app/db',
      `DB_PORT=tcp://${pg}:5432`,
      `DB_PORT_5432_TCP=tcp://${pg}:5432`,
      `DB_PORT_5432_TCP_ADDR=${pg}`,
      'DB_PORT_5432_TCP_PORT=5432',
      'DB_PORT_5432_TCP_PROTO=tcp',
    ]);
    expect((await d().ferry('exec', 'app', '--', 'ping', '-c', '1', '-W', '2', 'db')).code).toBe(0);
  });

  it('refuses a link on a user-defined network, to nothing, or to a stopped container, making nothing', async () => {
    await d().ok('network', 'create', 'mine');
    expect((await d().ferry('run', '--network', 'mine', '--link', 'pg', '--', 'true')).stderr).toBe('ferry: --link pg: links are for the default bridge; on user-defined networks containers reach each other by name\n');
    expect((await d().ferry('run', '--link', 'ghost:g', '--', 'true')).stderr).toBe('ferry: --link ghost:g: no such container "ghost"\n');
    await d().ok('run', '--name', 'done', '--', 'true');
    const r = await d().ferry('run', '--name', 'late', '--link', 'done', '--', 'true');
    expect([r.code, r.stderr]).toEqual([125, 'ferry: cannot link to a container that is not running (done, as done)\n']);
    expect((await d().ferry('inspect', 'late')).code).not.toBe(0);
  });
});
