import { NATIVE_CONSTANTS, type Engine } from '../dataplane';
import { Keyring } from '../cluster/keyring';
import type { Membership } from '../cluster/membership';
import type { ClusterView } from '../cluster/view';
import type { Logger } from './log';

/** Docker rotates the keys of encrypted overlays every 12 hours. */
export const DEFAULT_KEY_ROTATION_MS = 12 * 3600 * 1000;

/**
 * Encrypted overlay networks on this host (`-o encrypted`): the sealed
 * underlay (ESP in UDP on the advertise address, native/vxlan/sealed.h),
 * opened with the first encrypted network here; every other host of the
 * cluster keyed on it from the keyring (cluster/keyring.ts) and the hosts'
 * generations; and the rotation timer, which moves the cluster to the next
 * epoch when the current one is due (whichever daemon's timer fires first:
 * the transaction lets one through).
 */
export class OverlayKeys {
  readonly keyring: Keyring;
  private sealed?: number;
  private rotation?: NodeJS.Timeout;

  constructor(
    private readonly engine: Engine,
    private readonly membership: Membership,
    private readonly view: ClusterView<{ id: string }>,
    private readonly options: { keyRotationMs?: number },
    private readonly log: Logger,
  ) {
    this.keyring = new Keyring(membership.kv, (p) => membership.bounded(p));
  }

  private get periodMs(): number {
    return this.options.keyRotationMs ?? DEFAULT_KEY_ROTATION_MS;
  }

  /** The sealed underlay, opened (and keyed for every peer) the first time an encrypted network needs it. */
  sealedUnderlay(): number {
    if (this.sealed === undefined) {
      const self = this.membership.self;
      this.sealed = this.engine.addUnderlay({ address: self.advertise, sealed: true, generation: self.generation ?? 0 });
      this.sync();
    }
    return this.sealed;
  }

  /** The keyring, or a host, changed: keys again, and the next rotation due from the current epoch. */
  changed(): void {
    this.sync();
    clearTimeout(this.rotation);
    const current = this.view.keyring.current;
    if (!current) return;
    const due = Math.max(0, Date.parse(current.since) + this.periodMs - Date.now());
    this.rotation = setTimeout(() => {
      this.rotate(current).catch((e: Error) => {
        this.log('overlay.key_rotation', { epoch: current.epoch, error: e.message }, 'warn');
        this.rotation = setTimeout(() => this.changed(), Math.min(this.periodMs, 10_000)).unref(); // try again
      });
    }, Math.min(due, 2 ** 31 - 1)).unref();
  }

  stop(): void {
    clearTimeout(this.rotation);
  }

  /** Moves the cluster to the next key epoch now (no-op if another daemon just did); the view's change then rekeys every host. */
  async rotate(from = this.view.keyring.current): Promise<{ epoch: number } | undefined> {
    if (!from) return undefined;
    const moved = await this.keyring.rotate(from);
    if (moved) this.log('overlay.key_rotation', { from: from.epoch, to: from.epoch + 1 });
    return { epoch: moved ? from.epoch + 1 : (this.view.keyring.current?.epoch ?? from.epoch) };
  }

  /**
   * Every other host of the cluster keyed on the sealed underlay: it seals
   * with the current epoch and opens the ones around it (cluster/keyring.ts).
   * A host that is down keeps its keys: it comes back with the same ones
   * unless its daemon restarted, and then its generation makes new ones.
   */
  private sync(): void {
    if (this.sealed === undefined) return;
    const usable = Keyring.usable(this.view.keyring);
    if (!usable) return;
    for (const n of this.view.nodes.values()) {
      if (n.id === this.membership.self.id) continue;
      try {
        this.engine.setEspPeer(this.sealed, { peer: n.advertise, peerGeneration: n.generation ?? 0, ...usable });
      } catch (e) {
        this.log('overlay.keys', { peer: n.advertise, error: (e as Error).message }, 'warn');
      }
    }
  }

  /** What the keys are now: the epoch and, per peer, the associations (`ferry node keys`). */
  state(): { epoch?: number; since?: string; rotationSeconds: number; peers: ReturnType<Engine['espPeers']> } {
    const current = this.view.keyring.current;
    return { epoch: current?.epoch, since: current?.since, rotationSeconds: this.periodMs / 1000, peers: this.sealed === undefined ? [] : this.engine.espPeers(this.sealed) };
  }

  /** Engine port id -> what it is, for statistics: the sealed underlay once open. */
  owners(): Map<number, string> {
    return new Map(this.sealed === undefined ? [] : [[this.sealed, `sealed underlay ${this.membership.self.advertise}:${NATIVE_CONSTANTS.espUdpPort} (encrypted networks)`]]);
  }
}
