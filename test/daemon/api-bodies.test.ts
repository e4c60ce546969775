import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { useDaemon } from '../harness/daemon';

/**
 * Hostile and careless API requests: each is a 400 (or 409) that names what
 * is wrong, and leaves nothing behind; a slow stop holds up nobody else.
 */
describe('API request bodies', () => {
  const d = useDaemon();

  function call(method: string, path: string, body?: string): Promise<{ status: number; json: { error?: { code: string; message: string } } & Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: d().socket, method, path, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const cases: [string, string, string, string, number, RegExp][] = [
    ['a number as network name', 'POST', '/v1/networks', '{"name":5}', 400, /field "name" in request body: expected string \(got number\)/],
    ['a string as command', 'POST', '/v1/containers', '{"cmd":"ls"}', 400, /field "cmd" in request body: expected array \(got string\)/],
    ['an empty command', 'POST', '/v1/containers', '{"cmd":[]}', 400, /field "cmd" in request body: expected array length to be greater or equal to 1/],
    ['a number as container name', 'POST', '/v1/containers', '{"name":123,"cmd":["sleep","1"]}', 400, /field "name" in request body: expected string \(got number\)/],
    ['a null body', 'POST', '/v1/containers', 'null', 400, /request body must be a JSON object/],
    ['an array body', 'POST', '/v1/networks', '[]', 400, /request body must be a JSON object/],
    ['ports as a string', 'POST', '/v1/containers', '{"cmd":["sleep","1"],"ports":"80"}', 400, /field "ports" in request body: expected array/],
    ['subnets as a string', 'POST', '/v1/networks', '{"name":"x1","subnets":"x"}', 400, /field "subnets" in request body: expected array/],
    ['addHosts as a string', 'POST', '/v1/containers', '{"cmd":["sleep","1"],"addHosts":"x"}', 400, /field "addHosts" in request body: expected array/],
    ['a number in a list', 'POST', '/v1/containers', '{"cmd":["sleep",1]}', 400, /field "cmd\[1\]" in request body: expected string \(got number\)/],
    ['an unknown field', 'POST', '/v1/networks', '{"name":"x2","subnett":"10.9.0.0/16"}', 400, /unknown field "subnett" in request body \(accepted: name, driver, subnets, /],
    ['not JSON', 'POST', '/v1/networks', '{"name":', 400, /request body is not JSON/],
    ['a malformed percent-encoded path', 'GET', '/v1/containers/%E0%A4%A', '', 400, /"%E0%A4%A" in the request path is not valid percent-encoding/],
    ['the loopback as host interface', 'POST', '/v1/networks', '{"name":"x3","options":{"com.docker.network.bridge.name":"lo"}}', 409, /host interface "lo" already exists on the host; choose another com\.docker\.network\.bridge\.name/],
    ['a broadcast MAC', 'POST', '/v1/containers', '{"cmd":["sleep","1"],"mac":"ff:ff:ff:ff:ff:ff"}', 400, /--mac-address ff:ff:ff:ff:ff:ff: a multicast or broadcast address/],
    ['a multicast MAC', 'POST', '/v1/containers', '{"cmd":["sleep","1"],"mac":"01:00:5e:00:00:01"}', 400, /a multicast or broadcast address/],
    ['the zero MAC', 'POST', '/v1/containers', '{"cmd":["sleep","1"],"mac":"00:00:00:00:00:00"}', 400, /the all-zero address/],
    ['a MAC that is not one', 'POST', '/v1/containers', '{"cmd":["sleep","1"],"mac":"zz"}', 400, /--mac-address zz: not a MAC address/],
    ['a number as signal', 'POST', '/v1/containers/nobody/kill', '{"signal":9}', 400, /field "signal" in request body: expected string \(got number\)/],
    ['a stop timeout of days', 'POST', '/v1/containers/nobody/stop', '{"timeout":999999}', 400, /field "timeout" in request body: expected integer to be less or equal to 3600/],
    ['a negative stop timeout', 'POST', '/v1/containers/nobody/stop', '{"timeout":-1}', 400, /field "timeout" in request body: expected integer to be greater or equal to 0/],
    ['a body where none is taken', 'POST', '/v1/networks/prune', '{"all":true}', 400, /unknown field "all" in request body \(accepted: none\)/],
  ];

  it.each(cases)('%s', async (_what, method, path, body, status, message) => {
    const before = [(await call('GET', '/v1/networks')).json, (await call('GET', '/v1/containers?all=1')).json, (await d().host(['ip', '-br', 'link'])).stdout];
    const r = await call(method, path, body === '' ? undefined : body);
    expect(r.status).toBe(status);
    expect(r.json.error!.message).toMatch(message);
    const after = [(await call('GET', '/v1/networks')).json, (await call('GET', '/v1/containers?all=1')).json, (await d().host(['ip', '-br', 'link'])).stdout];
    expect(after).toEqual(before);
  });

  it('the listings still answer after all of them', async () => {
    expect((await call('GET', '/v1/networks')).status).toBe(200);
    expect((await call('GET', '/v1/containers?all=1')).status).toBe(200);
    expect(d().log).not.toMatch(/"api\.error"/);
  });

  it('a container that ignores SIGTERM holds up its own stop, not the daemon', async () => {
    await d().ok('run', '-d', '--name', 'stubborn', '--', 'sh', '-c', 'trap "" TERM; sleep 1000');
    const order: string[] = [];
    const stopping = d()
      .ok('stop', '-t', '5', 'stubborn')
      .then(() => order.push('stop'));
    await new Promise((r) => setTimeout(r, 300)); // the stop is waiting for the grace period now
    await d().ok('network', 'create', 'during-stop');
    order.push('network create');
    expect((await d().inspect('stubborn')).State.Status).toBe('running');
    await stopping;
    expect(order).toEqual(['network create', 'stop']);
    expect((await d().inspect('stubborn')).State.Status).toBe('exited');
    await d().ok('rm', 'stubborn');
    await d().ok('network', 'rm', 'during-stop');
  });
});
