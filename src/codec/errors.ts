/** A frame or header that cannot be parsed: which layer, and why. */
export class MalformedPacket extends Error {
  readonly code = 'malformed';
  constructor(
    readonly layer: string,
    readonly reason: string,
  ) {
    super(`malformed ${layer}: ${reason}`);
    this.name = 'MalformedPacket';
  }
}

/** Throws unless `buf` holds at least `need` bytes: the one length check per header. */
export function requireLength(layer: string, buf: Uint8Array, need: number): void {
  if (buf.length < need) throw new MalformedPacket(layer, `${buf.length} bytes, need at least ${need}`);
}
