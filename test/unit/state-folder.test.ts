import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { assertStateFolderPrivate, ensureStateFolder, statePaths } from '../../src/local/state-folder.js';

const KEY = `${Buffer.alloc(32, 7).toString('base64')}\n`;

describe('the state folder is private to its owner', () => {
  let parent: string;
  let home: string;
  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'state-folder-'));
    home = join(parent, 'home');
  });
  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  async function modeOf(path: string): Promise<number> {
    return (await stat(path)).mode & 0o777;
  }

  it('creates a new state folder and its folders 0700, whatever the umask; an absent folder passes the check', async () => {
    // Arrange
    assertStateFolderPrivate(home);
    const umask = process.umask(0o002);

    // Act
    let paths;
    try {
      paths = await ensureStateFolder(home);
    } finally {
      process.umask(umask);
    }

    // Assert
    for (const folder of [paths.home, join(paths.home, 'data'), paths.dynamodbData, paths.s3Data, paths.logs, paths.keys]) expect(await modeOf(folder), folder).toBe(0o700);
    expect(paths.masterKey).toBe(join(home, 'keys', 'master.key'));
    // Existing and private: accepted again.
    await expect(ensureStateFolder(home)).resolves.toEqual(paths);
  });

  it.each([0o755, 0o750, 0o701])('refuses an existing state folder of mode %s with one line naming it and the fix, and leaves its mode alone', async (mode) => {
    // Arrange
    await mkdir(home);
    await chmod(home, mode);
    const line = `state folder ${home} is open to others (mode ${mode.toString(8)}): run chmod 700 ${home}`;

    // Act / Assert
    expect(() => { assertStateFolderPrivate(home); }).toThrow(new ValidationError(line));
    await expect(ensureStateFolder(home)).rejects.toThrow(new ValidationError(line));
    expect(await modeOf(home)).toBe(mode);
  });

  it('refuses a folder inside it that others can open', async () => {
    // Arrange
    const paths = await ensureStateFolder(home);
    await chmod(paths.keys, 0o755);

    // Act / Assert
    await expect(ensureStateFolder(home)).rejects.toThrow(`state folder ${paths.keys} is open to others (mode 755): run chmod 700 ${paths.keys}`);
  });

  it.each([
    { file: 'master.key', what: 'master key', mode: 0o644 },
    { file: 'master.key', what: 'master key', mode: 0o640 },
    { file: 'session.key', what: 'key file', mode: 0o604 },
  ])('refuses $file of mode $mode with one line naming it and chmod 600, before anything reads it', async ({ file, what, mode }) => {
    // Arrange
    const paths = await ensureStateFolder(home);
    const path = join(paths.keys, file);
    await writeFile(path, KEY, { mode: 0o600 });
    await chmod(path, mode);
    const line = `${what} ${path} is readable by others (mode ${mode.toString(8)}): run chmod 600 ${path}`;

    // Act / Assert
    expect(() => { assertStateFolderPrivate(home); }).toThrow(new ValidationError(line));
    await expect(ensureStateFolder(home)).rejects.toThrow(new ValidationError(line));
  });

  it('accepts a private state folder with its 0600 master key', async () => {
    // Arrange
    const paths = await ensureStateFolder(home);
    await writeFile(statePaths(home).masterKey, KEY, { mode: 0o600 });

    // Act / Assert
    expect(() => { assertStateFolderPrivate(home); }).not.toThrow();
    await expect(ensureStateFolder(home)).resolves.toEqual(paths);
  });
});
