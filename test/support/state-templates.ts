/**
 * Initialised state folders built once per `vitest run` and copied into each test file's fresh
 * state folder ("templates").
 *
 * Setting up a test file's state folder (services started, `init --demo` with its eight backdated
 * recovery points) takes ~20 s, and most files want the same state. The global setup
 * (test/global-setup.ts) creates an empty folder for this run and hands its path to the test
 * files (`provide` / `inject`); the first file that needs a given state builds it there (with its
 * services stopped afterwards, so that DynamoDB Local's database file is consistent) and every
 * file copies it (0.2-0.3 s for ~850 files, a second or two on a busy machine). The folder is
 * removed when the run ends: a template is never reused by a later run, which may run other code.
 * A template costs its builder one more start and stop of the services (~5 s) than initialising
 * its own folder; every other file that uses it saves its `init`.
 *
 * Test files run in parallel workers: a directory lock (mkdir is atomic) per template makes sure
 * only one worker builds it; the others wait for it. A template is published by renaming its
 * finished folder into place, so a folder that exists is complete.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder of this run's state templates (test/global-setup.ts). */
    wingStateTemplates: string;
  }
}

/** This run's template folder, or undefined outside a `vitest run` with the global setup. */
export function templateRoot(): string | undefined {
  try {
    const root = inject('wingStateTemplates');
    return typeof root === 'string' && root !== '' && existsSync(root) ? root : undefined;
  } catch {
    // Not in a vitest worker (a script importing the test support), or no global setup.
    return undefined;
  }
}

const execFileAsync = promisify(execFile);

/** How long a worker waits for another one building the same template. */
const WAIT_FOR_BUILDER_MS = 10 * 60_000;
const POLL_MS = 200;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes a lock whose builder (a worker process) died while holding it. */
function clearDeadLock(lock: string): void {
  let owner: number | undefined;
  try {
    owner = (JSON.parse(readFileSync(join(lock, 'owner.json'), 'utf8')) as { pid: number }).pid;
  } catch {
    // owner.json not written yet (or the lock was just removed): stale only if that lasts.
    try {
      if (Date.now() - statSync(lock).mtimeMs < 60_000) return;
    } catch {
      return;
    }
  }
  if (owner === undefined || !isAlive(owner)) rmSync(lock, { recursive: true, force: true });
}

/** Builds in progress in this process (worker threads share a pid, so the lock alone cannot tell them apart). */
const building = new Map<string, Promise<string>>();

/**
 * The folder of the template named by `key` in `root`, built by `build(folder)` if no worker has
 * built it yet in this run. `build` fills an empty folder; the template is whatever it leaves.
 */
export function sharedTemplate(root: string, key: string, build: (folder: string) => Promise<void>): Promise<string> {
  const id = createHash('sha256').update(key).digest('hex').slice(0, 24);
  const pending = building.get(id) ?? obtain(root, id, key, build);
  building.set(id, pending);
  // A failed build is not remembered: the next file tries again (and reports its own failure).
  void pending.then(undefined, () => {
    building.delete(id);
  });
  return pending;
}

async function obtain(root: string, id: string, key: string, build: (folder: string) => Promise<void>): Promise<string> {
  const folder = join(root, id);
  if (existsSync(folder)) return folder;
  const lock = join(root, `${id}.lock`);
  const deadline = Date.now() + WAIT_FOR_BUILDER_MS;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (existsSync(folder)) return folder;
    clearDeadLock(lock);
    if (Date.now() > deadline) throw new Error(`timed out waiting for another worker to build the state template ${folder} (lock ${lock})`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    await writeFile(join(lock, 'owner.json'), JSON.stringify({ pid: process.pid }));
    if (existsSync(folder)) return folder;
    const partial = join(root, `${id}.partial`);
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { mode: 0o700 });
    await build(partial);
    await writeFile(join(partial, 'key.json'), key);
    await rename(partial, folder);
    return folder;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * Copies the state folder `from` into `to` (created if needed; files of the same name are
 * overwritten). `cp -a` keeps modes (0700 folders, 0600 files: the state folder refuses anything
 * else) and modification times: s3rver reports an object's file time as its LastModified, which
 * the vault's change detection compares. (Node's fs.cp does the same 3-4 times slower on the
 * ~850 small files of a demo state folder.)
 */
export async function copyStateFolder(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  await execFileAsync('cp', ['-a', `${from}/.`, to]);
}

export async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}
