import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';

/** Docker's daily listing and inspection forms, and its exit codes, as a user types them. */
describe("ferry ps, inspect and run as Docker's users type them", () => {
  const d = useDaemon();

  it('sets up two networks and three containers, one of them stopped', async () => {
    await d().ok('network', 'create', '--subnet', '10.80.0.0/24', 'front');
    await d().ok('network', 'create', '--subnet', '10.81.0.0/24', 'back');
    await d().ok('run', '-d', '--name', 'web', '--network', 'front', '-p8080:80', '--', 'sleep', 'infinity');
    await d().ok('run', '-dP', '--name', 'db', '--network', 'back', '--expose', '5432', '--', 'sleep', 'infinity');
    expect((await d().ferry('run', '--name', 'gone', '--network', 'front', '--', 'sh', '-c', 'exit 3')).code).toBe(3);
  });

  it('ps -aq, --filter, --no-trunc', async () => {
    const ids = (await d().ok('ps', '-aq')).split('\n');
    expect(ids).toHaveLength(3);
    expect(ids.every((id) => /^[0-9a-f]{12}$/.test(id))).toBe(true);
    expect(await d().ok('ps', '--filter', 'network=front', '--format', '{{.Names}}')).toBe('web');
    expect(await d().ok('ps', '-f', 'status=exited', '--format', '{{.Names}} {{.Status}}')).toMatch(/^gone Exited \(3\) (Less than a second|\d+ seconds?) ago$/);
    expect((await d().ok('ps', '-a', '-f', 'name=^(web|db)$', '-f', 'status=running', '-q')).split('\n')).toHaveLength(2);
    expect((await d().ok('ps', '--no-trunc', '-q', '-f', 'name=web'))).toMatch(/^[0-9a-f]{64}$/);
    expect((await d().ferry('ps', '-f', 'colour=red')).stderr).toBe('ferry: --filter colour: unknown filter (accepted: id, name, network, status)\n');
  });

  it("ps's table, json and template formats, with Docker's columns and durations", async () => {
    const text = (await d().ok('ps')).split('\n');
    expect(text[0]).toMatch(/^CONTAINER ID +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
    expect(text.find((l) => / web$/.test(l))).toMatch(/"sleep infinity" +(Less than a second|\d+ seconds?) ago +Up (Less than a second|\d+ seconds?) +0\.0\.0\.0:8080->80\/tcp +web$/);
    const rows = (await d().ok('ps', '--format', 'json')).split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(rows.map((r) => r.Names).sort()).toEqual(['db', 'web']);
    expect(rows.find((r) => r.Names === 'web')).toMatchObject({ State: 'running', Networks: 'front', Command: '"sleep infinity"' });
    expect(await d().ok('ps', '-f', 'name=web', '--format', 'table {{.Names}}\t{{.Networks}}')).toBe('NAMES   NETWORKS\nweb     front');
  });

  it('inspect -f and --format with Go templates, for containers and networks', async () => {
    expect(await d().ok('inspect', '-f', '{{.NetworkSettings.Networks.front.IPAddress}}', 'web')).toBe('10.80.0.2');
    expect(await d().ok('inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'web', 'db')).toBe('10.80.0.2\n10.81.0.2');
    expect(await d().ok('inspect', '-f', '{{json .State.Running}} {{.State.ExitCode}}', 'gone')).toBe('false 3');
    expect(await d().ok('network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}', 'front')).toBe('10.80.0.0/24 10.80.0.1');
    const bad = await d().ferry('inspect', '-f', '{{.Name', 'web');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^ferry: template: unclosed action/);
  });

  it("Docker's exit codes: 125 for run's own failures, 126 and 127 for a command that cannot run or is not there", async () => {
    expect((await d().ferry('run', '--bogus', '--', 'true')).code).toBe(125);
    expect((await d().ferry('run', '--network', 'nowhere', '--', 'true')).code).toBe(125);
    expect((await d().ferry('run', '--rm', '--', '/nonexistent/cmd')).code).toBe(127);
    expect((await d().ferry('run', '--rm', '--', '/etc/hostname')).code).toBe(126);
  });
});
