import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../src/adapters/fs-object-store.js';
import { NotFoundError } from '../../src/core/errors.js';
import type { StoredObjectInfo } from '../../src/core/ports.js';

let root: string;
let store: FsObjectStore;

async function listAll(prefix: string): Promise<StoredObjectInfo[]> {
  const out: StoredObjectInfo[] = [];
  for await (const info of store.list(prefix)) out.push(info);
  return out;
}

async function putAll(keys: readonly string[]): Promise<void> {
  for (const key of keys) await store.put(key, Buffer.from(`body of ${key}`));
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'wing-fs-store-'));
  store = new FsObjectStore(root);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('FsObjectStore', () => {
  it.each([
    { case: 'a top-level key', key: 'top.json', body: Buffer.from('{"a":1}') },
    { case: 'a deeply nested key', key: 'components/auth/packs/ab/abcdef', body: Buffer.from([0, 1, 2, 255]) },
    { case: 'an empty body', key: 'empty/object', body: Buffer.alloc(0) },
    { case: 'a large body', key: 'big/blob', body: Buffer.alloc(3 * 1024 * 1024, 7) },
  ])('puts and gets back $case', async ({ key, body }) => {
    // Act
    await store.put(key, body);
    const back = await store.get(key);

    // Assert
    expect(back.equals(body)).toBe(true);
    expect(await store.exists(key)).toBe(true);
  });

  it('replaces an object put again under the same key', async () => {
    // Arrange
    await store.put('a/b', Buffer.from('first, longer body'));

    // Act
    await store.put('a/b', Buffer.from('second'));

    // Assert
    expect((await store.get('a/b')).toString()).toBe('second');
  });

  it('leaves no temporary files behind after a put', async () => {
    // Act
    await store.put('dir/obj', Buffer.from('x'));

    // Assert
    expect(await readdir(join(root, 'dir'))).toEqual(['obj']);
  });

  it('writes objects readable by the owner only', async () => {
    // Act
    await store.put('secret/obj', Buffer.from('x'));

    // Assert
    expect((await stat(join(root, 'secret', 'obj'))).mode & 0o077).toBe(0);
  });

  it('throws NotFoundError naming the key for a missing object', async () => {
    // Arrange
    await putAll(['present/one']);

    // Act / Assert
    await expect(store.get('present/two')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.get('absent/dir/key')).rejects.toThrow(/absent\/dir\/key/);
  });

  it('says a missing object does not exist', async () => {
    expect(await store.exists('nothing/here')).toBe(false);
  });

  it.each([
    {
      case: 'a folder prefix lists everything under it, sorted',
      prefix: 'components/auth/',
      expected: ['components/auth/indexes/p1', 'components/auth/packs/aa/p1', 'components/auth/packs/ab/p2', 'components/auth/snapshots/s1.json'],
    },
    {
      case: 'a partial name prefix lists only the keys starting with it',
      prefix: 'components/auth/pa',
      expected: ['components/auth/packs/aa/p1', 'components/auth/packs/ab/p2'],
    },
    {
      case: 'a prefix without a slash filters from the root',
      prefix: 'recovery',
      expected: ['recovery-points/rp-1.json', 'recovery-points/rp-2.json'],
    },
    {
      case: 'an empty prefix lists every key, sorted',
      prefix: '',
      expected: [
        'components/agents/packs/aa/p9',
        'components/auth/indexes/p1',
        'components/auth/packs/aa/p1',
        'components/auth/packs/ab/p2',
        'components/auth/snapshots/s1.json',
        'recovery-points/rp-1.json',
        'recovery-points/rp-2.json',
      ],
    },
    { case: 'a prefix of a folder that does not exist lists nothing', prefix: 'components/billing/', expected: [] },
    { case: 'a full key lists that key', prefix: 'components/auth/indexes/p1', expected: ['components/auth/indexes/p1'] },
  ])('$case', async ({ prefix, expected }) => {
    // Arrange: put in an unsorted order.
    await putAll([
      'recovery-points/rp-2.json',
      'components/auth/snapshots/s1.json',
      'components/auth/packs/ab/p2',
      'components/agents/packs/aa/p9',
      'components/auth/packs/aa/p1',
      'recovery-points/rp-1.json',
      'components/auth/indexes/p1',
    ]);

    // Act
    const listed = await listAll(prefix);

    // Assert
    expect(listed.map((o) => o.key)).toEqual(expected);
  });

  it('lists each object with its size in bytes', async () => {
    // Arrange
    await store.put('sized/a', Buffer.alloc(10));
    await store.put('sized/b', Buffer.alloc(0));

    // Act
    const listed = await listAll('sized/');

    // Assert
    expect(listed).toEqual([
      { key: 'sized/a', size: 10 },
      { key: 'sized/b', size: 0 },
    ]);
  });

  it('lists nothing in an empty store, even when its root folder is gone', async () => {
    // Arrange
    await rm(root, { recursive: true, force: true });

    // Act / Assert
    expect(await listAll('')).toEqual([]);
  });

  it('deletes the given keys only, and ignores keys that do not exist', async () => {
    // Arrange
    await putAll(['d/one', 'd/two', 'd/three']);

    // Act
    await store.delete(['d/one', 'd/three', 'd/never-existed']);

    // Assert
    expect((await listAll('d/')).map((o) => o.key)).toEqual(['d/two']);
    expect(await store.exists('d/one')).toBe(false);
    await expect(store.get('d/three')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('accepts an empty list of keys to delete', async () => {
    // Arrange
    await putAll(['keep/me']);

    // Act
    await store.delete([]);

    // Assert
    expect(await store.exists('keep/me')).toBe(true);
  });
});

describe('FsObjectStore keys below an object', () => {
  it('treats a key below an existing object as missing, as S3 would', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fs-store-'));
    const store = new FsObjectStore(root);
    await store.put('a/file', Buffer.from('x'));
    await expect(store.get('a/file/x')).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.exists('a/file/x')).toBe(false);
    await rm(root, { recursive: true, force: true });
  });
});
