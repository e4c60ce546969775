import { describe, expect, it } from 'vitest';
import { Keyring, type KeyringState } from '../../src/cluster/keyring';

/** The keyring as the cluster view reads it from etcd's keys (cluster/keyring.ts). */
describe('keyring state', () => {
  const secret = (n: number) => Buffer.alloc(32, n).toString('base64');

  it('reads the epoch and the secrets; the usable ones are the epochs around the current', () => {
    const s: KeyringState = { secrets: new Map() };
    expect(Keyring.apply(s, 'networks/abc', '{}')).toBe(false);
    for (const e of [1, 2]) expect(Keyring.apply(s, `keyring/secrets/${e}`, secret(e))).toBe(true);
    expect(Keyring.usable(s)).toBeUndefined(); // no epoch yet
    Keyring.apply(s, 'keyring/epoch', JSON.stringify({ epoch: 1, since: '2026-11-24T00:00:00Z' }));
    expect(Keyring.usable(s)).toEqual({ sendEpoch: 1, secrets: [{ epoch: 1, secret: Buffer.alloc(32, 1) }, { epoch: 2, secret: Buffer.alloc(32, 2) }] });
    // A rotation: epoch 2 current, 3 made, 0 (never there) retired.
    Keyring.apply(s, 'keyring/epoch', JSON.stringify({ epoch: 2, since: '2026-11-24T12:00:00Z' }));
    Keyring.apply(s, 'keyring/secrets/3', secret(3));
    expect(Keyring.usable(s)!.sendEpoch).toBe(2);
    expect(Keyring.usable(s)!.secrets.map((x) => x.epoch)).toEqual([1, 2, 3]);
    Keyring.apply(s, 'keyring/secrets/1', undefined);
    expect(Keyring.usable(s)!.secrets.map((x) => x.epoch)).toEqual([2, 3]);
  });

  it('ignores what it cannot use: a short secret, a damaged epoch', () => {
    const s: KeyringState = { secrets: new Map() };
    Keyring.apply(s, 'keyring/secrets/1', Buffer.alloc(16).toString('base64'));
    expect(s.secrets.size).toBe(0);
    Keyring.apply(s, 'keyring/epoch', '{not json');
    expect(s.current).toBeUndefined();
    Keyring.apply(s, 'keyring/secrets/1', secret(1));
    Keyring.apply(s, 'keyring/epoch', JSON.stringify({ epoch: 5, since: '2026-11-24T00:00:00Z' }));
    expect(Keyring.usable(s)).toBeUndefined(); // the current epoch's secret is missing: nothing to seal with
  });
});
