/**
 * The NAT layer's one error: a bad --uplink (bad_uplink), a binding Ferry
 * cannot publish (bad_binding), or a host port already taken (port_allocated,
 * in Docker's words: "Bind for 0.0.0.0:8080 failed: port is already allocated").
 */
export type NatErrorCode = 'bad_uplink' | 'bad_binding' | 'port_allocated';

export class NatError extends Error {
  constructor(
    readonly code: NatErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NatError';
  }
}
