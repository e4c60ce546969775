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
