import { describe, expect, it } from 'vitest';
import { eui64LinkLocal, hostAccessAddress } from '../../src/daemon/demux-networks';

describe('macvlan/ipvlan helpers', () => {
  it("the link-local address a MAC gives (EUI-64, the universal bit flipped)", () => {
    expect(eui64LinkLocal('52:54:00:12:34:56')).toBe('fe80::5054:ff:fe12:3456');
    expect(eui64LinkLocal('02:42:ac:11:00:02')).toBe('fe80::42:acff:fe11:2');
  });

  it("the host's address on a network: --aux-address host=IP, else the subnet's last free one", () => {
    expect(hostAccessAddress({ subnet: '172.16.77.0/24', gateway: '172.16.77.1' })).toBe('172.16.77.254');
    expect(hostAccessAddress({ subnet: '172.16.77.0/24', auxAddresses: { host: '172.16.77.9' } })).toBe('172.16.77.9');
    expect(hostAccessAddress({ subnet: '172.16.77.0/24', auxAddresses: { printer: '172.16.77.254' } })).toBe('172.16.77.253');
    expect(() => hostAccessAddress({ subnet: '172.16.77.0/31', gateway: '172.16.77.0' })).toThrow(/no address left/);
  });
});
