import { describe, expect, it } from 'vitest';
import { useLab } from '../harness/lab';

/**
 * Configuration changes never stop forwarding: while a fast ping runs between
 * two containers, the control plane creates and removes domains, ports and
 * static entries, changes aging, and reads counters and tables, as fast as it
 * can. Every ping must be answered.
 */
describe('reconfiguration under traffic', () => {
  const lab = useLab();

  it('loses no packet while domains, ports and entries churn', async () => {
    const domain = lab().engine.createDomain();
    await lab().endpoint('a', domain, ['192.0.2.1/24']);
    await lab().endpoint('b', domain, ['192.0.2.2/24']);
    const ping = lab().exec('a', ['ping', '-c', '300', '-i', '0.005', '-W', '1', '192.0.2.2']);

    let done = false;
    void ping.then(() => (done = true));
    let changes = 0;
    while (!done) {
      const e = lab().engine;
      const other = e.createDomain({ maxEntries: 16 });
      const tap = e.addTapPort({ name: lab().name(`t${changes % 10}`).slice(0, 15), domain: other });
      e.addStaticMac(other, lab().mac(changes % 200), tap.id);
      e.configureDomain(domain, { agingSeconds: 300 + (changes % 5) });
      e.stats();
      e.macTable(domain);
      e.removePort(tap.id);
      e.removeDomain(other);
      changes++;
      await new Promise((r) => setImmediate(r));
    }
    const r = await ping;
    expect(r.stdout).toMatch(/300 packets transmitted, 300 received/);
    expect(changes).toBeGreaterThan(50);
  });
});
