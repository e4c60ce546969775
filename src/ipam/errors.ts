/**
 * The one error of IPAM: bad input (a CIDR, an address, a range that does
 * not fit), an exhausted space (no free pool, no free address), or an
 * address already taken. The code is stable; the message names the object.
 */
export type IpamErrorCode = 'invalid' | 'exhausted' | 'in_use';

export class IpamError extends Error {
  constructor(
    readonly code: IpamErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IpamError';
  }
}
