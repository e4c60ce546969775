import { isIP } from 'node:net';

/**
 * Docker's `-p` syntax: [IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/tcp|udp|sctp],
 * an IPv6 host address in brackets. Parsed into one binding per container
 * port, as Docker stores them. Forwarding for them is the NAT stage's.
 */
export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface PortBinding {
  containerPort: number;
  protocol: Protocol;
  /** "" = all addresses (Docker shows 0.0.0.0). */
  hostIp: string;
  /** Absent: a port chosen by Ferry. A range: one free port from it. */
  hostPortStart?: number;
  hostPortEnd?: number;
}

export const PORT_SPEC_FORM = '[IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/tcp|udp|sctp]';

export class PortSpecError extends Error {
  readonly code = 'invalid';
  constructor(spec: string, why: string) {
    super(`invalid port spec "${spec}": ${why}; expected ${PORT_SPEC_FORM}`);
    this.name = 'PortSpecError';
  }
}

function range(spec: string, text: string, what: string): [number, number] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) throw new PortSpecError(spec, `${what} "${text}" is not a port or a range of ports`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 1 || hi > 65535) throw new PortSpecError(spec, `${what} ${text} is outside 1-65535`);
  if (hi < lo) throw new PortSpecError(spec, `${what} range ${text} ends before it starts`);
  return [lo, hi];
}

export function parsePortSpec(spec: string): PortBinding[] {
  let rest = spec;
  let protocol: Protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (p !== 'tcp' && p !== 'udp' && p !== 'sctp') throw new PortSpecError(spec, `protocol "${p}" is not tcp, udp or sctp`);
    protocol = p;
    rest = rest.slice(0, slash);
  }
  let hostIp = '';
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0 || rest[end + 1] !== ':') throw new PortSpecError(spec, 'an IPv6 address must be written [ADDRESS]:');
    hostIp = rest.slice(1, end);
    if (isIP(hostIp) !== 6) throw new PortSpecError(spec, `"${hostIp}" is not an IPv6 address`);
    rest = rest.slice(end + 2);
  }
  const parts = rest.split(':');
  let hostPart = '';
  let containerPart: string;
  if (parts.length === 1) containerPart = parts[0]!;
  else if (parts.length === 2) [hostPart, containerPart] = parts as [string, string];
  else if (parts.length === 3 && !hostIp) {
    hostIp = parts[0]!;
    if (!isIP(hostIp)) throw new PortSpecError(spec, `"${hostIp}" is not an IP address`);
    hostPart = parts[1]!;
    containerPart = parts[2]!;
  } else throw new PortSpecError(spec, 'too many ":"');
  if (!containerPart) throw new PortSpecError(spec, 'the container port is missing');

  const [cLo, cHi] = range(spec, containerPart, 'container port');
  const count = cHi - cLo + 1;
  if (!hostPart) return Array.from({ length: count }, (_, i) => ({ containerPort: cLo + i, protocol, hostIp }));
  const [hLo, hHi] = range(spec, hostPart, 'host port');
  const hostCount = hHi - hLo + 1;
  if (count > 1 && hostCount !== count)
    throw new PortSpecError(spec, `host range ${hostPart} has ${hostCount} ports, container range ${containerPart} has ${count}`);
  if (count === 1) return [{ containerPort: cLo, protocol, hostIp, hostPortStart: hLo, hostPortEnd: hHi }];
  return Array.from({ length: count }, (_, i) => ({ containerPort: cLo + i, protocol, hostIp, hostPortStart: hLo + i, hostPortEnd: hLo + i }));
}

/** `--expose 80`, `--expose 8000-8010/udp`: container ports only. */
export function parseExpose(spec: string): { port: number; protocol: Protocol }[] {
  const m = /^(\d{1,5}(?:-\d{1,5})?)(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw new PortSpecError(spec, 'not PORT[-PORT][/tcp|udp|sctp]');
  const [lo, hi] = range(spec, m[1]!, 'port');
  const protocol = (m[2]?.toLowerCase() ?? 'tcp') as Protocol;
  return Array.from({ length: hi - lo + 1 }, (_, i) => ({ port: lo + i, protocol }));
}
