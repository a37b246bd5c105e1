/**
 * The real ASL file on aws-local-stepfunctions, over the real handlers, DynamoDB Local and s3rver:
 * the happy path in dependency order, a failure injected into every Task in turn, retries of
 * transient errors, the continuation loop, recovery, safe mode, undo and the lock.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hostname } from 'node:os';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, totpCode } from '../../src/core/credentials.js';
import { ConflictError, TransientError, WingError } from '../../src/core/errors.js';
import { defaultResourceNames } from '../../src/core/plan.js';
import { ManualClock } from '../../src/core/ports.js';
import { DynamoSystemModeStore } from '../../src/adapters/dynamodb-system-mode.js';
import { mutateDemoData } from '../../src/local/demo/demo-loader.js';
import { localRollbackOperations, type LocalRollbackOptions } from '../../src/local/local-rollback.js';
import { LocalStateMachine, statemachinePath } from '../../src/local/local-state-machine.js';
import { localSubstitutions } from '../../src/local/local-rollback-executor.js';
import type { RollbackOperations, RollbackResult } from '../../src/rollback/rollback-operations.js';
import { startLocalTestEnv, tableState, TEST_ADMIN, type LocalTestEnv } from '../support/local-env.js';

const ORDER = ['vision-lake', 'auth', 'agents', 'squadrons'];
const names = defaultResourceNames;

describe('emergency rollback state machine', () => {
  let env: LocalTestEnv;
  let clock: ManualClock;
  let day = 100;

  beforeAll(async () => {
    clock = new ManualClock(new Date());
    env = await startLocalTestEnv({ scale: 0.01, clock });
  });
  afterAll(async () => {
    await env.dispose();
  });

  /** A fresh single-use code: the manual clock moves to the next 30-second step. */
  function credentials(): { username: string; password: string; totp: string } {
    clock.advance(30_000);
    return { username: TEST_ADMIN.WING_ADMIN_USERNAME, password: TEST_ADMIN.WING_ADMIN_PASSWORD, totp: totpCode(TEST_ADMIN.WING_ADMIN_TOTP_SECRET, clock.now()) };
  }

  function operations(options: LocalRollbackOptions = {}): RollbackOperations {
    return localRollbackOperations(env.runtime, options);
  }

  /** Everything the four components hold, exactly. */
  async function liveState(): Promise<Record<string, Map<string, string>>> {
    const out: Record<string, Map<string, string>> = {};
    for (const t of [names.visionLakeTable, names.authTable, names.agentsTable, names.squadronsTable]) out[t] = await tableState(env, t);
    const objects = new Map<string, string>();
    let token: string | undefined;
    do {
      const page = await env.runtime.s3.send(new ListObjectsV2Command({ Bucket: names.visionLakeBucket, ContinuationToken: token }));
      for (const o of page.Contents ?? []) objects.set(o.Key ?? '', `${o.ETag ?? ''}|${String(o.Size)}`);
      token = page.NextContinuationToken;
    } while (token);
    out.s3 = objects;
    return out;
  }

  async function changeSomething(): Promise<void> {
    day += 1;
    await mutateDemoData({ dynamo: env.runtime.dynamo, s3: env.runtime.s3, seed: 7, day, percent: 2, now: clock.now() });
  }

  async function outboxSince(offset: number): Promise<{ channel: string; detailType?: string; detail?: Record<string, unknown>; subject?: string }[]> {
    const text = await readFile(env.runtime.paths.notifications, 'utf8');
    return text
      .slice(offset)
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { channel: string; detailType?: string; detail?: Record<string, unknown> });
  }

  async function outboxSize(): Promise<number> {
    return (await readFile(env.runtime.paths.notifications, 'utf8').catch(() => '')).length;
  }

  async function expectIdle(): Promise<void> {
    expect(await env.runtime.lock.current()).toBeUndefined();
  }

  it('asl-validator accepts every ASL file, and the local runner maps every Task', async () => {
    const validate = (await import('asl-validator')).default;
    const folder = dirname(statemachinePath('emergency-rollback'));
    const files = (await readdir(folder)).filter((f) => f.endsWith('.asl.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const definition = JSON.parse(await readFile(join(folder, file), 'utf8')) as unknown;
      const r = validate(structuredClone(definition));
      expect({ file, errors: r.errors }).toEqual({ file, errors: [] });
      expect(r.isValid).toBe(true);
    }
    const machine = LocalStateMachine.fromFile('emergency-rollback', localSubstitutions('t'));
    expect(machine.tasks().length).toBeGreaterThan(20);
  });

  it('rolls back the four components in dependency order, each verified before the next, with the planned counts', async () => {
    const ops = operations();
    const planned = await ops.plan({ hours: 24 });
    const before = await outboxSize();
    const transitions: string[] = [];
    const observed = operations({ onTransition: (_, t) => t.type === 'StateEntered' && t.state && transitions.push(t.state) });
    const result = await observed.rollback({ ...credentials(), hours: 24, reason: 'happy path', command: 'rollback:emergency' });
    expect(result.message).toMatch(/^restored recovery point rp-/);
    expect(result).toMatchObject({ success: true, phase: 'Completed', recoveryPointId: planned.recoveryPoint.recoveryPointId });
    await expectIdle();
    expect((await env.runtime.systemTable.getDoc<{ mode: string }>('MODE', 'system'))?.mode).toBe('normal');

    const status = await ops.status(result.rollbackId);
    expect(status.components.map((c) => c.component)).toEqual(ORDER);
    for (const c of status.components) {
      const p = planned.components.find((x) => x.component === c.component);
      expect({ c: c.component, written: c.written, deleted: c.deleted }).toEqual({ c: c.component, written: p?.write, deleted: p?.delete });
      expect(c.phase).toBe('restored');
    }
    expect(planned.components.reduce((n, c) => n + c.write + c.delete, 0)).toBeGreaterThan(0);
    // The live data now is the point: nothing left to write.
    const after = await ops.plan({ backupId: planned.recoveryPoint.recoveryPointId });
    expect(after.components.every((c) => c.write === 0 && c.delete === 0)).toBe(true);

    // Restore and verification of one component end before the next starts.
    const order = transitions.filter((s) => s === 'RestoreComponent' || s === 'VerifyComponent');
    expect(order.length).toBeGreaterThanOrEqual(8);
    const log = await ops.logs(result.rollbackId);
    const componentLines = log.split('\n').filter((l) => /step=(RestoreComponent|VerifyComponent)/.test(l));
    const sequence = componentLines.map((l) => /component=(\S+)/.exec(l)?.[1]);
    expect([...new Set(sequence)]).toEqual(ORDER);
    for (let i = 1; i < componentLines.length; i++) {
      const prev = componentLines[i - 1] ?? '';
      const cur = componentLines[i] ?? '';
      if (/component=(\S+)/.exec(prev)?.[1] !== /component=(\S+)/.exec(cur)?.[1]) expect(prev).toContain('step=VerifyComponent');
    }
    expect(log).toContain('initiator=admin');
    expect(log).toContain('reason="happy path"');
    expect(log).toMatch(/step=RecordOutcome result=Completed/);

    const events = await outboxSince(before);
    const types = events.filter((e) => e.channel === 'event').map((e) => e.detailType);
    expect(types[0]).toBe('RollbackRequested');
    expect(types).toContain('RollbackStarted');
    expect(types.filter((t) => t === 'SystemModeChanged')).toHaveLength(2);
    expect(events.filter((e) => e.detailType === 'ComponentRestored').map((e) => e.detail?.component)).toEqual(ORDER);
    expect(types.at(-1)).toBe('RollbackCompleted');
    expect(events.filter((e) => e.channel === 'notification').length).toBeGreaterThanOrEqual(7);
  });

  it('undo returns every component to exactly its state before the rollback', async () => {
    await changeSomething();
    const before = await liveState();
    const ops = operations();
    const rb = await ops.rollback({ ...credentials(), hours: 24, reason: 'to undo' });
    expect(rb.phase).toBe('Completed');
    expect(await liveState()).not.toEqual(before);
    const undo = await ops.undo({ ...credentials(), reason: 'undo it' });
    expect(undo).toMatchObject({ success: true, phase: 'Completed' });
    expect(await liveState()).toEqual(before);
    expect((await ops.status(rb.rollbackId)).phase).toBe('Undone');
    await expect(ops.undo({ ...credentials() })).rejects.toThrow(/already undone/);
    await expectIdle();
  });

  it('undo applies the auth reconciliation as of now: a revocation made after the rollback stays', async () => {
    await changeSomething();
    const before = await liveState();
    const ops = operations();
    expect((await ops.rollback({ ...credentials(), hours: 24, reason: 'before revocation' })).phase).toBe('Completed');
    const revocation = { pk: { S: 'REVOCATION#after-rollback' }, sk: { S: 'REVOCATION' }, kind: { S: 'revocation' }, sessionId: { S: 'sess-x' } };
    await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.authTable, Item: revocation }));
    const undo = await ops.undo({ ...credentials(), reason: 'undo keeps revocations' });
    expect(undo.phase).toBe('Completed');
    const after = await liveState();
    const auth = after[names.authTable];
    expect(auth?.has('REVOCATION#after-rollback|REVOCATION')).toBe(true);
    auth?.delete('REVOCATION#after-rollback|REVOCATION');
    expect(after).toEqual(before);
  });

  it('two rollbacks started at once: one runs, the other is refused with a conflict and changes nothing', async () => {
    await changeSomething();
    // A second administrator, so that the two requests do not race for one user's TOTP step.
    const second = { username: 'second-admin', password: 'another long passphrase', totpSecret: 'KRSXG5CTMVRXEZLU' };
    await env.runtime.admins.put({
      username: second.username,
      passwordHash: await hashPassword(second.password),
      totpSecret: second.totpSecret,
      level: 'admin',
      createdAt: clock.now().toISOString(),
      disabled: false,
      lastTotpStep: 0,
    });
    const first = credentials();
    const [a, b] = await Promise.allSettled([
      operations().rollback({ ...first, hours: 24, reason: 'first' }),
      operations().rollback({ username: second.username, password: second.password, totp: totpCode(second.totpSecret, clock.now()), hours: 24, reason: 'second' }),
    ]);
    const outcomes = [a, b].map((r) => (r.status === 'fulfilled' ? r.value.phase === 'Completed' ? 'completed' : `${r.value.phase}:${r.value.errorName ?? ''}` : r.reason instanceof ConflictError ? 'conflict' : String(r.reason)));
    expect(outcomes.filter((o) => o === 'completed')).toHaveLength(1);
    // Refused before it started (the lock was seen) or by the state machine's own AcquireLock.
    expect(outcomes.filter((o) => o === 'conflict' || o === 'Failed:ConflictError')).toHaveLength(1);
    await expectIdle();
  });

  /**
   * Where a failure in each Task leads. `unchanged`: nothing had been restored; `recovered`: the
   * components went back to the safety snapshot; `completed`: the Task never stops a rollback (a
   * check or a notification).
   */
  const expectations: Record<string, 'unchanged' | 'recovered' | 'completed' | 'unrecorded' | 'stuck-in-recovery'> = {
    AcquireLock: 'unchanged',
    SelectRecoveryPoint: 'unchanged',
    EnterRecoveryMode: 'unchanged',
    TakeSafetySnapshot: 'unchanged',
    RestoreComponent: 'recovered',
    VerifyComponent: 'recovered',
    // Every component is restored and verified by then: the rollback stands, recovery mode stays
    // (said in the result) until cleanup leaves it.
    LeaveRecoveryMode: 'stuck-in-recovery',
    RecordOutcome: 'unrecorded',
  };

  it('a failure injected into each Task in turn ends in the right Catch path, the lock released and nothing lost', async () => {
    const machine = LocalStateMachine.fromFile('emergency-rollback', localSubstitutions('t'));
    const tasks = [...new Set(machine.tasks().map((t) => t.name))];
    const seen: string[] = [];
    // The Tasks a successful rollback enters (the fault hook is asked on each entry), from the
    // runs whose fault never stops a rollback. A Task outside it lies only on a failure path
    // (recovery, safe mode, nothing changed): a fault there alone would run one more successful
    // rollback and prove nothing. The recovery-path tests below enter them after the failure that
    // leads there, and fail the ones that decide the outcome (recovery, restart, safe mode).
    let successPath: Set<string> | undefined;
    const unreached: string[] = [];
    for (const task of tasks) {
      const expected = expectations[task] ?? 'completed';
      if (successPath && !successPath.has(task)) {
        unreached.push(task);
        continue;
      }
      await changeSomething();
      const before = await liveState();
      const offset = await outboxSize();
      const entered = new Set<string>();
      const ops = operations({
        fault: (state) => {
          entered.add(state);
          return state === task ? new Error(`injected failure in ${task}`) : undefined;
        },
      });
      const result: RollbackResult = await ops.rollback({ ...credentials(), hours: 24, reason: `fault in ${task}` });
      const events = await outboxSince(offset);
      seen.push(`${task}:${result.phase}`);
      if (expected === 'completed' && result.phase === 'Completed') successPath ??= entered;
      if (expected === 'stuck-in-recovery') {
        expect(result.phase).toBe('Completed');
        expect(result.message).toMatch(/system mode recovery \(run "npx wing rollback:cleanup"\)/);
        expect((await operations().cleanup({ ...credentials() })).actions).toContain('left recovery mode (now normal)');
      } else if (expected === 'unrecorded') {
        // The data was rolled back, but the result could not be written: reported as a failure, never as silence.
        expect(result.phase).toBe('Failed');
        expect(result.message).toContain('could not record its outcome');
        expect(events.filter((e) => e.detailType === 'RollbackFailed')).toHaveLength(1);
      } else if (expected === 'completed') {
        // A check or a notification that fails is recorded, never blocking; recovery-path Tasks are not reached.
        expect({ task, phase: result.phase }).toEqual({ task, phase: 'Completed' });
        if (['PreRollbackHealthCheck', 'PostRollbackHealthCheck', 'CrossComponentCheck'].includes(task)) expect(result.warnings.join(' ')).toContain(task);
      } else {
        expect({ task, phase: result.phase }).toEqual({ task, phase: 'Failed' });
        expect(result.message).toContain(expected === 'recovered' ? 'returned to its pre-rollback state' : 'no data was changed');
        expect(await liveState()).toEqual(before);
        expect(events.filter((e) => e.detailType === 'RollbackFailed')).toHaveLength(1);
        expect(events.some((e) => e.channel === 'notification' && e.subject?.includes('FAILED'))).toBe(true);
      }
      await expectIdle();
      expect((await env.runtime.systemTable.getDoc<{ mode: string }>('MODE', 'system'))?.mode ?? 'normal').toBe('normal');
    }
    expect(seen.length + unreached.length).toBe(tasks.length);
    expect(unreached).toEqual([
      'RecoverComponent',
      'VerifyRecoveredComponent',
      'LeaveRecoveryModeAfterRecovery',
      'AnnounceNormalModeAfterRecoveryEvent',
      'AnnounceNormalModeAfterRecoveryNotice',
      'EnterSafeMode',
      'AnnounceSafeModeEvent',
      'AnnounceSafeModeNotice',
      'LeaveRecoveryModeUnchanged',
      'AnnounceNormalModeUnchangedEvent',
      'AnnounceNormalModeUnchangedNotice',
    ]);
  }, 600_000);

  it('recovery returns auth exactly to its safety snapshot: a user created since comes back as it was, not disabled for review', async () => {
    await changeSomething();
    const user = { pk: { S: 'USER#created-after-point' }, sk: { S: 'PROFILE' }, kind: { S: 'user' }, email: { S: 'new@wing.example' }, passwordHash: { S: 'h' } };
    await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.authTable, Item: user }));
    const before = await liveState();
    const ops = operations({ fault: (state) => (state === 'VerifyComponent' ? new Error('injected failure in VerifyComponent') : undefined) });
    const result = await ops.rollback({ ...credentials(), hours: 24, reason: 'recover auth exactly' });
    expect(result.message).toContain('returned to its pre-rollback state');
    expect(await liveState()).toEqual(before);
  });

  it('undo passes over a rollback that failed and was returned by its recovery: it undoes the latest one that changed data', async () => {
    await changeSomething();
    const before = await liveState();
    const completed = await operations().rollback({ ...credentials(), hours: 24, reason: 'stays' });
    expect(completed.phase).toBe('Completed');
    await changeSomething();
    const failed = await operations({ fault: (st) => (st === 'VerifyComponent' ? new Error('injected failure in VerifyComponent') : undefined) }).rollback({ ...credentials(), hours: 24, reason: 'recovered' });
    expect(failed.message).toContain('returned to its pre-rollback state');
    const undo = await operations().undo({ ...credentials(), reason: 'undo the one that changed data' });
    expect(undo.phase).toBe('Completed');
    expect((await operations().status(completed.rollbackId)).phase).toBe('Undone');
    expect((await operations().status(failed.rollbackId)).phase).toBe('Failed');
    // Auth is reconciled as of now (the activity in between revoked and disabled): the others are exact.
    const withoutAuth = (state: Record<string, Map<string, string>>): [string, Map<string, string>][] => Object.entries(state).filter(([k]) => k !== names.authTable);
    expect(withoutAuth(await liveState())).toEqual(withoutAuth(before));
  });

  it('each recovery-path Task that fails is said as it is, and cleanup finishes the job', async () => {
    const mode = async (): Promise<string> => (await new DynamoSystemModeStore(env.runtime.systemTable).get()).mode;
    // The data went back, but the services could not restart: safe mode, said so.
    await changeSomething();
    let before = await liveState();
    let result = await operations({ fault: (st) => (st === 'VerifyComponent' || st === 'LeaveRecoveryModeAfterRecovery' ? new Error(`injected failure in ${st}`) : undefined) }).rollback({ ...credentials(), hours: 24, reason: 'restart fails' });
    expect(result.message).toMatch(/returned to its pre-rollback state, but the services could not be restarted.*system mode safe/);
    expect(await liveState()).toEqual(before);
    expect(await mode()).toBe('safe');
    await expectIdle();
    // A rollback that changed nothing leaves the safe mode it found (and does not clear it).
    result = await operations({ fault: (st) => (st === 'TakeSafetySnapshot' ? new Error('injected failure in TakeSafetySnapshot') : undefined) }).rollback({ ...credentials(), hours: 24, reason: 'from safe mode' });
    expect(result.message).toContain('no data was changed');
    expect(await mode()).toBe('safe');

    // Nothing changed and the services could not restart: recovery mode stays, and cleanup leaves it.
    await new DynamoSystemModeStore(env.runtime.systemTable).set({ mode: 'normal', changedAt: clock.now().toISOString(), rollbackId: null, reason: 'test' });
    result = await operations({ fault: (st) => (st === 'TakeSafetySnapshot' || st === 'LeaveRecoveryModeUnchanged' ? new Error(`injected failure in ${st}`) : undefined) }).rollback({ ...credentials(), hours: 24, reason: 'stuck' });
    expect(result.message).toMatch(/no data was changed, but the services could not be restarted.*system mode recovery/);
    expect((await operations().cleanup({ ...credentials() })).actions).toContain('left recovery mode (now normal)');

    // Returning failed and safe mode could not be set either: the data is half-restored in
    // recovery mode; cleanup returns it to the safety snapshots.
    await changeSomething();
    before = await liveState();
    result = await operations({ fault: (st) => (['VerifyComponent', 'RecoverComponent', 'EnterSafeMode'].includes(st) ? new Error(`injected failure in ${st}`) : undefined) }).rollback({ ...credentials(), hours: 24, reason: 'everything fails' });
    expect(result.message).toMatch(/returning to the pre-rollback state failed too.*system mode recovery/);
    expect(await mode()).toBe('recovery');
    const cleaned = await operations().cleanup({ ...credentials() });
    expect(cleaned.actions.join('\n')).toContain('to their state before rollback');
    expect(await liveState()).toEqual(before);
    expect(await mode()).toBe('normal');
    await expectIdle();
  });

  it('cleanup after an execution died once its services restarted leaves the data alone and records the rollback completed', async () => {
    await changeSomething();
    const ops = operations();
    const result = await ops.rollback({ ...credentials(), hours: 24, reason: 'dies late' });
    expect(result.phase).toBe('Completed');
    const after = await liveState();
    // What a process killed during PostRollbackHealthCheck leaves: the record InProgress, its executor dead, the mode normal.
    const record = await env.runtime.systemTable.getDoc<Record<string, unknown>>('ROLLBACK', result.rollbackId);
    await env.runtime.systemTable.putDoc('ROLLBACK', result.rollbackId, { ...record, phase: 'InProgress', step: 'PostRollbackHealthCheck', executor: { host: hostname(), pid: 2 ** 22 + 12345 } }, { currentStep: { S: 'PostRollbackHealthCheck' } });
    await changeSomething();
    const live = await liveState();
    expect(live).not.toEqual(after);
    const cleaned = await ops.cleanup({ ...credentials() });
    expect(cleaned.actions.join('\n')).toContain('its data was not touched');
    expect(await liveState()).toEqual(live);
    expect((await ops.status(result.rollbackId)).phase).toBe('Completed');
    await expectIdle();
  });

  it('a lock taken over between the request and the execution: AcquireLock refuses, nothing changes, the other lock stays', async () => {
    await changeSomething();
    const before = await liveState();
    // The request takes the lock before it answers; here someone takes it over (as cleanup does
    // with an expired lease) just before the AcquireLock Task runs.
    const ops = operations({
      fault: async (state, rollbackId) => {
        if (state === 'AcquireLock') await env.runtime.lock.takeOver(rollbackId, 'intruder', 'rollback', 60_000);
        return undefined;
      },
    });
    const result = await ops.rollback({ ...credentials(), hours: 24, reason: 'raced' });
    const holder = await env.runtime.lock.current();
    try {
      expect(result).toMatchObject({ success: false, phase: 'Failed', errorName: 'ConflictError' });
      expect(result.message).toContain('no data was changed');
      // The conditional ReleaseLock did not release a lock this rollback does not hold.
      expect(holder?.owner).toBe('intruder');
      expect(await liveState()).toEqual(before);
    } finally {
      await env.runtime.lock.release('intruder').catch(() => undefined);
    }
  });

  it('a safe mode an administrator set stays after a rollback, with its reason', async () => {
    const modes = new DynamoSystemModeStore(env.runtime.systemTable);
    const manual = { mode: 'safe' as const, changedAt: clock.now().toISOString(), rollbackId: null, reason: 'incident 42: frozen by the on-call' };
    await modes.set(manual);
    try {
      await changeSomething();
      const result = await operations().rollback({ ...credentials(), hours: 24, reason: 'in safe mode' });
      expect(result.phase).toBe('Completed');
      expect(await modes.get()).toEqual(manual);
    } finally {
      await modes.set({ mode: 'normal', changedAt: clock.now().toISOString(), rollbackId: null, reason: 'test' });
    }
  });

  it('when returning to the safety snapshot fails too, the system stops in safe mode with the lock released', async () => {
    await changeSomething();
    const offset = await outboxSize();
    const ops = operations({
      fault: (state) => (state === 'VerifyComponent' || state === 'RecoverComponent' ? new Error(`injected failure in ${state}`) : undefined),
    });
    const result = await ops.rollback({ ...credentials(), hours: 24, reason: 'double failure' });
    expect(result.phase).toBe('Failed');
    expect(result.message).toContain('safe mode');
    expect((await env.runtime.systemTable.getDoc<{ mode: string }>('MODE', 'system'))?.mode).toBe('safe');
    await expectIdle();
    const events = await outboxSince(offset);
    expect(events.some((e) => e.detailType === 'SystemModeChanged' && e.detail?.to === 'safe')).toBe(true);
    expect(events.filter((e) => e.detailType === 'RollbackFailed')).toHaveLength(1);
    // An administrator can still roll back in safe mode; it returns the system to normal.
    const again = await operations().rollback({ ...credentials(), hours: 24, reason: 'after safe mode' });
    expect(again.phase).toBe('Completed');
    expect((await env.runtime.systemTable.getDoc<{ mode: string }>('MODE', 'system'))?.mode).toBe('normal');
  });

  it('retries a transient error, and loops a restore that runs out of time with a continuation token', async () => {
    await changeSomething();
    let failures = 0;
    const retried: string[] = [];
    const ops = operations({
      taskBudgetMs: 1,
      fault: (state) => (state === 'RestoreComponent' && failures++ === 0 ? new TransientError('throttled') : undefined),
      onTransition: (_, t) => t.type === 'StateRetried' && t.state && retried.push(t.state),
    });
    const result = await ops.rollback({ ...credentials(), hours: 24, reason: 'budget' });
    expect(result.message).toMatch(/^restored recovery point rp-/);
    expect(retried).toContain('RestoreComponent');
    const status = await ops.status(result.rollbackId);
    expect(Math.max(...status.components.map((c) => c.runs))).toBeGreaterThan(1);
  });

  it('in recovery mode, backups, retention and rollbacks are refused with exit 6; undo and cleanup are not', async () => {
    const modes = new DynamoSystemModeStore(env.runtime.systemTable);
    await modes.set({ mode: 'recovery', changedAt: clock.now().toISOString(), rollbackId: 'rb-someone', reason: 'test' });
    try {
      const attempts: (() => Promise<unknown>)[] = [
        () => env.runtime.backups.createRecoveryPoint(),
        () => env.runtime.backups.createComponentSnapshot('auth'),
        () => env.runtime.backups.applyRetention({ dryRun: false }),
        () => operations().rollback({ ...credentials(), hours: 24, reason: 'blocked' }),
      ];
      for (const attempt of attempts) {
        const err = await attempt().then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(ConflictError);
        expect((err as Error).message).toContain('recovery mode');
      }
      // Cleanup is allowed: no rollback owns this recovery mode, so it leaves it.
      const cleaned = await operations().cleanup({ ...credentials() });
      expect(cleaned.actions).toContain('left recovery mode (now normal)');
      expect((await modes.get()).mode).toBe('normal');
    } finally {
      await modes.set({ mode: 'normal', changedAt: clock.now().toISOString(), rollbackId: null, reason: 'test' });
    }
  });

  it('refuses a second rollback while the lock is held (exit 6), and explains when no point is old enough', async () => {
    await env.runtime.lock.acquire('someone-else', 'rollback', 60_000);
    try {
      const err = await operations().rollback({ ...credentials(), hours: 24, reason: 'second' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).exitCode).toBe(6);
    } finally {
      await env.runtime.lock.release('someone-else');
    }
    const none = await operations().rollback({ ...credentials(), hours: 24 * 400, reason: 'too old' }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(WingError);
    expect((none as WingError).exitCode).toBe(1);
    expect((none as Error).message).toMatch(/no verified recovery point is at least 9600 h old \(points: rp-/);
    expect((none as Error).message).toContain('restore:alternative --backup-id=ID');
  });
});
