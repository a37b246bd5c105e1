/**
 * Who owns the local services of a state folder (CONTRACT.md, "State folder and who owns the
 * local services").
 *
 * The owner is the process named in `run.lock`; while it runs, `endpoints.json` names its
 * services. Any other process uses those endpoints. Without a live owner, the caller becomes the
 * owner. A `run.lock` whose process is gone, or whose pid now belongs to another process (start
 * time differs), is stale and is taken over. Two owners never run on one state folder: creating
 * `run.lock` is exclusive, and only one process at a time may remove a stale one.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConflictError } from '../core/errors.js';
import type { LocalEndpoints, RunningServices } from './local-services.js';
import { ensureStateFolder, statePaths, temporarySibling, writeFileAtomic, writeNewFile, type StatePaths } from './state-folder.js';

/** `long-lived`: `npm start`; `temporary`: a CLI command that found no live owner. */
export type OwnerKind = 'long-lived' | 'temporary';

const endpointsSchema = z.object({
  dynamodb: z.string(),
  s3: z.string(),
  api: z.string().optional(),
  portal: z.string().optional(),
});

const runLockSchema = z.object({
  pid: z.number().int().positive(),
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); null where /proc is unavailable. */
  startTime: z.string().nullable(),
  startedAt: z.string(),
  kind: z.enum(['long-lived', 'temporary']),
  servicePids: z.object({ dynamodb: z.number().int().positive(), s3: z.number().int().positive() }).optional(),
});

/** Content of `run.lock`. */
export type RunLock = z.infer<typeof runLockSchema>;

/** Access to the local services: as their owner, or as a user of a live owner's services. */
export interface ServiceSession {
  endpoints: LocalEndpoints;
  /** True when this process started the services and must keep running for them to exist. */
  isOwner: boolean;
  /** Owner: stops the services and removes `run.lock` and `endpoints.json`. Otherwise a no-op. */
  release(): Promise<void>;
}

/** Options of {@link acquireLocalServices}. */
export interface AcquireOptions {
  home: string;
  kind: OwnerKind;
  /** Say nothing on stderr (a command whose one error line is already out). */
  quiet?: boolean;
  /** How long to wait for a starting owner's `endpoints.json`; default 30 s. */
  waitForOwnerMs?: number;
  /**
   * Owner only: on SIGINT/SIGTERM/SIGHUP stop the services, remove the files and exit with
   * 128 + signal number. Default true.
   */
  handleSignals?: boolean;
  /**
   * Owner only: asked on the first Ctrl-C (SIGINT). A message means "not now": it is printed and
   * only a second Ctrl-C stops. SIGTERM and SIGHUP always stop.
   */
  confirmStop?: () => Promise<string | undefined>;
}

const DEFAULT_WAIT_FOR_OWNER_MS = 30_000;
const POLL_INTERVAL_MS = 100;
/** How long leftover services of a dead owner get to exit after SIGTERM before SIGKILL. */
const LEFTOVER_GRACE_MS = 5_000;
const SIGNAL_EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Returns the live owner's endpoints, or starts the local services and becomes their owner.
 * Throws {@link ConflictError} if a live owner's `endpoints.json` does not appear in time.
 */
export async function acquireLocalServices(opts: AcquireOptions): Promise<ServiceSession> {
  const paths = await ensureStateFolder(opts.home);
  const deadline = Date.now() + (opts.waitForOwnerMs ?? DEFAULT_WAIT_FOR_OWNER_MS);
  for (;;) {
    const mine = ownLock(opts.kind);
    if (await createExclusively(paths.runLock, JSON.stringify(mine))) {
      return becomeOwner(paths, mine, opts.handleSignals ?? true, opts.confirmStop, opts.quiet ?? false);
    }
    const current = await readRunLock(paths);
    if (current === 'missing') continue;
    if (current !== 'corrupt' && isLockLive(current)) {
      // Registered before reading the endpoints: an owner that is finishing removes endpoints.json
      // first, then waits for the users it can see, so no user loses the services mid-command.
      const unregister = await registerUser(paths);
      // The owner may still be starting its services: its endpoints.json appears when they answer.
      const endpoints = await readEndpoints(paths);
      if (endpoints) return { endpoints, isOwner: false, release: unregister };
      await unregister();
      if (Date.now() >= deadline) {
        throw new ConflictError(
          `the local services of ${paths.home} belong to process ${current.pid}, but its endpoints.json did not appear in time`,
        );
      }
      await sleep(POLL_INTERVAL_MS);
      continue;
    }
    await takeOverStaleLock(paths);
  }
}

/**
 * The live owner of the state folder at `home` and its endpoints, or undefined when there is no
 * live owner or it has not published its endpoints yet.
 */
export async function readLiveOwner(home: string): Promise<{ lock: RunLock; endpoints: LocalEndpoints } | undefined> {
  const paths = statePaths(home);
  const lock = await readRunLock(paths);
  if (lock === 'missing' || lock === 'corrupt' || !isLockLive(lock)) return undefined;
  const endpoints = await readEndpoints(paths);
  return endpoints ? { lock, endpoints } : undefined;
}

/**
 * Adds or replaces endpoints in `endpoints.json` (e.g. `api` and `portal` once the long-lived
 * owner serves them) and returns the result. Only the owner may do this.
 */
export async function updateEndpoints(home: string, patch: Partial<LocalEndpoints>): Promise<LocalEndpoints> {
  const paths = statePaths(home);
  const lock = await readRunLock(paths);
  if (lock === 'missing' || lock === 'corrupt' || lock.pid !== process.pid || !isLockLive(lock)) {
    throw new ConflictError(`process ${process.pid} does not own the local services of ${paths.home}`);
  }
  const current = await readEndpoints(paths);
  if (!current) throw new ConflictError(`${paths.endpoints} does not exist yet`);
  const updated = endpointsSchema.parse({ ...current, ...patch });
  await writeFileAtomic(paths.endpoints, JSON.stringify(updated, null, 2));
  return updated;
}

/**
 * Whether `pid` is a running process (zombies count as gone) and, when `startTime` is given and
 * /proc can tell, still the same process rather than a later one that reuses the pid.
 */
export function isProcessAlive(pid: number, startTime?: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readProcStat(pid);
  if (stat === undefined) return true;
  if (stat.state === 'Z') return false;
  return startTime === undefined || startTime === null || stat.startTime === startTime;
}

/** Start time of `pid` (field 22 of /proc/<pid>/stat), or null where /proc cannot tell. */
export function processStartTime(pid: number): string | null {
  return readProcStat(pid)?.startTime ?? null;
}

function readProcStat(pid: number): { state: string; startTime: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (the command name, in parentheses) may contain spaces: split after its last ')'.
  // The rest starts with field 3, so field N is at index N - 3.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const startTime = rest[22 - 3];
  return state === undefined || startTime === undefined ? undefined : { state, startTime };
}

function isLockLive(lock: { pid: number; startTime: string | null }): boolean {
  return isProcessAlive(lock.pid, lock.startTime);
}

function ownLock(kind: OwnerKind): RunLock {
  return { pid: process.pid, startTime: processStartTime(process.pid), startedAt: new Date().toISOString(), kind };
}

/**
 * Creates `path` with `content` only if it does not exist. Like `open(path, 'wx')`, but the file
 * appears complete: the content is written to a temporary file that is then hard-linked to
 * `path`, and link(2) fails with EEXIST atomically. So a reader never sees an empty lock.
 */
async function createExclusively(path: string, content: string): Promise<boolean> {
  const temp = temporarySibling(path);
  await writeNewFile(temp, content);
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(temp, { force: true });
  }
}

async function readRunLock(paths: StatePaths): Promise<RunLock | 'missing' | 'corrupt'> {
  const text = await readOptional(paths.runLock);
  if (text === undefined) return 'missing';
  const parsed = runLockSchema.safeParse(parseJson(text));
  return parsed.success ? parsed.data : 'corrupt';
}

async function readEndpoints(paths: StatePaths): Promise<LocalEndpoints | undefined> {
  const text = await readOptional(paths.endpoints);
  if (text === undefined) return undefined;
  const parsed = endpointsSchema.safeParse(parseJson(text));
  return parsed.success ? parsed.data : undefined;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Removes a stale `run.lock` (and the dead owner's `endpoints.json` and leftover services).
 * Several processes may find the same stale lock; removing it is serialised by the
 * `run.lock.takeover` mutex, and the lock is checked again under it, so that nobody removes a
 * lock that another process has just created.
 */
async function takeOverStaleLock(paths: StatePaths): Promise<void> {
  const holder = { pid: process.pid, startTime: processStartTime(process.pid) };
  if (!(await createExclusively(paths.runLockTakeover, JSON.stringify(holder)))) {
    await clearDeadTakeover(paths);
    await sleep(POLL_INTERVAL_MS);
    return;
  }
  try {
    const current = await readRunLock(paths);
    if (current === 'missing' || (current !== 'corrupt' && isLockLive(current))) return;
    if (current !== 'corrupt' && current.servicePids) {
      await stopLeftoverServices([current.servicePids.dynamodb, current.servicePids.s3]);
    }
    // endpoints.json first: it must never outlive the run.lock that vouches for it.
    await rm(paths.endpoints, { force: true });
    await rm(paths.runLock, { force: true });
  } finally {
    await rm(paths.runLockTakeover, { force: true });
  }
}

/** Removes a takeover mutex whose holder died while holding it. */
async function clearDeadTakeover(paths: StatePaths): Promise<void> {
  const text = await readOptional(paths.runLockTakeover);
  if (text === undefined) return;
  const holder = z.object({ pid: z.number(), startTime: z.string().nullable() }).safeParse(parseJson(text));
  if (holder.success && isProcessAlive(holder.data.pid, holder.data.startTime)) return;
  // Re-check right before removing, to narrow the window in which a new holder could appear.
  if ((await readOptional(paths.runLockTakeover)) === text) await rm(paths.runLockTakeover, { force: true });
}

/**
 * Stops services a dead owner left behind. They normally exit on their own when the owner's
 * pipe closes; this covers the moments before that, and owners killed in odd ways. A pid is only
 * signalled if it still runs DynamoDB Local (java) or the s3rver child (node): the pid may have
 * been reused by an unrelated process.
 */
async function stopLeftoverServices(pids: number[]): Promise<void> {
  const ours = pids.filter((pid) => isProcessAlive(pid) && isLocalServiceProcess(pid));
  for (const pid of ours) signal(pid, 'SIGTERM');
  const deadline = Date.now() + LEFTOVER_GRACE_MS;
  while (ours.some((pid) => isProcessAlive(pid)) && Date.now() < deadline) await sleep(POLL_INTERVAL_MS);
  for (const pid of ours.filter((p) => isProcessAlive(p))) signal(pid, 'SIGKILL');
}

function isLocalServiceProcess(pid: number): boolean {
  try {
    const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return (
      (name === 'java' && commandLine.includes('DynamoDBLocal')) ||
      (name === 'node' && commandLine.includes('s3rver-child'))
    );
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** How long a finishing temporary owner keeps the services up for commands still using them. */
const MAX_WAIT_FOR_USERS_MS = 60 * 60_000;

function usersFolder(paths: StatePaths): string {
  return join(paths.home, 'users');
}

/** Records this process as a user of another owner's services; returns how to unregister. */
async function registerUser(paths: StatePaths): Promise<() => Promise<void>> {
  const folder = usersFolder(paths);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const file = join(folder, `${String(process.pid)}.json`);
  await writeFileAtomic(file, JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid) }));
  return () => rm(file, { force: true });
}

/** Waits until no live process is registered as a user; files of dead users are removed. */
async function waitForLiveUsers(paths: StatePaths, quiet: boolean): Promise<void> {
  const folder = usersFolder(paths);
  const deadline = Date.now() + MAX_WAIT_FOR_USERS_MS;
  let told = false;
  while (Date.now() < deadline) {
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      return;
    }
    let live = 0;
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const holder = z.object({ pid: z.number(), startTime: z.string().nullable() }).safeParse(parseJson((await readOptional(join(folder, name))) ?? ''));
      if (holder.success && holder.data.pid !== process.pid && isProcessAlive(holder.data.pid, holder.data.startTime)) live += 1;
      else await rm(join(folder, name), { force: true });
    }
    if (live === 0) return;
    if (!told && !quiet) {
      // Otherwise a finished command would seem to hang.
      process.stderr.write(`waiting for ${String(live)} other wing command(s) still using the local services before stopping them\n`);
      told = true;
    }
    await sleep(200);
  }
}

async function becomeOwner(paths: StatePaths, lock: RunLock, handleSignals: boolean, confirmStop: (() => Promise<string | undefined>) | undefined, quiet: boolean): Promise<ServiceSession> {
  let services: RunningServices | undefined;
  let released: Promise<void> | undefined;

  const removeFilesSync = (): void => {
    if (!lockIsMineSync(paths, lock)) return;
    unlinkQuietly(paths.endpoints);
    unlinkQuietly(paths.runLock);
  };
  // A normal release waits for commands still using the services; a signal stops them at once.
  const stop = (waitForUsers: boolean): Promise<void> =>
    (released ??= (async () => {
      uninstall();
      if (waitForUsers && lockIsMineSync(paths, lock)) {
        await rm(paths.endpoints, { force: true });
        await waitForLiveUsers(paths, quiet);
      }
      await services?.stop();
      removeFilesSync();
    })());
  const release = (): Promise<void> => stop(true);
  // Installed before the services start, so that a Ctrl-C during start-up cleans up too.
  const uninstall = installOwnerHandlers({
    handleSignals,
    ...(confirmStop ? { confirmStop } : {}),
    onExit: () => {
      services?.stopNow();
      removeFilesSync();
    },
    onSignal: () => stop(false),
  });

  try {
    // A leftover from an owner that crashed mid-release must not be mistaken for ours.
    await rm(paths.endpoints, { force: true });
    // Imported when services start: it loads the AWS SDK clients, which readLiveOwner (all a
    // command run through the owner's admin API needs of this module) does not use.
    const { startLocalServices } = await import('./local-services.js');
    services = await startLocalServices({ home: paths.home });
    await writeFileAtomic(paths.runLock, JSON.stringify({ ...lock, servicePids: services.pids } satisfies RunLock, null, 2));
    await writeFileAtomic(paths.endpoints, JSON.stringify(services.endpoints, null, 2));
  } catch (err) {
    await release();
    throw err;
  }
  return { endpoints: services.endpoints, isOwner: true, release };
}

/** Whether `run.lock` still names this owner (not a successor that took over meanwhile). */
function lockIsMineSync(paths: StatePaths, lock: RunLock): boolean {
  try {
    const current = runLockSchema.safeParse(parseJson(readFileSync(paths.runLock, 'utf8')));
    return current.success && current.data.pid === lock.pid && current.data.startedAt === lock.startedAt;
  } catch {
    return false;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/**
 * Registers the owner's process handlers and returns a function that removes them. `exit` runs
 * synchronously (no awaiting there); signals get an orderly asynchronous stop, and a second
 * signal during it exits at once.
 */
function installOwnerHandlers(opts: {
  handleSignals: boolean;
  onExit: () => void;
  onSignal: () => Promise<void>;
  confirmStop?: () => Promise<string | undefined>;
}): () => void {
  let stopping = false;
  /** A first Ctrl-C that was answered "not now": the next one stops. */
  let warned = false;
  const signalHandlers = Object.entries(SIGNAL_EXIT_CODES).map(([name, exitCode]) => {
    const stop = (): void => {
      stopping = true;
      void opts.onSignal().finally(() => process.exit(exitCode));
    };
    const handler = (): void => {
      if (stopping) process.exit(exitCode);
      if (name !== 'SIGINT' || warned || !opts.confirmStop) {
        stop();
        return;
      }
      warned = true;
      opts.confirmStop().then(
        (message) => {
          if (message === undefined) stop();
          else process.stderr.write(`${message}\n`);
        },
        () => {
          stop();
        },
      );
    };
    return [name as NodeJS.Signals, handler] as const;
  });
  process.on('exit', opts.onExit);
  if (opts.handleSignals) for (const [name, handler] of signalHandlers) process.on(name, handler);
  return () => {
    process.off('exit', opts.onExit);
    for (const [name, handler] of signalHandlers) process.off(name, handler);
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
