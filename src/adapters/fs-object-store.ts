/**
 * The object store on a plain folder: the benchmark measures the engine on it rather than an
 * emulator. Writes go to a temporary name and are renamed, so an object is whole or absent.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { NotFoundError } from '../core/errors.js';
import type { ObjectStore, StoredObjectInfo } from '../core/ports.js';

/** ENOTDIR: a key below another object's key (`a/b/c` where `a/b` is an object) does not exist either. */
function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export class FsObjectStore implements ObjectStore {
  constructor(private readonly root: string) {}

  private path(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const target = this.path(key);
    const temp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      await writeFile(temp, body, { mode: 0o600 });
    } catch (err) {
      if (!isMissing(err)) throw err;
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await writeFile(temp, body, { mode: 0o600 });
    }
    await rename(temp, target);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(`no object ${key}`, { cause: err });
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(this.path(key));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObjectInfo> {
    // Walk from the deepest folder the prefix names, then filter by the full prefix.
    const slash = prefix.lastIndexOf('/');
    const base = slash >= 0 ? prefix.slice(0, slash) : '';
    const found: StoredObjectInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!entry.name.includes('.tmp-')) {
          const key = relative(this.root, full).split(sep).join('/');
          if (key.startsWith(prefix)) found.push({ key, size: (await stat(full)).size });
        }
      }
    };
    await walk(base === '' ? this.root : this.path(base));
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* found;
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((k) => rm(this.path(k), { force: true })));
  }
}
