/**
 * The local state folder (`WING_HOME`): where it is, its layout, and how files in it are written.
 *
 * Locally, access to this folder is the authority (CONTRACT.md), so the folder is 0700 and every
 * file in it 0600. A folder or key that others can open is refused, never silently tightened:
 * others may already have read the key, and an operator has to know that.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync, type Stats } from 'node:fs';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { assertSecretFileMode } from '../adapters/secret-file.js';
import { ValidationError } from '../core/errors.js';

/** Permission bits of the state folder and every folder below it. */
export const FOLDER_MODE = 0o700;
/** Permission bits of every file in the state folder. */
export const FILE_MODE = 0o600;

/** Absolute paths of everything the state folder holds. */
export interface StatePaths {
  readonly home: string;
  /** Names the process that owns the local services (see run-owner.ts). */
  readonly runLock: string;
  /** Short-lived mutex that serialises taking over a stale `run.lock`. */
  readonly runLockTakeover: string;
  /** The owner's service URLs: `{ dynamodb, s3, api?, portal? }`. */
  readonly endpoints: string;
  /** Notification outbox, one JSON object a line. */
  readonly notifications: string;
  readonly keys: string;
  /** The local master key (see local-key-service.ts). */
  readonly masterKey: string;
  readonly logs: string;
  readonly dynamodbData: string;
  readonly s3Data: string;
}

/**
 * Resolves the state folder: the explicit option, else `$WING_HOME`, else `./.wing`; relative
 * paths are taken from `cwd`.
 */
export function resolveWingHome(
  option?: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string {
  const chosen = nonEmpty(option) ?? nonEmpty(env.WING_HOME) ?? '.wing';
  return resolve(cwd, chosen);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The layout of the state folder at `home` (no file system access). */
export function statePaths(home: string): StatePaths {
  const root = resolve(home);
  return {
    home: root,
    runLock: join(root, 'run.lock'),
    runLockTakeover: join(root, 'run.lock.takeover'),
    endpoints: join(root, 'endpoints.json'),
    notifications: join(root, 'notifications.jsonl'),
    keys: join(root, 'keys'),
    masterKey: join(root, 'keys', 'master.key'),
    logs: join(root, 'logs'),
    dynamodbData: join(root, 'data', 'dynamodb'),
    s3Data: join(root, 'data', 's3'),
  };
}

/** The folders of the state folder, the state folder first. */
function stateFolders(paths: StatePaths): string[] {
  return [paths.home, join(paths.home, 'data'), paths.dynamodbData, paths.s3Data, paths.logs, paths.keys];
}

function statIfExists(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Refuses a state folder that others can open: any of its folders with a group or other
 * permission bit, or a key file (the master key above all) that others can read. One line names
 * the path, its mode and the `chmod` that fixes it. What does not exist yet passes (init creates
 * it 0700). Synchronous and cheap, so every command runs it before anything starts.
 */
export function assertStateFolderPrivate(home: string): void {
  const paths = statePaths(home);
  for (const folder of stateFolders(paths)) {
    const info = statIfExists(folder);
    if (info && (info.mode & 0o077) !== 0) {
      throw new ValidationError(`state folder ${folder} is open to others (mode ${(info.mode & 0o777).toString(8)}): run chmod 700 ${folder}`);
    }
  }
  const master = statIfExists(paths.masterKey);
  if (master) assertSecretFileMode(paths.masterKey, master.mode, 'master key');
  let names: string[] = [];
  try {
    names = readdirSync(paths.keys);
  } catch {
    // No keys folder yet.
  }
  for (const name of names) {
    const path = join(paths.keys, name);
    const info = path === paths.masterKey ? undefined : statIfExists(path);
    if (info?.isFile()) assertSecretFileMode(path, info.mode, 'key file');
  }
}

/**
 * Creates the state folder and its subfolders (`data/dynamodb`, `data/s3`, `logs`, `keys`) with
 * mode 0700 and returns its layout. Existing ones that others can open are refused (see
 * {@link assertStateFolderPrivate}); new ones are chmod'ed after `mkdir`, whose mode the umask
 * filters.
 */
export async function ensureStateFolder(home: string): Promise<StatePaths> {
  const paths = statePaths(home);
  assertStateFolderPrivate(home);
  for (const folder of stateFolders(paths)) {
    if (statIfExists(folder)) continue;
    await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
    await chmod(folder, FOLDER_MODE);
  }
  return paths;
}

/**
 * Writes a file with mode 0600 so that readers see either the old or the new content, never a
 * partial one: the data goes to a temporary sibling, is flushed, and is renamed over the target.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = temporarySibling(path);
  try {
    await writeNewFile(temp, data);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Writes `data` to a file that must not exist yet (flag `wx`), mode 0600, flushed to disk. */
export async function writeNewFile(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'wx', FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A unique file name next to `path` (same folder, so a rename or link stays on one file system). */
export function temporarySibling(path: string): string {
  const suffix = `${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  return join(dirname(path), `.${basename(path)}.${suffix}`);
}

