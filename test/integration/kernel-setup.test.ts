import { describe, expect, it } from 'vitest';
import { DataplaneError } from '../../src/dataplane';
import { attachEndpoint } from '../../src/endpoint';
import { KernelSetupError, configureInterface, createNetns, listLinks, listNetns, moveLink, netnsPath } from '../../src/netns';
import { useLab } from '../harness/lab';

describe('kernel setup', () => {
  const lab = useLab();

  it('names the namespace and the kernel reason when creation fails', async () => {
    const ns = await lab().netns('dup');
    await expect(createNetns(ns)).rejects.toThrow(new RegExp(`cannot create network namespace "${ns}": .*File exists`));
    await expect(createNetns('bad/name')).rejects.toThrow(/names are 1-63 of/);
  });

  it('names the failing step and device when configuration fails', async () => {
    const ns = await lab().netns('cfg');
    const err = await configureInterface(ns, { ifname: 'nosuch0', addresses: ['192.0.2.9/24'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KernelSetupError);
    expect((err as Error).message).toMatch(new RegExp(`cannot add address 192.0.2.9/24 on nosuch0 in namespace "${ns}": .*`));
  });

  it('leaves no namespace and no port behind when an attach fails half way', async () => {
    const domain = lab().engine.createDomain();
    const portsBefore = lab().engine.stats().ports.length;
    const name = lab().name('half');
    const err = await attachEndpoint(lab().engine, { netns: name, domain, addresses: ['192.0.2.300/24'] }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/cannot add address 192.0.2.300\/24 on eth0 in namespace/);
    expect(await listNetns()).not.toContain(name);
    expect(lab().engine.stats().ports.length).toBe(portsBefore);
  });

  it('refuses a TAP for a missing domain, leaving no device', async () => {
    const name = lab().name('nd').slice(0, 15);
    expect(() => lab().engine.addTapPort({ name, domain: 999 })).toThrow(/bridge domain 999 does not exist/);
    expect((await listLinks()).some((l) => l.ifname === name)).toBe(false);
    let err: unknown;
    try {
      lab().engine.addTapPort({ name: 'x'.repeat(16), domain: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataplaneError);
    expect((err as DataplaneError).code).toBe('tap_open');
  });

  it('refuses to remove a domain with ports, naming them', async () => {
    const domain = lab().engine.createDomain();
    await lab().endpoint('busy', domain, []);
    expect(() => lab().engine.removeDomain(domain)).toThrow(/still has 1 port\(s\) \(eth0\); remove them first/);
  });

  it('a TAP created in the root namespace keeps working after it is moved', async () => {
    const domain = lab().engine.createDomain();
    await lab().endpoint('fixed', domain, ['192.0.2.1/24']);
    const tapName = lab().name('mv').slice(0, 15);
    const tap = lab().engine.addTapPort({ name: tapName, domain });
    expect(tap.name).toBe(tapName);
    const ns = await lab().netns('moved');
    await moveLink(tapName, ns);
    await configureInterface(ns, { ifname: tapName, rename: 'eth0', addresses: ['192.0.2.2/24'] });
    expect(await lab().check('moved', ['ping', '-c', '2', '-i', '0.1', '-W', '1', '192.0.2.1'])).toMatch(/2 received/);
    expect(netnsPath(ns)).toBe(`/run/netns/${ns}`);
  });
});
