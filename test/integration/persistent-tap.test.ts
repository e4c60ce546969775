import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/dataplane';
import { configureInterface, listLinks, netnsPath } from '../../src/netns';
import { useLab } from '../harness/lab';

/** What a daemon restart relies on: a persistent TAP outlives the engine and is reattached by name. */
describe('persistent TAP', () => {
  const lab = useLab();

  it('keeps the container eth0 and its address across an engine restart, and is deleted on removal', async () => {
    const first = new Engine();
    lab().defer(() => first.shutdown());
    const d1 = first.createDomain();
    const ns = await lab().netns('p');
    first.addTapPort({ name: 'eth0', netns: netnsPath(ns), domain: d1, persist: true });
    await configureInterface(ns, { ifname: 'eth0', addresses: ['192.0.2.2/24'] });
    first.shutdown();

    const kept = (await listLinks(ns)).find((l) => l.ifname === 'eth0');
    expect(kept).toBeDefined();

    // A second engine (the restarted daemon) reattaches and forwards again.
    const d2 = lab().engine.createDomain();
    await lab().endpoint('peer', d2, ['192.0.2.1/24']);
    const port = lab().engine.addTapPort({ name: 'eth0', netns: netnsPath(ns), domain: d2, persist: true });
    expect(await lab().check('peer', ['ping', '-c', '2', '-i', '0.1', '-W', '1', '192.0.2.2'])).toMatch(/2 received/);

    lab().engine.removePort(port.id);
    expect((await listLinks(ns)).some((l) => l.ifname === 'eth0')).toBe(false);
  });
});
