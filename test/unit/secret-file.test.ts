import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSecretFile } from '../../src/adapters/secret-file.js';
import { ValidationError } from '../../src/core/errors.js';

describe('secret files of the state folder', () => {
  let dir: string;
  const options = { bytes: 32, what: 'test key', missing: 'no test key: run init' };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secret-file-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a 0600 file in a 0700 folder once, then reads the same secret back', async () => {
    const path = join(dir, 'keys', 'k');
    const first = await loadSecretFile(path, { ...options, create: true });
    expect(first).toHaveLength(32);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'keys'))).mode & 0o777).toBe(0o700);
    expect(await loadSecretFile(path, { ...options, create: true })).toEqual(first);
    expect((await readFile(path, 'utf8')).trim()).toBe(first.toString('base64'));
  });

  it('refuses a missing file without create, a file others can read, and a damaged one, each with one clear line', async () => {
    const path = join(dir, 'k');
    await expect(loadSecretFile(path, { ...options, create: false })).rejects.toThrow(new ValidationError('no test key: run init'));
    await writeFile(path, `${Buffer.alloc(32, 1).toString('base64')}\n`, { mode: 0o644 });
    await chmod(path, 0o644);
    await expect(loadSecretFile(path, { ...options, create: false })).rejects.toThrow(/readable by others \(mode 644\): run chmod 600/);
    await writeFile(path, 'c2hvcnQ=\n', { mode: 0o600 });
    await chmod(path, 0o600);
    await expect(loadSecretFile(path, { ...options, create: false })).rejects.toThrow(/is not 32 bytes: it is damaged/);
  });
});
