import { describe, expect, it } from 'vitest';
import { useLab } from '../harness/lab';
import { arpRequest, carries, udpFrame } from '../harness/frames';
import { BROADCAST_MAC } from '../../src/codec';

/** A namespace on another bridge domain reaches neither of the first two, at any layer. */
describe('bridge domains are isolated', () => {
  const lab = useLab();

  it('sets up two domains', async () => {
    const red = lab().engine.createDomain();
    const blue = lab().engine.createDomain();
    await lab().endpoint('a', red, ['192.0.2.1/24']);
    await lab().endpoint('b', red, ['192.0.2.2/24']);
    // Same subnet on purpose: only the data plane keeps them apart.
    await lab().endpoint('c', blue, ['192.0.2.3/24']);
    expect(await lab().check('a', ['ping', '-c', '1', '-W', '1', '192.0.2.2'])).toMatch(/1 received/);
  });

  it('ping across domains fails both ways', async () => {
    expect((await lab().exec('c', ['ping', '-c', '2', '-i', '0.2', '-W', '1', '192.0.2.1'])).code).not.toBe(0);
    expect((await lab().exec('a', ['ping', '-c', '2', '-i', '0.2', '-W', '1', '192.0.2.3'])).code).not.toBe(0);
  });

  it('a raw ARP request or broadcast frame from c never appears on a or b', () => {
    const onA = lab().socket('a');
    const onB = lab().socket('b');
    const fromC = lab().socket('c');
    onA.drain(50);
    onB.drain(50);
    const marker = `iso-${lab().prefix}`;
    fromC.send(arpRequest(lab().mac(3), '192.0.2.3', '192.0.2.1'));
    fromC.send(udpFrame(BROADCAST_MAC, lab().mac(3), marker));
    fromC.send(udpFrame(lab().mac(1), lab().mac(3), marker)); // unknown unicast
    const seenA = onA.drain(300);
    const seenB = onB.drain(300);
    expect(carries(seenA, marker) || carries(seenB, marker)).toBe(false);
    expect([...seenA, ...seenB].some((f) => f.includes(Buffer.from(lab().mac(3).replace(/:/g, ''), 'hex')))).toBe(false);
  });

  it('while the same broadcast from a does reach b (the sniffers work)', () => {
    const onB = lab().socket('b');
    const fromA = lab().socket('a');
    const onC = lab().socket('c');
    onB.drain(50);
    onC.drain(50);
    const marker = `ok-${lab().prefix}`;
    fromA.send(udpFrame(BROADCAST_MAC, lab().mac(1), marker));
    expect(carries(onB.drain(300), marker)).toBe(true);
    expect(carries(onC.drain(100), marker)).toBe(false);
  });
});
