import type { MalformedPacket } from '../codec';
import type { PortSpecError } from '../container/port-spec';
import type { DataplaneErrorCode } from '../dataplane/generated/names';
import type { IpamErrorCode } from '../ipam/errors';
import type { NatErrorCode } from '../nat/errors';
import type { PacketSpecError } from '../trace/packet-spec';

/**
 * The one error class of the control plane: what failed, on which object,
 * why, and what to do, e.g.
 *   network "web" has 2 attached containers (a, b); disconnect them first
 * `status` is the HTTP status the API answers with; `code` is stable for
 * programs.
 */
export type FerryErrorCode = 'bad_request' | 'not_found' | 'conflict' | 'internal';

const STATUS: Record<FerryErrorCode, number> = { bad_request: 400, not_found: 404, conflict: 409, internal: 500 };

export class FerryError extends Error {
  constructor(
    readonly code: FerryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FerryError';
  }
  get status(): number {
    return STATUS[this.code];
  }
}

export const badRequest = (m: string) => new FerryError('bad_request', m);
export const notFound = (m: string) => new FerryError('not_found', m);
export const conflict = (m: string) => new FerryError('conflict', m);

/**
 * Every lower layer has one error class with a stable code (ipam, nat,
 * codec, trace, container, netns, store, dataplane); this is the one place
 * that says what each means to an API caller. The message passes through:
 * it already names the object and the reason.
 */
const MEANING: {
  IpamError: Record<IpamErrorCode, FerryErrorCode>;
  NatError: Record<NatErrorCode, FerryErrorCode>;
  PortSpecError: Record<PortSpecError['code'], FerryErrorCode>;
  PacketSpecError: Record<PacketSpecError['code'], FerryErrorCode>;
  MalformedPacket: Record<MalformedPacket['code'], FerryErrorCode>;
  DataplaneError: Partial<Record<DataplaneErrorCode, FerryErrorCode>>;
} & Record<string, Partial<Record<string, FerryErrorCode>>> = {
  IpamError: { invalid: 'bad_request', exhausted: 'conflict', in_use: 'conflict' },
  NatError: { bad_uplink: 'bad_request', bad_binding: 'bad_request', port_allocated: 'conflict' },
  PortSpecError: { invalid: 'bad_request' },
  RateLimitError: { invalid: 'bad_request' },
  UserSpecError: { invalid: 'bad_request' },
  LinkError: { invalid: 'bad_request' },
  PacketSpecError: { invalid: 'bad_request' },
  MalformedPacket: { malformed: 'bad_request' },
  // Everything else of the data plane (tap_open, netns, ...) is the host's trouble: internal.
  DataplaneError: { bad_argument: 'bad_request', port_in_use: 'conflict', uplink_exists: 'conflict', domain_in_use: 'conflict', no_such_port: 'not_found', no_such_domain: 'not_found' },
};

export function toFerryError(e: unknown): FerryError {
  if (e instanceof FerryError) return e;
  const err = e as Error & { code?: unknown };
  const code = typeof err?.code === 'string' ? MEANING[err.name]?.[err.code] : undefined;
  return new FerryError(code ?? 'internal', err instanceof Error ? err.message : String(e));
}
