import { describe, expect, it } from 'vitest';
import { IpamError, SubnetAllocator, contains, nextFreePool, parseCidr, formatCidr, ulaSubnetFor, validateSubnet } from '../../src/ipam';

describe('cidr', () => {
  it('parses both families and refuses host bits when strict', () => {
    expect(formatCidr(parseCidr('172.18.0.0/16'))).toBe('172.18.0.0/16');
    expect(formatCidr(parseCidr('2001:db8:1::/64'))).toBe('2001:db8:1::/64');
    expect(() => parseCidr('172.18.0.1/16', { strict: true })).toThrow('"172.18.0.1/16" has host bits set; did you mean 172.18.0.0/16?');
    for (const bad of ['172.18.0.0', '172.18.0.0/33', '300.1.1.1/8', 'web/16', '2001:db8::/129'])
      expect(() => parseCidr(bad)).toThrow(/is not a CIDR \(for example 172.18.0.0\/16 or 2001:db8:1::\/64\)/);
    expect(contains(parseCidr('10.0.0.0/8'), '10.255.255.255')).toBe(true);
    expect(contains(parseCidr('10.0.0.0/8'), '11.0.0.0')).toBe(false);
    expect(contains(parseCidr('10.0.0.0/8'), '::1')).toBe(false);
  });
});

describe('default pools', () => {
  it('hands out 172.17/16 first, skips what overlaps networks or host routes, then 192.168/20s', () => {
    expect(formatCidr(nextFreePool([]))).toBe('172.17.0.0/16');
    expect(formatCidr(nextFreePool([parseCidr('172.17.0.0/16')]))).toBe('172.18.0.0/16');
    // A host route inside 172.18/16 makes the whole pool unusable.
    expect(formatCidr(nextFreePool([parseCidr('172.17.0.0/16'), parseCidr('172.18.5.0/24')]))).toBe('172.19.0.0/16');
    const all172 = Array.from({ length: 15 }, (_, i) => parseCidr(`172.${17 + i}.0.0/16`));
    expect(formatCidr(nextFreePool(all172))).toBe('192.168.0.0/20');
    expect(formatCidr(nextFreePool([...all172, parseCidr('192.168.0.0/20')]))).toBe('192.168.16.0/20');
    expect(() => nextFreePool([parseCidr('0.0.0.0/0')])).toThrow(expect.objectContaining({ name: 'IpamError', code: 'exhausted' }));
  });
});

describe('subnet validation', () => {
  it('defaults the gateway to the first usable address', () => {
    expect(validateSubnet({ subnet: '172.18.0.0/16' })).toEqual({ subnet: '172.18.0.0/16', ipRange: undefined, gateway: '172.18.0.1', auxAddresses: {} });
    expect(validateSubnet({ subnet: '2001:db8:1::/64' }).gateway).toBe('2001:db8:1::1');
  });

  it('refuses a gateway, aux address or ip-range outside the subnet, naming both', () => {
    expect(() => validateSubnet({ subnet: '172.18.0.0/16', gateway: '172.19.0.1' })).toThrow('gateway 172.19.0.1 is not in subnet 172.18.0.0/16');
    expect(() => validateSubnet({ subnet: '172.18.0.0/16', gateway: '172.18.255.255' })).toThrow(/network or broadcast/);
    expect(() => validateSubnet({ subnet: '172.18.0.0/16', ipRange: '172.19.0.0/24' })).toThrow('ip-range 172.19.0.0/24 is not inside subnet 172.18.0.0/16');
    expect(() => validateSubnet({ subnet: '172.18.0.0/16', auxAddresses: { host: '10.0.0.1' } })).toThrow('aux-address host= 10.0.0.1 is not in subnet 172.18.0.0/16');
    expect(() => validateSubnet({ subnet: '172.18.0.0/31' })).toThrow(/too small/);
  });
});

describe('allocation', () => {
  it('follows Docker: .2 and .3; stop the second, a third gets .3; the second restarts on .4', () => {
    const a = new SubnetAllocator(validateSubnet({ subnet: '172.17.0.0/16' }));
    expect(a.allocate()).toBe('172.17.0.2');
    expect(a.allocate()).toBe('172.17.0.3');
    a.release('172.17.0.3');
    expect(a.allocate()).toBe('172.17.0.3');
    expect(a.allocate()).toBe('172.17.0.4');
  });

  it('skips the gateway and aux addresses, stays inside --ip-range', () => {
    const a = new SubnetAllocator(validateSubnet({ subnet: '192.0.2.0/24', gateway: '192.0.2.2', ipRange: '192.0.2.0/29', auxAddresses: { router: '192.0.2.3' } }));
    // .7 ends the range but is no broadcast address: the subnet is a /24.
    expect([a.allocate(), a.allocate(), a.allocate(), a.allocate(), a.allocate()]).toEqual(['192.0.2.1', '192.0.2.4', '192.0.2.5', '192.0.2.6', '192.0.2.7']);
    expect(() => a.allocate()).toThrow('no free address left in ip-range 192.0.2.0/29');
  });

  it('takes --ip anywhere in the subnet if free, and explains every refusal', () => {
    const a = new SubnetAllocator(validateSubnet({ subnet: '192.0.2.0/24', ipRange: '192.0.2.0/28', auxAddresses: { r: '192.0.2.9' } }));
    expect(a.allocate('192.0.2.200')).toBe('192.0.2.200');
    expect(() => a.allocate('192.0.2.200')).toThrow('address 192.0.2.200 is already in use');
    expect(() => a.allocate('198.51.100.1')).toThrow('address 198.51.100.1 is not in subnet 192.0.2.0/24');
    expect(() => a.allocate('192.0.2.1')).toThrow('address 192.0.2.1 is the gateway of 192.0.2.0/24');
    expect(() => a.allocate('192.0.2.9')).toThrow('address 192.0.2.9 is reserved by --aux-address');
    expect(() => a.allocate('192.0.2.255')).toThrow(/broadcast/);
    expect(() => a.allocate('bogus')).toThrow(IpamError);
  });

  it('rebuilds its state from the addresses a store kept', () => {
    const a = new SubnetAllocator(validateSubnet({ subnet: '172.17.0.0/16' }), ['172.17.0.2', '172.17.0.4']);
    expect(a.allocate()).toBe('172.17.0.3');
    expect(a.allocated()).toEqual(['172.17.0.2', '172.17.0.3', '172.17.0.4']);
  });

  it('allocates IPv6 too, and generates a stable ULA /64', () => {
    const a = new SubnetAllocator(validateSubnet({ subnet: '2001:db8:1::/64' }));
    expect(a.allocate()).toBe('2001:db8:1::2');
    const ula = ulaSubnetFor('abc123');
    expect(ula).toMatch(/^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/64$/);
    expect(ulaSubnetFor('abc123')).toBe(ula);
    expect(ulaSubnetFor('other')).not.toBe(ula);
  });
});
