import { describe, expect, it } from 'vitest';
import { checkConfig, mergeConfig, parseAddressPool } from '../../src/daemon/config';
import { formatCidr, nextFreePool, parseCidr } from '../../src/ipam';

describe('daemon.json', () => {
  it('merges flags and file, refusing a key given both ways with both values', () => {
    expect(mergeConfig({ mtu: 1400 }, { bip: '192.0.2.1/24' })).toEqual({ bip: '192.0.2.1/24', mtu: 1400 });
    expect(() => mergeConfig({ dns: ['198.51.100.1'] }, { dns: ['198.51.100.2'] }, 'f.json')).toThrow(
      'the following directives are specified both as a flag and in the configuration file f.json: dns: (from flag: ["198.51.100.1"], from file: ["198.51.100.2"])',
    );
  });

  it('checks each value and how they fit together', () => {
    expect(() => checkConfig({ 'fixed-cidr': '198.51.100.0/25', bip: '192.0.2.1/24' }, '')).toThrow('fixed-cidr: 198.51.100.0/25 is not inside the bridge\'s subnet 192.0.2.0/24 (bip)');
    expect(() => checkConfig({ mtu: 40 }, 'in x.json')).toThrow('mtu in x.json: 40 is not an MTU from 68 to 65535');
    expect(() => checkConfig({ 'fixed-cidr-v6': '2001:db8::/64' }, '')).toThrow('fixed-cidr-v6: needs "ipv6": true');
    expect(() => checkConfig({ dns: ['resolver'] }, '')).toThrow('dns: ["resolver"] is not a list of IP addresses');
    expect(() => checkConfig({ labels: ['no-value'] }, '')).toThrow('labels: ["no-value"] is not a list of labels of the form key=value');
    expect(checkConfig({ labels: ['a=b', 'c='] }, '').labels).toEqual(['a=b', 'c=']);
    expect(() => checkConfig({ 'default-gateway': '198.51.100.1', bip: '192.0.2.1/24' }, '')).toThrow('default-gateway: 198.51.100.1 is not on the bridge\'s subnet 192.0.2.0/24');
    expect(() => checkConfig({ 'default-address-pools': [{ base: '10.0.0.0/16', size: 8 }] }, '')).toThrow('default-address-pools: size 8 of 10.0.0.0/16: a prefix from /16 to /30');
  });

  it('default-address-pools: each base cut into subnets of its size, in order, skipping what is taken', () => {
    const pools = [parseAddressPool('base=10.10.0.0/23,size=24'), { base: '10.20.0.0/16', size: 20 }];
    expect(formatCidr(nextFreePool([], 'local', pools))).toBe('10.10.0.0/24');
    expect(formatCidr(nextFreePool([parseCidr('10.10.0.0/24'), parseCidr('10.10.1.0/24')], 'local', pools))).toBe('10.20.0.0/20');
    expect(() => nextFreePool([parseCidr('10.0.0.0/8')], 'local', pools)).toThrow(/all configured \(default-address-pools\) address pools \(10\.10\.0\.0\/23 in \/24s, 10\.20\.0\.0\/16 in \/20s\)/);
    expect(() => parseAddressPool('10.0.0.0/8')).toThrow('base=CIDR,size=PREFIX');
  });
});
