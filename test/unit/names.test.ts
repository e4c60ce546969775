import { describe, expect, it } from 'vitest';
import type { DnsContainer, DnsDirectory } from '../../src/dns/directory';
import { Names } from '../../src/dns/names';

/**
 * The resolver's names (dns/names.ts) against an in-memory directory: the
 * answers, and that a network's names are read once per revision, so a
 * query's cost does not grow with the number of containers.
 */
describe('names', () => {
  const container = (i: number, networkId = 'n1', aliases: string[] = []): DnsContainer => ({
    id: `${i.toString(16).padStart(12, '0')}${'f'.repeat(52)}`,
    name: `c${i}`,
    hostname: '',
    state: 'running',
    dns: [],
    endpoints: [{ networkId, ipv4: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, ipv6: `2001:db8::${i.toString(16)}` }],
    aliases: () => aliases,
  });

  function directory(members: DnsContainer[]) {
    let revision = 1;
    let reads = 0;
    const dir: DnsDirectory = {
      container: (id) => members.find((c) => c.id === id),
      network: (id) => (id === 'n1' ? { id, name: 'web', isDefault: false } : id === 'bridge' ? { id, name: 'bridge', isDefault: true } : undefined),
      members: (id) => (reads++, members.filter((c) => c.endpoints.some((e) => e.networkId === id))),
      byAddress: () => undefined,
      revision: () => revision,
    };
    return { dir, members, bump: () => revision++, reads: () => reads };
  }

  it('answers names, NAME.NETWORK, aliases and PTR; refuses its own names upstream; the default bridge resolves nothing', () => {
    const d = directory([container(1), container(2, 'n1', ['db']), container(3, 'bridge')]);
    const names = new Names(d.dir);
    const asker = d.members[0]!;
    expect(names.lookup(asker, 'c2', 'A')).toEqual({ kind: 'records', type: 'A', data: ['10.0.0.2'] });
    expect(names.lookup(asker, 'DB.web.', 'AAAA')).toEqual({ kind: 'records', type: 'AAAA', data: ['2001:db8::2'] });
    expect(names.lookup(asker, '2.0.0.10.in-addr.arpa', 'PTR')).toEqual({ kind: 'records', type: 'PTR', data: ['c2.web'] });
    expect(names.lookup(asker, 'nobody', 'A')).toEqual({ kind: 'nxdomain' });
    expect(names.lookup(asker, 'nobody.web', 'A')).toEqual({ kind: 'nxdomain' });
    expect(names.lookup(asker, 'example.org', 'A')).toEqual({ kind: 'forward' });
    expect(names.lookup(d.members[2]!, 'c1', 'A')).toEqual({ kind: 'nxdomain' }); // on the default bridge
  });

  it('reads a network once per revision: 10,000 members cost one read, and a change is seen at the next query', () => {
    const d = directory(Array.from({ length: 10_000 }, (_, i) => container(i + 1)));
    const names = new Names(d.dir);
    const asker = d.members[0]!;
    for (let i = 0; i < 1000; i++) expect(names.lookup(asker, `c${1 + ((i * 7) % 10_000)}`, 'A').kind).toBe('records');
    expect(d.reads()).toBe(1);
    d.members.push(container(20_000));
    expect(names.lookup(asker, 'c20000', 'A').kind).toBe('nxdomain'); // not told yet: the index stands
    d.bump();
    expect(names.lookup(asker, 'c20000', 'A')).toEqual({ kind: 'records', type: 'A', data: ['10.0.78.32'] });
    expect(d.reads()).toBe(2);
  });

  it('without a revision, reads afresh on every query', () => {
    const d = directory([container(1), container(2)]);
    delete d.dir.revision;
    const names = new Names(d.dir);
    names.lookup(d.members[0]!, 'c2', 'A');
    names.lookup(d.members[0]!, 'c2', 'A');
    expect(d.reads()).toBe(2);
  });
});
