/**
 * The rollback commands through the built CLI on one demo state folder: the emergency rollback
 * with its step list, status, logs and undo; bad input and refused credentials changing nothing;
 * a rollback killed half-way (SIGKILL), refused until `rollback:cleanup`, which returns the data to
 * its state before the rollback, after which a new rollback succeeds.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TOTP_STEP_SECONDS, totpCode } from '../../src/core/credentials.js';
import { defaultResourceNames } from '../../src/core/plan.js';
import { openLocalRuntime } from '../../src/local/local-runtime.js';
import {
  ADMIN,
  cliEnv,
  describeRun,
  expectJsonSuccess,
  expectOneErrorLine,
  runWing,
  spawnWing,
  waitFor,
  type RunResult,
  addAdministrator,
  disposeStateFolder,
  holdLocalServices,
  initialisedStateFolder,
  releaseLocalServices,
  testPlanInput,
  type TestAdministrator,
} from './cli-support.js';

const ORDER = ['vision-lake', 'auth', 'agents', 'squadrons'];
let home = '';
/** Per TOTP secret (per administrator), the step of the last code handed out. */
const lastSteps = new Map<string, number>();

const rollbackSchema = z.object({
  success: z.boolean(),
  rollbackId: z.string().regex(/^rb-/),
  recoveryPointId: z.string().nullable(),
  phase: z.enum(['Pending', 'InProgress', 'Completed', 'PartiallyFailed', 'Failed', 'Undone']),
  message: z.string(),
  error: z.string().optional(),
});
const statusSchema = z.object({
  success: z.literal(true),
  rollbackId: z.string(),
  phase: z.string(),
  step: z.string(),
  components: z.array(z.object({ component: z.string(), phase: z.string(), written: z.number(), deleted: z.number() })),
});

/**
 * A code no command used yet: codes are single-use per 30-second step, and a step is accepted up
 * to one step early or late, so a test gets two codes a window and waits only when it used them.
 */
async function freshCode(secret: string = ADMIN.totpSecret): Promise<string> {
  for (;;) {
    const now = Math.floor(Date.now() / 1000 / TOTP_STEP_SECONDS);
    // The current step or the next: each stays acceptable for 30 s or more (±1 step), room for a
    // slow machine to start the command; the previous step could expire a few seconds later.
    const lastStep = lastSteps.get(secret) ?? 0;
    const candidates = [now, now + 1].filter((s) => s > lastStep);
    const step = candidates[0];
    if (step !== undefined) {
      lastSteps.set(secret, step);
      return totpCode(secret, new Date(step * TOTP_STEP_SECONDS * 1000));
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function adminEnv(): Promise<NodeJS.ProcessEnv> {
  return cliEnv(home, { WING_USERNAME: ADMIN.username, WING_PASSWORD: ADMIN.password, WING_TOTP: await freshCode() });
}

/**
 * The environment of a † command signed in as `administrator`, with a fresh code of theirs (the
 * current or next step, like the first administrator's). Replay protection is per user, and one
 * user gets two codes a 30-second window: tests whose assertions do not name the user sign in as
 * their own administrator, so that no test waits for a new window because the commands before
 * it (now quick, sharing the services) used the first administrator's codes.
 */
async function envOf(administrator: TestAdministrator): Promise<NodeJS.ProcessEnv> {
  return cliEnv(home, { WING_USERNAME: administrator.username, WING_PASSWORD: administrator.password, WING_TOTP: await freshCode(administrator.totpSecret) });
}

function wing(args: readonly string[], environment: NodeJS.ProcessEnv = cliEnv(home), timeoutMs = 120_000): Promise<RunResult> {
  return runWing(args, environment, { timeoutMs });
}

/** Every item of the four component tables, exactly (read through the live owner's services). */
async function componentState(): Promise<Record<string, string[]>> {
  const runtime = await openLocalRuntime({ home, kind: 'temporary' });
  try {
    const out: Record<string, string[]> = {};
    for (const table of [defaultResourceNames.visionLakeTable, defaultResourceNames.authTable, defaultResourceNames.agentsTable, defaultResourceNames.squadronsTable]) {
      const items: string[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await runtime.dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) items.push(JSON.stringify(item, Object.keys(item).sort()));
        start = page.LastEvaluatedKey;
      } while (start);
      out[table] = items.sort();
    }
    return out;
  } finally {
    await runtime.close();
  }
}

beforeAll(async () => {
  const folder = await initialisedStateFolder('wing-rollback-cli-', { scale: 0.02 });
  home = folder.home;
  expect(folder.init.code, describeRun(folder.init)).toBe(0);
  // The tests of this file are about rollbacks, not about who owns the local services: one set of
  // services, held by this process as a temporary owner, serves every command (each would
  // otherwise start and stop DynamoDB Local and s3rver, 4-6 s on a slow machine). The commands
  // run exactly as beside any other running command: † ones in the CLI process, with the same
  // checks. The one test that kills a rollback mid-way lets the killed command own the services,
  // as before (see there). Temporary owners themselves are tested in cli.test.ts and kill.test.ts.
  await holdLocalServices(home);
}, 240_000);

afterAll(async () => {
  await disposeStateFolder(home, 'the rollback CLI tests');
}, 30_000);

describe('rollback commands', { timeout: 240_000 }, () => {
  it('bad input exits 2 with one line and starts nothing', async () => {
    const cases: { args: string[]; mentions: string }[] = [
      { args: ['rollback:emergency', '--username', 'admin'], mentions: '--reason' },
      { args: ['rollback:custom'], mentions: '--hours' },
      { args: ['rollback:custom', '--hours=-3'], mentions: '--hours' },
      { args: ['restore:alternative'], mentions: '--backup-id' },
      { args: ['rollback:logs'], mentions: '--rollback-id' },
      { args: ['rollback:quick', '--password', 'x'], mentions: 'password' },
    ];
    // Refused before any credential is checked: a code of any value does.
    const env = cliEnv(home, { WING_USERNAME: ADMIN.username, WING_PASSWORD: ADMIN.password, WING_TOTP: '123456' });
    const runs = await Promise.all(cases.map((c) => wing([...c.args, '--json'], env)));
    for (const [i, c] of cases.entries()) {
      const r = runs[i] as RunResult;
      expect(expectOneErrorLine(r, 2, { json: true })).toContain(c.mentions);
    }
    // A well-formed id that names no point: known only after the credentials passed.
    const unknown = await wing(['restore:alternative', '--backup-id=rp-20200101T000000000Z-000000', '--json'], await envOf(await addAdministrator(home, 'ops-bad-input')));
    expect(expectOneErrorLine(unknown, 2, { json: true, onlyLine: false })).toContain('rp-20200101T000000000Z-000000');
  });

  it('a wrong or replayed code is refused with exit 3 and changes nothing', async () => {
    const before = await componentState();
    const wrong = await wing(['rollback:quick', '--json'], cliEnv(home, { WING_USERNAME: 'admin', WING_PASSWORD: ADMIN.password, WING_TOTP: '000000' }));
    expect(expectOneErrorLine(wrong, 3, { json: true, onlyLine: false })).toContain('authentication refused');
    const first = await wing(['rollback:plan', '--json'], cliEnv(home));
    expect(first.code).toBe(0);
    // The code is taken just before its one real use, so a slow machine cannot let it expire.
    const env = await envOf(await addAdministrator(home, 'ops-replay'));
    // Use the code once for real (a retention dry run needs none, so a cleanup: it changes nothing here).
    const used = await wing(['rollback:cleanup', '--json'], env);
    expect(used.code, describeRun(used)).toBe(0);
    const replay = await wing(['rollback:quick', '--json'], env);
    expect(expectOneErrorLine(replay, 3, { json: true, onlyLine: false })).toContain('authentication refused');
    expect(await componentState()).toEqual(before);
  });

  it('attacks through the CLI are refused with the contract\'s exit code, audited, and change nothing', async () => {
    const before = await componentState();
    const operator = await addAdministrator(home, 'night-ops', 'operator');
    const secretPassword = 'typed-on-the-command-line-9';
    const flag = await wing(['rollback:quick', '--username=admin', `--password=${secretPassword}`, '--json'], cliEnv(home));
    expect(expectOneErrorLine(flag, 2, { json: true })).toContain('never given as a flag');
    const byOperator = await wing(['rollback:emergency', '--reason=not mine to do', '--json'], cliEnv(home, await operator.env()));
    expect(expectOneErrorLine(byOperator, 3, { json: true, onlyLine: false })).toContain('night-ops is operator, this needs admin');
    // The plan now allows administrative operations from 10.0.0.0/8 only: this machine is outside.
    const planFile = join(home, 'plan.json');
    const plan = readFileSync(planFile, 'utf8');
    writeFileSync(planFile, JSON.stringify(testPlanInput({ allowedCidrs: ['10.0.0.0/8'] })));
    try {
      const outside = await wing(['rollback:emergency', '--reason=from outside', '--json'], await adminEnv());
      expect(expectOneErrorLine(outside, 3, { json: true, onlyLine: false })).toContain('127.0.0.1 is outside the allowlist');
    } finally {
      writeFileSync(planFile, plan);
    }
    const runtime = await openLocalRuntime({ home, kind: 'temporary' });
    try {
      const refusals = (await runtime.services.audit.list({ limit: 20 })).filter((r) => r.outcome === 'refused');
      expect(refusals.find((r) => r.action === 'cli.refused' && r.actor === 'admin')?.detail).toContain('a password was given as a flag');
      expect(refusals.find((r) => r.actor === 'night-ops')?.detail).toContain('authorization refused');
      expect(refusals.find((r) => r.actor === 'admin' && r.detail.includes('outside the allowlist'))).toBeDefined();
      // The flag's value is never read, so never recorded.
      expect(JSON.stringify(await runtime.services.audit.list({ limit: 1000 }))).not.toContain(secretPassword);
    } finally {
      await runtime.close();
    }
    expect(await componentState()).toEqual(before);
  });

  let rollbackId = '';

  it('rollback:emergency runs the state machine, shows each step on stderr and answers with the contract shape', async () => {
    const planned = JSON.parse((await wing(['rollback:plan', '--json'])).stdout) as { recoveryPointId: string; components: { component: string; write: number; delete: number }[] };
    const r = await wing(['rollback:emergency', '--username', 'admin', '--reason', 'bad deploy at 02:10', '--json'], cliEnv(home, { WING_PASSWORD: ADMIN.password, WING_TOTP: await freshCode() }));
    const body = expectJsonSuccess(r, rollbackSchema);
    expect(body).toMatchObject({ phase: 'Completed', recoveryPointId: planned.recoveryPointId });
    rollbackId = body.rollbackId;
    for (const step of ['AcquireLock', 'SelectRecoveryPoint', 'EnterRecoveryMode', 'TakeSafetySnapshot', 'RestoreComponent vision-lake', 'VerifyComponent squadrons', 'LeaveRecoveryMode', 'PostRollbackHealthCheck']) {
      expect(r.stderr).toContain(step);
    }
    const status = expectJsonSuccess(await wing(['rollback:status', '--json']), statusSchema);
    expect(status).toMatchObject({ rollbackId, phase: 'Completed' });
    expect(status.components.map((c) => c.component)).toEqual(ORDER);
    expect(status.components.map((c) => [c.written, c.deleted])).toEqual(planned.components.map((c) => [c.write, c.delete]));

    const logs = await wing(['rollback:logs', `--rollback-id=${rollbackId}`]);
    expect(logs.code).toBe(0);
    const components = logs.stdout
      .split('\n')
      .map((l) => /component=(\S+)/.exec(l)?.[1])
      .filter((c): c is string => c !== undefined);
    expect([...new Set(components)]).toEqual(ORDER);
    expect(logs.stdout).toContain('initiator=admin');
    expect(logs.stdout).toContain('reason="bad deploy at 02:10"');
    expect(readFileSync(join(home, 'logs', `rollback-${rollbackId}.log`), 'utf8')).toBe(logs.stdout);
  });

  it('rollback:undo returns the data to its state before the rollback; a second undo is refused', async () => {
    const undoer = await addAdministrator(home, 'ops-undo');
    const undo = await wing(['rollback:undo', '--json'], await envOf(undoer));
    expect(expectJsonSuccess(undo, rollbackSchema).phase).toBe('Completed');
    const status = expectJsonSuccess(await wing(['rollback:status', `--rollback-id=${rollbackId}`, '--json']), statusSchema);
    expect(status.phase).toBe('Undone');
    const again = await wing(['rollback:undo', '--json'], await envOf(undoer));
    expect(expectOneErrorLine(again, 6, { json: true, onlyLine: false })).toContain('already undone');
  });

  it('a rollback killed half-way is refused until rollback:cleanup returns the data to where it was; then a new rollback succeeds', async () => {
    const before = await componentState();
    const crasher = await addAdministrator(home, 'ops-crash');
    const cleaner = await addAdministrator(home, 'ops-cleanup');
    // As it was before the services were shared: the command that runs the rollback is the
    // temporary owner of the services too, and SIGKILL takes both down mid-restore. The next
    // owner (this process, holding the services again) takes over the stale run.lock.
    await releaseLocalServices(home);
    const run = spawnWing(['rollback:full', '--reason', 'crash test'], await envOf(crasher));
    const logFile = (): string => {
      try {
        const id = /rollback id (\S+)/.exec(run.stderr())?.[1];
        return id ? readFileSync(join(home, 'logs', `rollback-${id}.log`), 'utf8') : '';
      } catch {
        return '';
      }
    };
    // Killed once it restores: the safety snapshots exist and some data has changed.
    await waitFor('the rollback to start restoring', () => run.hasExited() || run.stderr().includes('RestoreComponent vision-lake'), 180_000);
    expect(run.hasExited(), `${run.stderr()}\n${logFile()}`).toBe(false);
    run.child.kill('SIGKILL');
    await run.exited;
    await holdLocalServices(home);

    const refused = await wing(['rollback:quick', '--json'], await envOf(crasher));
    expect(expectOneErrorLine(refused, 6, { json: true, onlyLine: false })).toMatch(/recovery mode|lock/);
    const status = expectJsonSuccess(await wing(['rollback:status', '--json']), statusSchema);
    expect(status.phase).toBe('InProgress');

    const cleanup = await wing(['rollback:cleanup', '--json'], await envOf(cleaner));
    const cleaned = expectJsonSuccess(cleanup, z.object({ success: z.literal(true), rollbackId: z.string(), actions: z.array(z.string()) }));
    expect(cleaned.actions.join('\n')).toContain('returned vision-lake, auth, agents, squadrons to their state before');
    expect(await componentState()).toEqual(before);
    const after = expectJsonSuccess(await wing(['rollback:status', '--json']), statusSchema);
    expect(after.phase).toBe('Failed');

    const again = await wing(['rollback:custom', '--hours=24', '--reason', 'after cleanup', '--json'], await envOf(cleaner));
    expect(expectJsonSuccess(again, rollbackSchema).phase).toBe('Completed');
  });
});
