import { native } from './errors';
import { loadNative, type NativePacketSocket, type VnetHeader } from './native';

/**
 * A raw AF_PACKET socket on one interface of one namespace: exact bytes out,
 * every frame in. For tests, the demo and diagnostics; never per packet in
 * the data plane.
 */
export class PacketSocket {
  private readonly handle: NativePacketSocket;

  constructor(opts: { netns?: string; ifname: string; vnetHdr?: boolean }) {
    const { PacketSocket: Native } = loadNative();
    this.handle = native(() => new Native(opts));
  }

  send(frame: Buffer, vnet?: VnetHeader): number {
    return native(() => this.handle.send(frame, vnet));
  }

  /** The next frame within timeoutMs, or null. Blocks the calling thread. */
  recv(timeoutMs: number): { frame: Buffer; outgoing: boolean; vnet?: VnetHeader } | null {
    return native(() => this.handle.recv(timeoutMs));
  }

  /** Frames received (not sent by this host) until timeoutMs passes with none. */
  drain(timeoutMs: number): Buffer[] {
    const frames: Buffer[] = [];
    for (let r = this.recv(timeoutMs); r; r = this.recv(timeoutMs)) if (!r.outgoing) frames.push(r.frame);
    return frames;
  }

  close(): void {
    this.handle.close();
  }
}
