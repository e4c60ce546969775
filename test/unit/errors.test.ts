import { describe, expect, it } from 'vitest';
import { PortSpecError } from '../../src/container/port-spec';
import { toFerryError } from '../../src/daemon/errors';
import { DataplaneError } from '../../src/dataplane';
import { IpamError } from '../../src/ipam';
import { NatError } from '../../src/nat';
import { KernelSetupError } from '../../src/netns';
import { PacketSpecError } from '../../src/trace/packet-spec';

/** Each layer's one error class, and what its codes mean to an API caller (one table, src/daemon/errors.ts). */
describe('errors across layer boundaries', () => {
  it.each([
    [new IpamError('exhausted', 'all predefined address pools ... give --subnet'), 'conflict', 409],
    [new IpamError('invalid', '"x" is not a CIDR'), 'bad_request', 400],
    [new IpamError('in_use', 'address 10.0.0.2 is already in use'), 'conflict', 409],
    [new NatError('port_allocated', 'Bind for 0.0.0.0:8080 failed: port is already allocated'), 'conflict', 409],
    [new NatError('bad_binding', 'cannot publish 80/sctp'), 'bad_request', 400],
    [new PortSpecError('8080:x', 'bad'), 'bad_request', 400],
    [new PacketSpecError('tcp', 'bad'), 'bad_request', 400],
    [new DataplaneError('bad_argument', 'filter "x": syntax error'), 'bad_request', 400],
    [new DataplaneError('port_in_use', 'tcp port 80 is already published'), 'conflict', 409],
    [new KernelSetupError('create', 'network namespace "x"', 'File exists'), 'internal', 500],
    [new Error('something else'), 'internal', 500],
  ])('%s', (e, code, status) => {
    const f = toFerryError(e);
    expect([f.code, f.status]).toEqual([code, status]);
    expect(f.message).toBe(e.message);
  });
});
