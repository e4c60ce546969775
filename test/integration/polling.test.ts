import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/dataplane';
import { Lab } from '../harness/lab';

/**
 * The worker's polling (native/core/engine.h): adaptive by default (it polls
 * a learnt while after traffic, then sleeps: an idle engine wakes for
 * nothing), or busy (it never sleeps). Counters, not timings: the machine
 * is shared, so how fast is for the bench suite `bridge`.
 */
describe('worker polling', () => {
  const idleFor = (ms: number) => new Promise((r) => setTimeout(r, ms));

  for (const poll of ['adaptive', 'busy'] as const) {
    it(`${poll}: forwards, and ${poll === 'busy' ? 'keeps polling while idle, never sleeping' : 'sleeps when idle, learning the gap between bursts'}`, async () => {
      const lab = new Lab({ poll });
      try {
        const domain = lab.engine.createDomain();
        await lab.endpoint('a', domain, ['192.0.2.1/24']);
        await lab.endpoint('b', domain, ['192.0.2.2/24']);
        // Pings 5 ms apart: gaps the adaptive worker learns.
        expect((await lab.exec('a', ['ping', '-c', '20', '-i', '0.005', '-W', '1', '192.0.2.2'])).stdout).toMatch(/20 received/);
        const w0 = lab.engine.stats().worker;
        await idleFor(300);
        const w1 = lab.engine.stats().worker;
        if (poll === 'busy') {
          expect(w1.polls - w0.polls).toBeGreaterThan(1000); // spinning all along
          expect(w1.wakeups).toBe(w0.wakeups);
        } else {
          expect(w0.gapNs).toBeGreaterThan(0);
          expect(w1.polls - w0.polls).toBeLessThan(100_000); // asleep after at most a millisecond of polling
          expect(w1.wakeups - w0.wakeups).toBeLessThan(10);
        }
      } finally {
        await lab.cleanup();
      }
    });
  }

  it('refuses a polling mode it does not know, naming the accepted ones', () => {
    expect(() => new Engine({ poll: 'fast' as never })).toThrow('poll must be adaptive or busy (got "fast")');
  });
});
