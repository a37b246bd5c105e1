/**
 * Test support for the CLI tests: builds `dist/bin/wing.js` once (serialised between test files),
 * runs it as a child process, and inspects what a state folder's owner left behind.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { z } from 'zod';
import { generateTotpSecret, hashPassword, TOTP_STEP_SECONDS, totpCode, type AdminLevel } from '../../src/core/credentials.js';
import { defaultPlanInput } from '../../src/core/plan.js';
import { openLocalRuntime, type LocalRuntime } from '../../src/local/local-runtime.js';
import { acquireLocalServices, type ServiceSession } from '../../src/local/run-owner.js';
import { copyStateFolder, readJson, sharedTemplate, templateRoot } from '../support/state-templates.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WING_JS = join(ROOT, 'dist', 'bin', 'wing.js');

/** The first administrator of every test state folder (set at init / first start). */
export const ADMIN = {
  username: 'admin',
  password: 'correct horse battery staple',
  totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DP',
} as const;

export const ADMIN_ENV = {
  WING_ADMIN_USERNAME: ADMIN.username,
  WING_ADMIN_PASSWORD: ADMIN.password,
  WING_ADMIN_TOTP_SECRET: ADMIN.totpSecret,
} as const;

// ---------------------------------------------------------------------------------------------
// Build

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return /\.(ts|json|html|css)$/.test(path) ? st.mtimeMs : 0;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function cliIsStale(): boolean {
  let built: number;
  try {
    built = statSync(WING_JS).mtimeMs;
  } catch {
    return true;
  }
  const sources = Math.max(
    newestMtime(join(ROOT, 'src')),
    newestMtime(join(ROOT, 'bin', 'wing.ts')),
    newestMtime(join(ROOT, 'lambdas')),
    newestMtime(join(ROOT, 'tsconfig.json')),
    newestMtime(join(ROOT, 'tsconfig.build.json')),
    // `npm run build` builds the portal too (vite).
    newestMtime(join(ROOT, 'web', 'src')),
    newestMtime(join(ROOT, 'web', 'index.html')),
    newestMtime(join(ROOT, 'web', 'vite.config.ts')),
  );
  return sources > built;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds the CLI when `dist/bin/wing.js` is missing or older than its sources. Test files run in
 * parallel workers: a directory lock makes sure only one of them runs tsc, and that nobody runs
 * the CLI while tsc rewrites it.
 */
export function ensureCliBuilt(): void {
  const lock = join(tmpdir(), `wing-cli-build-${Buffer.from(ROOT).toString('hex').slice(-32)}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than the longest build belongs to a worker that died while holding it.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // Removed meanwhile.
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the CLI build lock ${lock}`, { cause: err });
      sleepSync(200);
    }
  }
  try {
    if (cliIsStale()) execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'pipe' });
  } catch (err) {
    // tsc reports compile errors on stdout.
    const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`building the CLI (npm run build) failed:\n${String(stdout ?? '')}${String(stderr ?? '')}`.slice(0, 4000), { cause: err });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Running the CLI

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Every child this module started, so that a failed test leaves none running. */
const children = new Set<ChildProcess>();

/** The environment of a CLI run: the parent's without any WING_* variable, plus `extra`. */
export function cliEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // No test talks to real AWS: a region or profile of the machine must not change an outcome.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WING_') && !/^AWS_(REGION|DEFAULT_REGION|PROFILE)$/.test(k)) env[k] = v;
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', WING_HOME: home, ...extra };
}

export interface SpawnedWing {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  hasExited(): boolean;
  readonly exited: Promise<RunResult>;
}

/**
 * Starts `node dist/bin/wing.js ...args` (or another command line) with no terminal: stdin is
 * /dev/null, stdout and stderr are collected.
 */
export function spawnWing(args: readonly string[], env: NodeJS.ProcessEnv, command: readonly string[] = [process.execPath, WING_JS]): SpawnedWing {
  const started = Date.now();
  const [file, ...fileArgs] = command;
  if (file === undefined) throw new Error('no command');
  const child = spawn(file, [...fileArgs, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  let done = false;
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { err += c; });
  const exited = new Promise<RunResult>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      done = true;
      children.delete(child);
      resolvePromise({ code, signal, stdout: out, stderr: err, ms: Date.now() - started });
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${file}`);
  return { child, pid: child.pid, stdout: () => out, stderr: () => err, hasExited: () => done, exited };
}

/** Runs the CLI to completion; kills it (SIGKILL) and fails after `timeoutMs`. */
export async function runWing(args: readonly string[], env: NodeJS.ProcessEnv, opts: { timeoutMs?: number; command?: readonly string[] } = {}): Promise<RunResult> {
  const run = spawnWing(args, env, opts.command);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      run.child.kill('SIGKILL');
      reject(new Error(`wing ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr:\n${run.stderr()}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([run.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A fresh state folder `<tmp>/<prefix>XXXX/home` for one CLI test file. Its plan is the default
 * one with room for many rollbacks an hour (a test file runs more than the default 3); `plan:
 * 'default'` leaves the folder to `init` and the default plan, as a new user gets it.
 */
export async function newStateFolder(prefix: string, options: { plan?: 'default' | 'test' } = {}): Promise<string> {
  ensureCliBuilt();
  const home = join(await mkdtemp(join(tmpdir(), prefix)), 'home');
  if (options.plan !== 'default') {
    await mkdir(home, { mode: 0o700 });
    await writeFile(join(home, 'plan.json'), JSON.stringify(testPlanInput(), null, 2), { mode: 0o600 });
  }
  return home;
}

/** A state folder after `wing init --demo --scale <scale> --json`, and that run. */
export interface InitialisedStateFolder {
  readonly home: string;
  readonly init: RunResult;
}

/**
 * A fresh state folder ({@link newStateFolder}, with the test plan) holding what `wing init --demo
 * --scale <scale> --json` with {@link ADMIN_ENV} leaves in it, for test files about what comes
 * after init. The real command runs once per `vitest run` and scale, into a template folder whose
 * copy each file gets (test/support/state-templates.ts); `init` is that run, with the template's
 * path replaced by `home` in its output. Nothing runs for the folder when this returns: the
 * command owned the services and stopped them, as it does in a folder of its own. Test files that
 * check init itself run it (cli.test.ts).
 */
export async function initialisedStateFolder(prefix: string, options: { scale: number }): Promise<InitialisedStateFolder> {
  const home = await newStateFolder(prefix);
  const args = ['init', '--demo', '--scale', String(options.scale), '--json'];
  const root = templateRoot();
  if (root === undefined) return { home, init: await runWing(args, cliEnv(home, ADMIN_ENV), { timeoutMs: 180_000 }) };
  const key = JSON.stringify({ kind: 'cli-init', args, plan: testPlanInput(), env: ADMIN_ENV });
  const folder = await sharedTemplate(root, key, async (dir) => {
    const templateHome = join(dir, 'home');
    await mkdir(templateHome, { mode: 0o700 });
    await writeFile(join(templateHome, 'plan.json'), JSON.stringify(testPlanInput(), null, 2), { mode: 0o600 });
    const init = await runWing(args, cliEnv(templateHome, ADMIN_ENV), { timeoutMs: 180_000 });
    if (init.code !== 0) throw new Error(`building a state template: wing ${args.join(' ')} failed\n${describeRun(init)}`);
    // Copies are only consistent when nothing runs for the folder any more.
    const left = serviceProcessesOf(templateHome);
    if (existsSync(join(templateHome, 'run.lock')) || left.length > 0) {
      killServiceProcessesOf(templateHome);
      throw new Error(`building a state template: wing init left its owner files or services behind: ${JSON.stringify(left)}`);
    }
    await writeFile(join(dir, 'init.json'), JSON.stringify({ home: templateHome, run: init }, null, 2));
  });
  const stored = (await readJson(join(folder, 'init.json'))) as { home: string; run: RunResult };
  await copyStateFolder(join(folder, 'home'), home);
  const here = (text: string): string => text.replaceAll(stored.home, home);
  return { home, init: { ...stored.run, stdout: here(stored.run.stdout), stderr: here(stored.run.stderr) } };
}

/** The default plan with the start limit raised for test files that run many rollbacks. */
export function testPlanInput(security: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...defaultPlanInput(), security: { rollbackStartsPerHour: 100, ...security } };
}

/**
 * After a CLI test file: kills what a failed test left running, removes the state folder, and
 * fails if local services outlived their owners.
 */
export async function disposeStateFolder(home: string, what: string): Promise<void> {
  killRemainingChildren();
  if (home) await releaseLocalServices(home);
  const leftovers = home ? serviceProcessesOf(home) : [];
  if (home) killServiceProcessesOf(home);
  if (home) await rm(join(home, '..'), { recursive: true, force: true });
  expect(leftovers, `local service processes left running after ${what}`).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Sharing one set of local services between CLI commands

/** Services this module holds for test files (released by {@link disposeStateFolder} at the latest). */
const heldServices = new Map<string, ServiceSession>();

/**
 * Makes the test process the owner of `home`'s local services until {@link releaseLocalServices},
 * as a `temporary` owner: what a long CLI command (a `backup:create`, a rollback) is while other
 * commands run beside it. Every CLI command started meanwhile finds a live owner and uses its
 * endpoints (CONTRACT.md, "State folder and who owns the local services") instead of starting
 * DynamoDB Local and s3rver itself and stopping them on exit, which is most of a command's time
 * on a slow machine (4-6 s of 5-8 s). The owner is `temporary`, not `long-lived`: a live
 * long-lived owner without an admin API is an `npm start` still starting, and † commands refuse
 * to run beside it; beside a temporary owner they run in the CLI process against its services,
 * with the same checks, as they do as a temporary owner themselves.
 *
 * Only for tests that do not test the temporary owner itself (its run.lock and endpoints.json
 * removed on exit, its services gone, stale locks taken over): those run without a holder.
 */
export async function holdLocalServices(home: string): Promise<void> {
  if (heldServices.has(home)) return;
  const session = await acquireLocalServices({ home, kind: 'temporary', quiet: true, handleSignals: false });
  if (!session.isOwner) {
    await session.release();
    throw new Error(`${home} already has a live owner: the test cannot hold its services`);
  }
  heldServices.set(home, session);
}

/** Stops the services taken by {@link holdLocalServices} (waits for commands still using them). */
export async function releaseLocalServices(home: string): Promise<void> {
  const session = heldServices.get(home);
  heldServices.delete(home);
  await session?.release();
}

/** SIGKILLs every CLI child still running (after a failed test). */
export function killRemainingChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** A readable summary of a run for assertion messages. */
export function describeRun(r: RunResult): string {
  return `exit ${String(r.code)} signal ${String(r.signal)} after ${r.ms} ms\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

// ---------------------------------------------------------------------------------------------
// Output checks

/** stdout must be exactly one JSON object (nothing before or after it). */
export function parseOneJsonObject(stdout: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch (err) {
    throw new Error(`stdout is not exactly one JSON value: ${(err as Error).message}\n${stdout}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`stdout is not a JSON object:\n${stdout}`);
  return value as Record<string, unknown>;
}

/** Parses a successful `--json` run with `schema`, after checking exit 0 and `success: true`. */
export function expectJsonSuccess<T extends z.ZodType>(r: RunResult, schema: T): z.infer<T> {
  expect(r.code, describeRun(r)).toBe(0);
  const body = parseOneJsonObject(r.stdout);
  expect(body.success, describeRun(r)).toBe(true);
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`--json output does not match the contract: ${z.prettifyError(parsed.error)}\n${r.stdout}`);
  return parsed.data;
}

const STACK_LINE = /^\s+at\s/m;

/**
 * A failed run: the expected exit code, no stack trace, and exactly one error line on stderr
 * (`wing: ...`), which is the last line. `onlyLine`: stderr holds nothing else (no progress).
 * With `--json`, stdout is one object `{ success: false, error }` whose error is that line.
 * Returns the error text (without `wing: `).
 */
export function expectOneErrorLine(r: RunResult, code: number | 'non-zero', opts: { json: boolean; onlyLine?: boolean; extraJsonFields?: boolean }): string {
  if (code === 'non-zero') {
    expect(r.code, describeRun(r)).not.toBe(0);
    expect(r.code, describeRun(r)).not.toBeNull();
  } else {
    expect(r.code, describeRun(r)).toBe(code);
  }
  expect(r.stderr, describeRun(r)).not.toMatch(STACK_LINE);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const errorLines = lines.filter((l) => l.startsWith('wing: '));
  expect(errorLines, describeRun(r)).toHaveLength(1);
  const line = errorLines[0] ?? '';
  expect(lines.at(-1), describeRun(r)).toBe(line);
  if (opts.onlyLine ?? true) expect(lines, describeRun(r)).toEqual([line]);
  const message = line.slice('wing: '.length);
  expect(message.length, describeRun(r)).toBeGreaterThan(10);
  if (opts.json) {
    const body = parseOneJsonObject(r.stdout);
    if (opts.extraJsonFields) expect(body, describeRun(r)).toMatchObject({ success: false, error: message });
    else expect(body, describeRun(r)).toEqual({ success: false, error: message });
  } else {
    expect(r.stdout, describeRun(r)).toBe('');
  }
  return message;
}

// ---------------------------------------------------------------------------------------------
// Contract shapes (CONTRACT.md, "CLI")

const isoTime = z.iso.datetime({ offset: true });
export const snapshotRefSchema = z.object({
  component: z.string().min(1),
  snapshotId: z.string().regex(/^snap-/),
  items: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});
export const recoveryPointStatus = z.enum(['InProgress', 'Completed', 'PartiallyFailed', 'Failed', 'Inconsistent', 'Corrupt']);
export const recoveryPointSchema = z.object({
  recoveryPointId: z.string().regex(/^rp-/),
  createdAt: isoTime,
  type: z.enum(['full', 'incremental']),
  status: recoveryPointStatus,
  verifiedAt: isoTime.nullable(),
  snapshots: z.array(snapshotRefSchema),
  lastDrill: z.union([z.null(), z.object({ at: z.string(), result: z.string() }).loose()]),
});
export const backupListSchema = z.object({ success: z.literal(true), recoveryPoints: z.array(recoveryPointSchema) });
export type RecoveryPointJson = z.infer<typeof recoveryPointSchema>;

export const backupCreateSchema = z.object({
  success: z.literal(true),
  recoveryPointId: z.string().regex(/^rp-/),
  snapshots: z.array(snapshotRefSchema),
  verifiedAt: isoTime,
});

export const componentSnapshotSchema = z.object({
  success: z.literal(true),
  snapshotId: z.string().regex(/^snap-/),
  component: z.string(),
  items: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});

export const planShowSchema = z.object({
  success: z.literal(true),
  components: z.array(
    z.object({
      name: z.string().min(1),
      dependsOn: z.array(z.string()),
      level: z.number().int().nonnegative(),
      schedule: z.string().min(1),
      sources: z.array(
        z.union([
          z.object({ type: z.literal('dynamodb'), tableName: z.string().min(1) }),
          z.object({ type: z.literal('s3'), bucketName: z.string().min(1), prefix: z.string() }),
        ]),
      ),
    }),
  ),
  jobs: z.strictObject({ retention: z.string().min(1), drill: z.string().min(1), health: z.string().min(1) }),
});

export const verifySchema = z.object({
  success: z.literal(true),
  recoveryPoints: z.array(z.object({ recoveryPointId: z.string().regex(/^rp-/), ok: z.boolean(), status: recoveryPointStatus })),
  problems: z.array(z.unknown()),
});

export const retentionSchema = z.object({
  success: z.literal(true),
  dryRun: z.boolean(),
  kept: z.array(z.object({ recoveryPointId: z.string(), reasons: z.array(z.string()) })),
  deletedRecoveryPoints: z.array(z.string()),
  deletedSnapshots: z.array(z.string()),
  deletedObjects: z.number().int().nonnegative(),
  freedBytes: z.number().int().nonnegative(),
});

// ---------------------------------------------------------------------------------------------
// The state folder and its owner

export const runLockSchema = z.object({
  pid: z.number().int().positive(),
  kind: z.enum(['long-lived', 'temporary']),
  servicePids: z.object({ dynamodb: z.number().int().positive(), s3: z.number().int().positive() }).optional(),
});
export type RunLockJson = z.infer<typeof runLockSchema>;

export function readRunLock(home: string): RunLockJson | undefined {
  try {
    const parsed = runLockSchema.safeParse(JSON.parse(readFileSync(join(home, 'run.lock'), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** `process.kill(pid, 0)` throws ESRCH: the process is gone and reaped (not even a zombie). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Whether `pid` runs: `process.kill(pid, 0)` succeeds and it is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export async function waitFor(what: string, predicate: () => boolean, timeoutMs: number, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Local service processes (DynamoDB Local, its sh wrapper, the s3rver child) whose command line
 * names this state folder: there must be none once no owner runs.
 */
export function serviceProcessesOf(home: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    if (cmdline.includes(home) && (cmdline.includes('DynamoDBLocal') || cmdline.includes('s3rver-child'))) {
      found.push({ pid: Number(name), cmdline: cmdline.trim() });
    }
  }
  return found.filter((p) => isAlive(p.pid));
}

/** Ends leftover service processes of `home` (found by {@link serviceProcessesOf}) by pid. */
export function killServiceProcessesOf(home: string): void {
  for (const p of serviceProcessesOf(home)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Administrators and codes

/**
 * Hands out TOTP codes no command used yet for one secret: codes are single-use per 30-second
 * step and a step is accepted up to one step early or late, so a test gets three codes a window
 * and waits only when it used them all.
 */
export function codeSource(secret: string): () => Promise<string> {
  let lastStep = 0;
  return async () => {
    for (;;) {
      const now = Math.floor(Date.now() / 1000 / TOTP_STEP_SECONDS);
      // Leave a margin: the command checks the code a few seconds later.
      const secondsIntoStep = (Date.now() / 1000) % TOTP_STEP_SECONDS;
      const step = [now - 1, now, now + 1].find((s) => s > lastStep && !(s === now - 1 && secondsIntoStep > 20));
      if (step !== undefined) {
        lastStep = step;
        return totpCode(secret, new Date(step * TOTP_STEP_SECONDS * 1000));
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
}

export interface TestAdministrator {
  readonly username: string;
  readonly password: string;
  readonly totpSecret: string;
  /** A fresh code of this administrator. */
  code(): Promise<string>;
  /** WING_USERNAME, WING_PASSWORD and a fresh WING_TOTP. */
  env(): Promise<Record<string, string>>;
}

/**
 * Adds an administrator to the state folder (through its live owner's services, or a temporary
 * owner): replay protection is per user, so each † test signs in as its own administrator.
 */
export async function addAdministrator(home: string, username: string, level: AdminLevel = 'admin'): Promise<TestAdministrator> {
  const password = `${username} has a long password`;
  const totpSecret = generateTotpSecret();
  const runtime = await openLocalRuntime({ home, kind: 'temporary' });
  try {
    await runtime.admins.put({ username, passwordHash: await hashPassword(password), totpSecret, level, createdAt: new Date().toISOString(), disabled: false, lastTotpStep: 0 });
  } finally {
    await runtime.close();
  }
  const code = codeSource(totpSecret);
  return { username, password, totpSecret, code, env: async () => ({ WING_USERNAME: username, WING_PASSWORD: password, WING_TOTP: await code() }) };
}

/** Runs `work` against a state folder's services (its live owner's, or as a temporary owner), then lets them go. */
export async function withStateFolderRuntime<T>(home: string, work: (runtime: LocalRuntime) => Promise<T>): Promise<T> {
  const runtime = await openLocalRuntime({ home, kind: 'temporary' });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}
