import { describe, expect, it } from 'vitest';
import type { BridgeOutcomes } from '../../src/dataplane';
import { BridgeDomain } from '../../src/demo/bridge-domain';
import type { Lab } from '../harness/lab';
import { useLab } from '../harness/lab';
import { carries, udpFrame } from '../harness/frames';

/**
 * Learning shown by counters and by what arrives where. Each test gets its own
 * domain with three ports a, b, c; frames are written raw with MACs of the
 * lab's own (X on a, Y on b) so the namespaces' kernel chatter cannot
 * interfere with what is asserted.
 */
async function triangle(lab: Lab, tag: string, opts: { agingSeconds?: number; maxEntries?: number } = {}) {
  const domain = new BridgeDomain(lab.engine, opts);
  const eps = [];
  for (const n of ['a', 'b', 'c']) eps.push(await lab.endpoint(`${tag}${n}`, domain.id, []));
  const [a, b, c] = ['a', 'b', 'c'].map((n) => lab.socket(`${tag}${n}`));
  return { domain, ports: eps.map((e) => e.port.id), a: a!, b: b!, c: c! };
}

function delta(before: BridgeOutcomes, after: BridgeOutcomes, key: keyof BridgeOutcomes): number {
  return after[key] - before[key];
}

describe('learning bridge', () => {
  const lab = useLab();

  it('floods the first frame to an unknown MAC, then sends unicast once it is learned', async () => {
    const { domain, ports, a, b, c } = await triangle(lab(), 'l');
    const X = lab().mac(0x10);
    const Y = lab().mac(0x11);

    let before = domain.outcomes();
    a.send(udpFrame(Y, X, 'first'));
    expect(carries(b.drain(200), 'first')).toBe(true);
    expect(carries(c.drain(50), 'first')).toBe(true); // flooded
    let after = domain.outcomes();
    expect(delta(before, after, 'flood_unknown')).toBe(1);
    expect(domain.macTable().find((e) => e.mac === X)).toMatchObject({ port: ports[0], static: false });

    b.send(udpFrame(X, Y, 'reply')); // Y learned on b; X already known: unicast to a
    expect(carries(a.drain(200), 'reply')).toBe(true);
    expect(carries(c.drain(50), 'reply')).toBe(false);

    before = domain.outcomes();
    for (let i = 0; i < 10; i++) a.send(udpFrame(Y, X, `later-${i}`));
    const atB = b.drain(200);
    const atC = c.drain(50);
    after = domain.outcomes();
    expect(delta(before, after, 'unicast')).toBeGreaterThanOrEqual(10);
    expect(delta(before, after, 'flood_unknown')).toBe(0);
    expect(carries(atB, 'later-9')).toBe(true);
    expect(carries(atC, 'later-')).toBe(false);
  });

  it('moves an entry when the MAC shows up on another port', async () => {
    const { domain, ports, a, c } = await triangle(lab(), 'm');
    const X = lab().mac(0x20);
    a.send(udpFrame(lab().mac(0x21), X, 'm1'));
    c.send(udpFrame(lab().mac(0x21), X, 'm2'));
    await new Promise((r) => setTimeout(r, 100));
    expect(domain.macTable().find((e) => e.mac === X)?.port).toBe(ports[2]);
    expect(domain.outcomes().moved).toBeGreaterThanOrEqual(1);
  });

  it('ages out an idle entry; a static entry survives and is not moved', async () => {
    const { domain, ports, a, c } = await triangle(lab(), 'g', { agingSeconds: 1 });
    const X = lab().mac(0x30);
    const S = lab().mac(0x31);
    domain.addStaticMac(S, ports[1]!);
    a.send(udpFrame(lab().mac(0x32), X, 'age-me'));
    await new Promise((r) => setTimeout(r, 100));
    expect(domain.macTable().some((e) => e.mac === X)).toBe(true);

    c.send(udpFrame(lab().mac(0x32), S, 'spoof')); // S claimed from c: not moved
    // Aged within 1 to 2 s of whole-second clock, swept once a second: gone within 3.5 s.
    const t0 = Date.now();
    while (domain.macTable().some((e) => e.mac === X) && Date.now() - t0 < 3500) await new Promise((r) => setTimeout(r, 100));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // kept at least its aging time
    const table = domain.macTable();
    expect(table.some((e) => e.mac === X)).toBe(false);
    expect(table.find((e) => e.mac === S)).toMatchObject({ port: ports[1], static: true });
    const o = domain.outcomes();
    expect(o.aged).toBeGreaterThanOrEqual(1);
    expect(o.static_conflict).toBeGreaterThanOrEqual(1);
  });

  it('when the table is full, new sources are not learned, frames to them flood, and it is counted', async () => {
    const max = 8;
    const { domain, a, b, c } = await triangle(lab(), 'f', { maxEntries: max });
    for (let i = 0; i < max; i++) a.send(udpFrame(lab().mac(0x50), lab().mac(0x40 + i), `fill-${i}`));
    await new Promise((r) => setTimeout(r, 100));
    expect(domain.macTable().length).toBe(max);

    const late = lab().mac(0x4f);
    const before = domain.outcomes();
    b.send(udpFrame(lab().mac(0x50), late, 'late'));
    c.drain(100);
    a.drain(100);
    expect(domain.macTable().some((e) => e.mac === late)).toBe(false);
    a.send(udpFrame(late, lab().mac(0x40), 'to-late'));
    expect(carries(c.drain(200), 'to-late')).toBe(true); // flooded: late is unknown
    const after = domain.outcomes();
    expect(delta(before, after, 'learn_refused_full')).toBeGreaterThanOrEqual(1);
    expect(delta(before, after, 'flood_unknown')).toBeGreaterThanOrEqual(1);
    expect(domain.macTable().length).toBe(max);
  });
});
