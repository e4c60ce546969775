import { type DataplaneErrorCode, ERROR_CODES } from './generated/names';

export type { DataplaneErrorCode };

/**
 * Errors of the data plane. The native side throws an Error with a `code`
 * (one of native/core/control_error.h, read here from the addon); it is
 * turned into a DataplaneError so callers can test `err.code` and read one
 * sentence that names the object and the reason.
 */
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
    if (typeof err.code === 'string' && (ERROR_CODES as readonly string[]).includes(err.code)) throw new DataplaneError(err.code as DataplaneErrorCode, err.message);
    throw e;
  }
}
