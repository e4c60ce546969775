import { describe, expect, it } from 'vitest';
import { parseExpose, parsePortSpec } from '../../src/container/port-spec';

describe('-p syntax', () => {
  it('accepts every form Docker accepts', () => {
    expect(parsePortSpec('80')).toEqual([{ containerPort: 80, protocol: 'tcp', hostIp: '' }]);
    expect(parsePortSpec('8080:80')).toEqual([{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPortStart: 8080, hostPortEnd: 8080 }]);
    expect(parsePortSpec('8080:80/udp')).toEqual([{ containerPort: 80, protocol: 'udp', hostIp: '', hostPortStart: 8080, hostPortEnd: 8080 }]);
    expect(parsePortSpec('192.0.2.10:8080:80')).toEqual([{ containerPort: 80, protocol: 'tcp', hostIp: '192.0.2.10', hostPortStart: 8080, hostPortEnd: 8080 }]);
    expect(parsePortSpec('192.0.2.10::80/udp')).toEqual([{ containerPort: 80, protocol: 'udp', hostIp: '192.0.2.10' }]);
    expect(parsePortSpec('[2001:db8::1]:8080:80')).toEqual([{ containerPort: 80, protocol: 'tcp', hostIp: '2001:db8::1', hostPortStart: 8080, hostPortEnd: 8080 }]);
    expect(parsePortSpec('8000-8001:80-81')).toEqual([
      { containerPort: 80, protocol: 'tcp', hostIp: '', hostPortStart: 8000, hostPortEnd: 8000 },
      { containerPort: 81, protocol: 'tcp', hostIp: '', hostPortStart: 8001, hostPortEnd: 8001 },
    ]);
    expect(parsePortSpec('8000-8010:80')).toEqual([{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPortStart: 8000, hostPortEnd: 8010 }]);
    expect(parsePortSpec('7000-7001')).toHaveLength(2);
    expect(parsePortSpec('53/SCTP')[0]!.protocol).toBe('sctp');
  });

  it('names what is wrong and the accepted form', () => {
    const form = '; expected [IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/tcp|udp|sctp]';
    expect(() => parsePortSpec('8080:80/icmp')).toThrow(`invalid port spec "8080:80/icmp": protocol "icmp" is not tcp, udp or sctp${form}`);
    expect(() => parsePortSpec('70000:80')).toThrow('host port 70000 is outside 1-65535');
    expect(() => parsePortSpec('web:80')).toThrow('host port "web" is not a port or a range of ports');
    expect(() => parsePortSpec('8000-8002:80-81')).toThrow('host range 8000-8002 has 3 ports, container range 80-81 has 2');
    expect(() => parsePortSpec('1.2.3:80:80')).toThrow('"1.2.3" is not an IP address');
    expect(() => parsePortSpec('8080:')).toThrow('the container port is missing');
    expect(() => parsePortSpec('90-80')).toThrow('ends before it starts');
    expect(() => parsePortSpec('a:b:c:d')).toThrow('too many ":"');
    expect(() => parsePortSpec('[::1:80')).toThrow('must be written [ADDRESS]:');
  });

  it('parses --expose', () => {
    expect(parseExpose('80')).toEqual([{ port: 80, protocol: 'tcp' }]);
    expect(parseExpose('53/udp')).toEqual([{ port: 53, protocol: 'udp' }]);
    expect(parseExpose('8000-8002')).toHaveLength(3);
    expect(() => parseExpose('eighty')).toThrow(/not PORT\[-PORT\]/);
  });
});
