import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResolvConf } from '../../src/dns/resolv-conf';

describe('readResolvConf', () => {
  it('reads nameservers in order and the search list', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-resolv-'));
    try {
      const file = path.join(dir, 'resolv.conf');
      writeFileSync(file, '# comment\nnameserver 192.0.2.53\n  nameserver 2001:db8::53\nsearch example.test corp.test \noptions ndots:2\n');
      expect(readResolvConf(file)).toMatchObject({ nameservers: ['192.0.2.53', '2001:db8::53'], search: ['example.test', 'corp.test'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('treats a missing file as empty', () => {
    expect(readResolvConf('/nonexistent/resolv.conf')).toEqual({ text: '', nameservers: [], search: [] });
  });
});
