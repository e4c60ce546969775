/**
 * `--rate-limit RATE`: what a container may send, per interface, as tc
 * writes rates: bit, kbit, mbit, gbit (bits per second, powers of 1000), bps,
 * kbps, mbps, gbps (bytes per second), or pps, kpps, mpps (packets per
 * second). For example 100mbit, 2mbps, 20kpps.
 */
export type RateLimitSpec = { bytesPerSecond: number } | { packetsPerSecond: number };

export const RATE_LIMIT_FORM = 'NUMBER followed by bit, kbit, mbit, gbit, bps, kbps, mbps, gbps, pps, kpps or mpps (for example 100mbit)';

export class RateLimitError extends Error {
  readonly code = 'invalid';
  constructor(spec: string) {
    super(`--rate-limit ${spec}: expected ${RATE_LIMIT_FORM}`);
    this.name = 'RateLimitError';
  }
}

const SCALE: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

export function parseRateLimit(spec: string): RateLimitSpec {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)(bit|bps|pps)$/i.exec(spec.trim());
  if (!m) throw new RateLimitError(spec);
  const value = Number(m[1]) * SCALE[m[2]!.toLowerCase()]!;
  const unit = m[3]!.toLowerCase();
  const rate = unit === 'bit' ? value / 8 : value;
  if (!(rate >= 1 && rate <= 1e12)) throw new RateLimitError(spec);
  return unit === 'pps' ? { packetsPerSecond: Math.round(rate) } : { bytesPerSecond: Math.round(rate) };
}
