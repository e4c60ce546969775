/**
 * Errors of the data plane. The native side throws an Error with a `code`; it
 * is turned into a DataplaneError here so callers can test `err.code` and read
 * one sentence that names the object and the reason.
 */
export type DataplaneErrorCode =
  | 'bad_argument'
  | 'engine_start'
  | 'engine_stopped'
  | 'no_such_domain'
  | 'no_such_port'
  | 'domain_in_use'
  | 'port_not_in_domain'
  | 'mac_table_full'
  | 'too_many_ports'
  | 'port_poll'
  | 'tap_open'
  | 'packet_open'
  | 'netns'
  | 'no_such_interface'
  | 'socket'
  | 'send'
  | 'closed';

export class DataplaneError extends Error {
  constructor(
    readonly code: DataplaneErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DataplaneError';
  }
}

/** Runs a native call, rethrowing its coded errors as DataplaneError. */
export function native<T>(call: () => T): T {
  try {
    return call();
  } catch (e) {
    const err = e as Error & { code?: string };
    if (typeof err.code === 'string') throw new DataplaneError(err.code as DataplaneErrorCode, err.message);
    throw e;
  }
}
