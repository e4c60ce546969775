import { describe, expect, it } from 'vitest';
import { parseSince } from '../../src/cli/time-spec';

/** logs --since: the forms Docker takes, as Unix seconds with nine decimals. */
describe('parseSince', () => {
  const now = new Date('2026-11-24T12:00:00.250Z');

  it('takes Unix seconds, with or without a fraction', () => {
    expect(parseSince('1700000000', now)).toBe('1700000000.000000000');
    expect(parseSince('1700000000.5', now)).toBe('1700000000.500000000');
    expect(parseSince('1700000000.123456789', now)).toBe('1700000000.123456789');
  });

  it('takes RFC 3339 with a zone, fractions to the nanosecond', () => {
    expect(parseSince('2026-11-24T10:00:00Z', now)).toBe(`${Date.UTC(2026, 10, 24, 10) / 1000}.000000000`);
    expect(parseSince('2026-11-24T10:00:00.000000042Z', now)).toBe(`${Date.UTC(2026, 10, 24, 10) / 1000}.000000042`);
    expect(parseSince('2026-11-24T12:00:00+02:00', now)).toBe(`${Date.UTC(2026, 10, 24, 10) / 1000}.000000000`);
  });

  it('takes a local time without a zone, and a date alone (local midnight)', () => {
    expect(parseSince('2026-11-24T10:00', now)).toBe(`${new Date(2026, 10, 24, 10).getTime() / 1000}.000000000`);
    expect(parseSince('2026-11-24', now)).toBe(`${new Date(2026, 10, 24).getTime() / 1000}.000000000`);
  });

  it('takes a Go duration before now', () => {
    const at = (ms: number) => `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1e6).padStart(9, '0')}`;
    expect(parseSince('10m', now)).toBe(at(now.getTime() - 600_000));
    expect(parseSince('1h30m', now)).toBe(at(now.getTime() - 5_400_000));
    expect(parseSince('1.5s', now)).toBe(at(now.getTime() - 1500));
    expect(parseSince('250ms', now)).toBe(at(now.getTime() - 250));
  });

  it('refuses anything else, naming the forms it takes', () => {
    for (const bad of ['yesterday', '-5m', '2026-13-45', '10 m', '5d', '']) {
      expect(() => parseSince(bad, now)).toThrow(/RFC 3339.*Unix seconds.*10m/);
    }
  });
});
