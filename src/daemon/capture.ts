import { capturedFrames, enhancedPacket, interfaceDescription, sectionHeader } from '../capture/pcapng';
import type { CaptureCounters, Engine } from '../dataplane';
import { ferryVersion, loadNative } from '../dataplane/native';
import { badRequest } from './errors';
import { type PortDirectory, resolvePorts } from './port-names';
import type { State } from './state';

export interface CaptureRequest {
  /** CONTAINER (all its interfaces), CONTAINER/IFACE, a host interface, "uplink" or a port id. */
  port: string;
  filter?: string;
  /** Stop after this many frames. */
  count?: number;
  drops?: boolean;
  snaplen?: number;
}

const POLL_MS = 10;
/** tcpdump's: a 64 KB GSO frame fits whole. */
const DEFAULT_SNAPLEN = 262144;

/** One capture while it runs: its ports, the engine's capture, and whether someone asked it to end. */
export interface CaptureSession {
  id: number;
  request: CaptureRequest;
  ports: number[];
  engineId: number;
  stopping: boolean;
}

/**
 * `ferry capture`: a tap on the ports, written out as pcapng while it runs.
 * The ring is read every few milliseconds and each write waits for the
 * client; when the client is slow, the worker does not wait: the ring fills
 * and the frames that do not fit are counted as lost.
 */
export class Captures {
  private readonly sessions = new Map<number, CaptureSession>();
  private nextId = 1;

  constructor(
    private readonly engine: Engine,
    private readonly state: State,
    private readonly ports: PortDirectory,
  ) {}

  /** Checks the request and names the session, before the stream starts (errors are a 4xx, not a broken stream). */
  open(request: CaptureRequest): CaptureSession {
    const ports = resolvePorts(this.ports, this.state, request.port, true);
    const engineId = this.engine.captureStart({ ports, filter: request.filter, snaplen: request.snaplen ?? DEFAULT_SNAPLEN, drops: request.drops });
    const session = { id: this.nextId++, request, ports, engineId, stopping: false };
    this.sessions.set(session.id, session);
    return session;
  }

  /** Ends a running capture as if its count was reached: what is in the ring is still written. */
  stop(id: number): void {
    const s = this.sessions.get(id);
    if (!s) throw badRequest(`no capture ${id} is running`);
    s.stopping = true;
  }

  async run(session: CaptureSession, write: (b: Buffer) => Promise<void>, gone: () => boolean): Promise<CaptureCounters & { written: number }> {
    try {
      return await this.capture(session, write, () => gone() || session.stopping);
    } finally {
      this.sessions.delete(session.id);
    }
  }

  private async capture(session: CaptureSession, write: (b: Buffer) => Promise<void>, closed: () => boolean): Promise<CaptureCounters & { written: number }> {
    const { request: r, ports, engineId: id } = session;
    const snaplen = r.snaplen ?? DEFAULT_SNAPLEN;
    const names = this.ports.names();
    const reasons = loadNative().names.dropReasons;
    const version = ferryVersion();
    let written = 0;
    let counters: CaptureCounters = { captured: 0, lost: 0, filtered: 0 };
    const index = new Map(ports.map((p, i) => [p, i]));
    const drain = async () => {
      for (let buf = this.engine.captureRead(id); buf; buf = this.engine.captureRead(id)) {
        const blocks: Buffer[] = [];
        for (const f of capturedFrames(buf)) {
          if (r.count !== undefined && written >= r.count) break;
          const reason = f.direction === 'dropped' ? reasons[f.dropReason] : undefined;
          blocks.push(enhancedPacket(index.get(f.port) ?? 0, f.tNs, f.frame, f.origLen, f.direction, reason ? `dropped: ${reason.name} (${reason.help})` : undefined));
          written++;
        }
        if (blocks.length && !closed()) await write(Buffer.concat(blocks));
      }
    };
    try {
      await write(Buffer.concat([sectionHeader(`Ferry ${version}`), ...ports.map((p) => interfaceDescription(names.get(p) ?? `port ${p}`, `Ferry port ${p}`, snaplen))]));
      while (!closed() && (r.count === undefined || written < r.count)) {
        await drain();
        await new Promise((res) => setTimeout(res, POLL_MS));
      }
    } finally {
      counters = this.engine.captureStop(id);
      if (!closed() && (r.count === undefined || written < r.count)) await drain().catch(() => undefined);
      this.engine.captureClose(id);
    }
    return { ...counters, written };
  }
}
