/**
 * The daemon's events, in the shape `docker events --format json` prints:
 * containers (create, start, kill, die, stop, destroy) and networks (create,
 * connect, disconnect, destroy). Listeners get each event as it happens
 * (`ferry events` streams them); the last few are kept so a listener that
 * arrives just after an action, with `since`, still sees it.
 */
export interface DaemonEvent {
  Type: 'container' | 'network';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
  /** Docker's older fields, kept for tools that read them. */
  status?: string;
  id?: string;
}

const KEEP = 256;
/** Wall-clock nanoseconds that never go backwards within a daemon: the monotonic clock, offset once. */
const EPOCH_OFFSET = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export class Events {
  private readonly listeners = new Set<(e: DaemonEvent) => void>();
  private readonly recent: DaemonEvent[] = [];

  emit(type: DaemonEvent['Type'], action: string, id: string, attributes: Record<string, string>): void {
    const nanos = process.hrtime.bigint() + EPOCH_OFFSET;
    const e: DaemonEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Number(nanos / 1_000_000_000n),
      timeNano: Number(nanos),
      ...(type === 'container' ? { status: action, id } : {}),
    };
    this.recent.push(e);
    if (this.recent.length > KEEP) this.recent.shift();
    for (const l of this.listeners) l(e);
  }

  /** Calls fn for each event from now on (and the kept ones at or after `sinceNano`); returns the unsubscribe. */
  subscribe(fn: (e: DaemonEvent) => void, sinceNano?: number): () => void {
    if (sinceNano !== undefined) for (const e of this.recent) if (e.timeNano >= sinceNano) fn(e);
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
