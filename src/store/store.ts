/**
 * The daemon's one source of truth. A store holds documents by collection and
 * key; each put replaces one document atomically. The embedded FileStore
 * serves one host; an etcd-backed store for several hosts implements the same
 * interface later.
 *
 * Why one document per object, not one file for everything: every operation
 * of the daemon changes exactly one document (address allocations are derived
 * from the containers' own documents, not kept beside them), so there is no
 * multi-document transaction to get wrong after a crash.
 */
export interface Store {
  get<T>(collection: string, key: string): Promise<T | undefined>;
  list<T>(collection: string): Promise<T[]>;
  put<T>(collection: string, key: string, value: T): Promise<void>;
  /** True when something was deleted. */
  delete(collection: string, key: string): Promise<boolean>;
}

export class StoreError extends Error {
  constructor(
    readonly code: 'invalid_key' | 'corrupt',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

const KEY = /^[A-Za-z0-9_.-]{1,128}$/;

export function checkKey(kind: string, key: string): void {
  if (!KEY.test(key) || key.startsWith('.')) throw new StoreError('invalid_key', `${kind} "${key}" is not a valid store key ([A-Za-z0-9_.-], not starting with a dot)`);
}
