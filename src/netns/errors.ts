/**
 * A kernel object could not be created, changed or removed. The message names
 * the object, the operation, and the kernel's own reason, e.g.
 * `cannot add address 192.0.2.1/24 on eth0 in namespace "a": Address already assigned`.
 */
export class KernelSetupError extends Error {
  readonly code = 'kernel_setup';
  constructor(
    readonly operation: string,
    readonly object: string,
    readonly reason: string,
  ) {
    super(`cannot ${operation} ${object}: ${reason}`);
    this.name = 'KernelSetupError';
  }
}

/** The kernel's sentence from iproute2's stderr ("Error: ipv4: Address already assigned." -> "Address already assigned"). */
export function kernelReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Command failed'));
  const text = lines.join('; ') || 'unknown error';
  return text.replace(/^Error: (\w+: )?/, '').replace(/\.$/, '');
}
