import { randomBytes } from 'node:crypto';
import type { Namespace } from 'etcd3';

/**
 * The cluster's keys for encrypted overlay networks (`-o encrypted`), kept
 * in etcd beside the rest of the overlay state (view.ts):
 *
 *   keyring/epoch              {"epoch": N, "since": ISO time}: the epoch hosts seal with
 *   keyring/secrets/<epoch>    32 random bytes, base64: that epoch's secret
 *
 * The keyring is made with the first encrypted network. There are always
 * three secrets: the epoch before the current one, the current, and the
 * next. Every host holds receivers for all three (native/crypto/esp_peers.h)
 * and seals with the current: a rotation makes the next one current and
 * the one after it next, and retires the oldest, in one transaction. Since
 * every host could already open the new epoch before anyone sealed with
 * it, and still opens the old one until the rotation after, no packet is
 * lost whichever host hears of the rotation first.
 *
 * Each pair of hosts derives its own keys from a secret (HKDF, with both
 * addresses and both daemons' generations: crypto/esp.h); the secrets never
 * leave the store and the daemons. Whoever can read /ferry/keyring/ in etcd
 * can decrypt the cluster's overlays: protect the store (etcd's
 * authentication and TLS) as Docker protects its swarm's raft store.
 */
export interface KeyEpoch {
  epoch: number;
  since: string;
}

/** The keyring as a daemon knows it (read and followed by the cluster view). */
export interface KeyringState {
  current?: KeyEpoch;
  secrets: Map<number, Buffer>;
}

const EPOCH_KEY = 'keyring/epoch';
const secretKey = (epoch: number) => `keyring/secrets/${epoch}`;
const newSecret = () => randomBytes(32).toString('base64');

export class Keyring {
  constructor(
    private readonly kv: Namespace,
    private readonly bounded: <T>(p: Promise<T>) => Promise<T>,
  ) {}

  /** Makes the keyring if there is none yet: epoch 1, and the secrets of epochs 1 and 2. */
  async ensure(): Promise<void> {
    const first: KeyEpoch = { epoch: 1, since: new Date().toISOString() };
    await this.bounded(
      this.kv
        .if(EPOCH_KEY, 'Create', '==', 0)
        .then(this.kv.put(EPOCH_KEY).value(JSON.stringify(first)), this.kv.put(secretKey(1)).value(newSecret()), this.kv.put(secretKey(2)).value(newSecret()))
        .commit(),
    );
  }

  /**
   * Moves the cluster from epoch `from` to the next, unless another daemon
   * already has (then false): the next secret becomes current, a new one is
   * made for the epoch after, the one before `from` is retired.
   */
  async rotate(from: KeyEpoch): Promise<boolean> {
    const to: KeyEpoch = { epoch: from.epoch + 1, since: new Date().toISOString() };
    const r = await this.bounded(
      this.kv
        .if(EPOCH_KEY, 'Value', '==', JSON.stringify(from))
        .then(this.kv.put(EPOCH_KEY).value(JSON.stringify(to)), this.kv.put(secretKey(to.epoch + 1)).value(newSecret()), this.kv.delete().key(secretKey(from.epoch - 1)))
        .commit(),
    );
    return r.succeeded;
  }

  /** The keyring's part of a key under /ferry/ (view.ts), applied to state; false if the key is not the keyring's. */
  static apply(state: KeyringState, key: string, value: string | undefined): boolean {
    if (key === EPOCH_KEY) {
      try {
        state.current = value === undefined ? undefined : (JSON.parse(value) as KeyEpoch);
      } catch {
        state.current = undefined;
      }
      return true;
    }
    const m = /^keyring\/secrets\/(\d+)$/.exec(key);
    if (!m) return false;
    const secret = value === undefined ? undefined : Buffer.from(value, 'base64');
    if (secret && secret.length >= 32) state.secrets.set(Number(m[1]), secret);
    else state.secrets.delete(Number(m[1]));
    return true;
  }

  /** The secrets hosts may seal with now (the epochs around the current one), and the one to seal with. */
  static usable(state: KeyringState): { sendEpoch: number; secrets: { epoch: number; secret: Buffer }[] } | undefined {
    const e = state.current?.epoch;
    if (e === undefined || !state.secrets.has(e)) return undefined;
    const secrets = [e - 1, e, e + 1].flatMap((epoch) => (state.secrets.has(epoch) ? [{ epoch, secret: state.secrets.get(epoch)! }] : []));
    return { sendEpoch: e, secrets };
  }
}
