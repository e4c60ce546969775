import { describe, expect, it } from 'vitest';
import type { DropReason } from '../../src/dataplane';
import { useLab } from '../harness/lab';
import { udpFrame } from '../harness/frames';

/**
 * Frames the parse stage must refuse, written into a port from inside the
 * container, while a ping runs through the same port. The kernel itself
 * refuses some malformed frames at the sender (shorter than 14 bytes, or a
 * partial checksum it can see is impossible); these are the ones it lets
 * through to the TAP, so Ferry must catch them.
 */
describe('malformed frames are counted and dropped while traffic continues', () => {
  const lab = useLab();

  it('drops each kind with its reason and keeps forwarding', async () => {
    const domain = lab().engine.createDomain();
    const a = await lab().endpoint('a', domain, ['192.0.2.1/24']);
    await lab().endpoint('b', domain, ['192.0.2.2/24']);
    const ping = lab().exec('a', ['ping', '-c', '20', '-i', '0.05', '-W', '1', '192.0.2.2']);

    const drops = () => lab().engine.stats().ports.find((p) => p.id === a.port.id)!.drops;
    const before = drops();
    const raw = lab().socket('a');
    const withVnet = lab().socket('a', 'eth0', true);
    const victim = lab().mac(2);

    // A VLAN tag announced but cut short: 16 bytes where 18 are needed.
    raw.send(Buffer.from(`${victim.replace(/:/g, '')}${lab().mac(1).replace(/:/g, '')}8100000a`, 'hex'));
    // A multicast source address, then an all-zero one.
    raw.send(udpFrame(victim, '03:00:5e:00:00:01'));
    raw.send(udpFrame(victim, '00:00:00:00:00:00'));
    // A partial checksum that claims to start inside the IPv4 header.
    withVnet.send(udpFrame(victim, lab().mac(1), 'x'), { flags: 1, csumStart: 20, csumOffset: 16 });

    const result = await ping;
    expect(result.stdout).toMatch(/20 received/);
    const after = drops();
    const delta = (r: DropReason) => after[r] - before[r];
    expect(delta('runt')).toBe(1);
    expect(delta('bad_src_mac')).toBe(2);
    expect(delta('bad_vnet_hdr')).toBe(1);
    // Nothing of it reached the other side's MAC table.
    expect(lab().engine.macTable(domain).some((e) => e.mac === '03:00:5e:00:00:01' || e.mac === '00:00:00:00:00:00')).toBe(false);
  });
});
