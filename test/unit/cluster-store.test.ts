import { describe, expect, it } from 'vitest';
import { parseClusterStore, parseStoreOpts, plainMessage } from '../../src/cluster/membership';

/** --cluster-store and --cluster-store-opt as Docker's classic daemon takes them. */
describe('cluster store options', () => {
  it('etcd://HOST:PORT[,...]: http, or https with TLS options', () => {
    expect(parseClusterStore('etcd://192.0.2.100:2379,[2001:db8::1]:2379')).toEqual(['http://192.0.2.100:2379', 'http://[2001:db8::1]:2379']);
    expect(parseClusterStore('etcd://etcd.example:2379', true)).toEqual(['https://etcd.example:2379']);
    expect(() => parseClusterStore('consul://x:8500')).toThrow('"consul://x:8500" is not a cluster store; expected etcd://HOST:PORT[,HOST:PORT...]');
  });

  it('kv.cacertfile, kv.certfile and kv.keyfile; an unknown key or half a client pair is refused naming what is accepted', () => {
    expect(parseStoreOpts([])).toBeUndefined();
    expect(parseStoreOpts([['kv.cacertfile', '/ca.crt']])).toEqual({ caFile: '/ca.crt' });
    expect(parseStoreOpts([['kv.cacertfile', '/ca.crt'], ['kv.certfile', '/c.crt'], ['kv.keyfile', '/c.key']])).toEqual({ caFile: '/ca.crt', certFile: '/c.crt', keyFile: '/c.key' });
    expect(() => parseStoreOpts([['kv.path', '/x']])).toThrow('unknown cluster store option "kv.path" (accepted: kv.cacertfile, kv.certfile, kv.keyfile)');
    expect(() => parseStoreOpts([['kv.certfile', '/c.crt'], ['kv.keyfile', '/c.key']])).toThrow(/kv\.cacertfile=FILE is needed/);
    expect(() => parseStoreOpts([['kv.cacertfile', '/ca.crt'], ['kv.certfile', '/c.crt']])).toThrow('kv.certfile and kv.keyfile go together');
  });
});

describe('what the etcd client says, in one phrase', () => {
  it('keeps the reason, and says unavailable where grpc gives none (a flake seen in overlay.test.ts: "the cluster store at …: null")', () => {
    expect(plainMessage('14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 192.0.2.100:2379. Resolution note: ')).toBe('connect ECONNREFUSED 192.0.2.100:2379');
    expect(plainMessage('14 UNAVAILABLE: No connection established. Last error: null. Resolution note: ')).toBe('unavailable');
    expect(plainMessage('null')).toBe('unavailable');
    expect(plainMessage(null)).toBe('unavailable');
    expect(plainMessage('14 UNAVAILABLE: null')).toBe('unavailable');
    expect(plainMessage('4 DEADLINE_EXCEEDED: ')).toBe('deadline exceeded');
  });
});
