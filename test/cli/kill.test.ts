/**
 * Owners of the local services that die (CONTRACT.md, "State folder and who owns the local
 * services"): a CLI command or `start` killed with SIGKILL leaves no service running, and the next
 * command takes over the stale run.lock; Ctrl-C (SIGINT) stops `start` cleanly.
 *
 * One state folder, in order: `start` creates it on first start (demo scale 0.05) and is killed;
 * `start` again is interrupted; then `backup:create` is killed half-way.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/core/credentials.js';
import {
  ADMIN,
  ADMIN_ENV,
  backupListSchema,
  cliEnv,
  describeRun,
  expectJsonSuccess,
  expectOneErrorLine,
  isGone,
  readRunLock,
  runWing,
  serviceProcessesOf,
  spawnWing,
  waitFor,
  type RecoveryPointJson,
  type RunLockJson,
  type SpawnedWing,
  disposeStateFolder,
  newStateFolder,
} from './cli-support.js';

/** Services of a dead owner must be gone within this time. */
const SERVICES_GONE_MS = 10_000;

let home = '';

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cliEnv(home, { ...ADMIN_ENV, ...extra });
}

async function listPoints(): Promise<RecoveryPointJson[]> {
  return expectJsonSuccess(await runWing(['backup:list', '--json'], env()), backupListSchema).recoveryPoints;
}

/** Starts `wing start` and waits for its "running" line; returns it with its run.lock. */
async function startOwner(args: readonly string[] = []): Promise<{ owner: SpawnedWing; lock: RunLockJson & { servicePids: { dynamodb: number; s3: number } } }> {
  const owner = spawnWing(['start', ...args], env());
  await waitFor('"running" on the stdout of wing start', () => owner.hasExited() || owner.stdout().includes('running'), 120_000);
  if (owner.hasExited()) throw new Error(`wing start exited early:\n${owner.stdout()}\n${owner.stderr()}`);
  const lock = readRunLock(home);
  expect(lock, 'run.lock of wing start').toBeDefined();
  expect(lock?.pid).toBe(owner.pid);
  expect(lock?.kind).toBe('long-lived');
  const servicePids = lock?.servicePids;
  if (!lock || !servicePids) throw new Error('run.lock names no servicePids');
  expect(existsSync(join(home, 'endpoints.json'))).toBe(true);
  return { owner, lock: { ...lock, servicePids } };
}

async function expectServicesGone(pids: { dynamodb: number; s3: number }): Promise<void> {
  // Gone means process.kill(pid, 0) throws ESRCH: exited, and reaped by whoever inherited it.
  await waitFor(`DynamoDB Local (${pids.dynamodb}) and s3rver (${pids.s3}) to be gone (ESRCH)`, () => isGone(pids.dynamodb) && isGone(pids.s3), SERVICES_GONE_MS);
  expect(serviceProcessesOf(home)).toEqual([]);
}

beforeAll(async () => {
  home = await newStateFolder('wing-kill-');
}, 240_000);

afterAll(async () => {
  await disposeStateFolder(home, 'the kill tests');
}, 30_000);

describe('an owner of the local services that dies or is stopped', () => {
  let demoPoints: RecoveryPointJson[] = [];

  it('start, SIGKILLed: its services exit, and the next command takes over the stale run.lock', async () => {
    const { owner, lock } = await startOwner(['--scale', '0.05']);

    // While it runs, a command uses its services and does not become an owner.
    demoPoints = await listPoints();
    expect(demoPoints).toHaveLength(8);
    expect(readRunLock(home)?.pid).toBe(owner.pid);

    owner.child.kill('SIGKILL');
    const exit = await owner.exited;
    expect(exit.signal).toBe('SIGKILL');
    await expectServicesGone(lock.servicePids);
    // The lock is stale now: it names a dead process.
    expect(readRunLock(home)?.pid).toBe(owner.pid);

    const points = await listPoints();
    expect(points.map((p) => p.recoveryPointId)).toEqual(demoPoints.map((p) => p.recoveryPointId));
    expect(existsSync(join(home, 'run.lock'))).toBe(false);
    expect(existsSync(join(home, 'endpoints.json'))).toBe(false);
  }, 180_000);

  it('start, interrupted with SIGINT: exits 130 (or 0), removes run.lock and endpoints.json, leaves no service', async () => {
    const { owner, lock } = await startOwner();

    // Two owners never run on one state folder.
    const second = await runWing(['start', '--json'], env(), { timeoutMs: 30_000 });
    expect(expectOneErrorLine(second, 6, { json: true })).toContain(String(owner.pid));
    expect(readRunLock(home)?.pid).toBe(owner.pid);

    owner.child.kill('SIGINT');
    const exit = await owner.exited;
    expect([130, 0], describeRun(exit)).toContain(exit.code);
    expect(existsSync(join(home, 'run.lock'))).toBe(false);
    expect(existsSync(join(home, 'endpoints.json'))).toBe(false);
    await expectServicesGone(lock.servicePids);
  }, 120_000);

  it('backup:create, SIGKILLed half-way: its services exit, the next command takes over, no Completed point appears, retention still runs', async () => {
    const before = await listPoints();
    const known = new Set(before.map((p) => p.recoveryPointId));

    const create = spawnWing(['backup:create', '--type', 'full', '--json'], env());
    await waitFor('run.lock with servicePids', () => create.hasExited() || readRunLock(home)?.servicePids !== undefined, 60_000, 20);
    const lock = readRunLock(home);
    const servicePids = lock?.servicePids;
    if (!lock || !servicePids) throw new Error(`backup:create exited before its services ran:\n${create.stderr()}`);
    expect(lock.pid).toBe(create.pid);
    expect(lock.kind).toBe('temporary');
    // Half-way: the point is being taken, ideally with a first progress count of a snapshot
    // ("  vision-lake: 101 70.3 kB").
    await waitFor('backup:create to start the point', () => create.hasExited() || create.stderr().includes('taking a recovery point'), 60_000, 20);
    await waitFor('backup:create to report progress', () => create.hasExited() || /^ {2}[a-z-]+: \d+/m.test(create.stderr()), 3_000, 20).catch(() => undefined);
    expect(create.hasExited(), `backup:create finished before it could be killed:\n${create.stderr()}`).toBe(false);

    create.child.kill('SIGKILL');
    const exit = await create.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(exit.stdout).toBe('');
    await expectServicesGone(servicePids);

    const after = await listPoints();
    expect(existsSync(join(home, 'run.lock'))).toBe(false);
    const added = after.filter((p) => !known.has(p.recoveryPointId));
    // The killed run is InProgress (its owner dead) or absent; never Completed and verified.
    for (const p of added) {
      expect(p.status, JSON.stringify(p)).not.toBe('Completed');
      expect(p.verifiedAt, JSON.stringify(p)).toBeNull();
    }
    expect(after.filter((p) => p.status === 'Completed').map((p) => p.recoveryPointId).sort()).toEqual(
      before.filter((p) => p.status === 'Completed').map((p) => p.recoveryPointId).sort(),
    );

    const retention = await runWing(['retention:apply', '--json'], env({ WING_USERNAME: ADMIN.username, WING_PASSWORD: ADMIN.password, WING_TOTP: totpCode(ADMIN.totpSecret, new Date()) }));
    expect(retention.code, describeRun(retention)).toBe(0);
    expect(existsSync(join(home, 'run.lock'))).toBe(false);
  }, 180_000);
});
