/**
 * The local state folder (`WING_HOME`): where it is, its layout, and how files in it are written.
 *
 * Locally, access to this folder is the authority (CONTRACT.md), so the folder is 0700 and every
 * file in it 0600.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

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
    logs: join(root, 'logs'),
    dynamodbData: join(root, 'data', 'dynamodb'),
    s3Data: join(root, 'data', 's3'),
  };
}

/**
 * Creates the state folder and its subfolders (`data/dynamodb`, `data/s3`, `logs`, `keys`) with
 * mode 0700 and returns its layout. Existing folders are tightened to 0700 too, because `mkdir`'s
 * mode is filtered by the umask and does not touch folders that already exist.
 */
export async function ensureStateFolder(home: string): Promise<StatePaths> {
  const paths = statePaths(home);
  const folders = [paths.home, join(paths.home, 'data'), paths.dynamodbData, paths.s3Data, paths.logs, paths.keys];
  for (const folder of folders) {
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

