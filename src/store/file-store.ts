import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { type Store, StoreError, checkKey } from './store';

/**
 * Documents as JSON files: STATE_DIR/COLLECTION/KEY.json.
 *
 * A put writes a temporary file, fsyncs it, renames it over the document and
 * fsyncs the directory, so after a crash (kill -9, power loss) a reader sees
 * either the old document or the new one, never a mix. Temporary files a
 * crash left behind are ignored on read and removed when the store opens.
 */
export class FileStore implements Store {
  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<FileStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const store = new FileStore(dir);
    for (const collection of await readdir(dir).catch(() => [] as string[])) {
      for (const f of await readdir(path.join(dir, collection)).catch(() => [] as string[]))
        if (f.startsWith('.tmp-')) await unlink(path.join(dir, collection, f)).catch(() => undefined);
    }
    return store;
  }

  async get<T>(collection: string, key: string): Promise<T | undefined> {
    checkKey(collection, key);
    try {
      return this.parse<T>(collection, key, await readFile(this.file(collection, key), 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async list<T>(collection: string): Promise<T[]> {
    const names = await readdir(path.join(this.dir, collection)).catch(() => [] as string[]);
    const docs: T[] = [];
    for (const n of names.sort()) {
      if (!n.endsWith('.json') || n.startsWith('.')) continue;
      const doc = await this.get<T>(collection, n.slice(0, -5));
      if (doc !== undefined) docs.push(doc);
    }
    return docs;
  }

  async put<T>(collection: string, key: string, value: T): Promise<void> {
    checkKey(collection, key);
    const dir = path.join(this.dir, collection);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, `.tmp-${key}-${randomBytes(4).toString('hex')}`);
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(`${JSON.stringify(value, null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file(collection, key));
    await this.syncDir(dir);
  }

  async delete(collection: string, key: string): Promise<boolean> {
    checkKey(collection, key);
    try {
      await unlink(this.file(collection, key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    await this.syncDir(path.join(this.dir, collection));
    return true;
  }

  private file(collection: string, key: string): string {
    return path.join(this.dir, collection, `${key}.json`);
  }

  private parse<T>(collection: string, key: string, text: string): T {
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new StoreError('corrupt', `stored ${collection} "${key}" (${this.file(collection, key)}) is not valid JSON: ${(e as Error).message}`);
    }
  }

  private async syncDir(dir: string): Promise<void> {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}
