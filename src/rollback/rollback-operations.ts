/**
 * The rollback operations behind RollbackSystem, the CLI and (later) the admin API. Every
 * data-changing call checks the administrator's password and single-use TOTP code first, then the
 * system mode and the lock, records the request, and runs the rollback state machine through an
 * executor (the local runner, or Step Functions). A request refused before it starts throws a
 * WingError (its `exitCode` is the CLI's); a rollback that ran returns its result, failed or not.
 */
import { randomBytes } from 'node:crypto';
import { newId, type RecoveryPointRecord } from '../core/catalog.js';
import type { AdminLevel, Credentials } from '../core/credentials.js';
import { asError, ConflictError, NotFoundError, refusalDetail, ValidationError, WingError } from '../core/errors.js';
import { LOCAL_ORIGIN, type RequestOrigin } from '../core/network-policy.js';
import { EVENT_VERSION } from '../core/events.js';
import { restoreOrder } from '../core/plan.js';
import { scopeComponents, validatedScope, type RestoreScope } from '../core/restore-scope.js';
import type { RollbackMode } from '../core/rollback-commands.js';
import { isFinished, type ComponentProgress, type RollbackRecord, type RollbackSelection } from '../core/rollback-journal.js';
import { withLock } from '../core/rollback-lock.js';
import { assertModeAllows, type SystemModeState } from '../core/system-mode.js';
import type { RollbackServices } from './rollback-services.js';
import { ROLLBACK_LEASE_MS } from './rollback-steps.js';


export interface RollbackRequest extends Partial<Credentials> {
  readonly hours?: number;
  readonly backupId?: string;
  readonly mode?: RollbackMode;
  readonly reason?: string;
  /** The command that asked (`rollback:emergency`, ...), for the log and the audit trail. */
  readonly command?: string;
  /** false: return once the execution started (phase InProgress). */
  readonly wait?: boolean;
  /** The point the administrator was shown: refused (conflict) if the choice now differs. */
  readonly expectRecoveryPointId?: string;
  /** Where the request came from (an address, `cli`), for the audit trail. */
  readonly source?: string;
  /** The caller's address and country, for the allowlist and the limits (default: this machine). */
  readonly origin?: RequestOrigin;
  /** A targeted restore: only these components or items (absent: the whole platform). */
  readonly scope?: RestoreScope;
}

/** How a caller reached an operation: for the audit trail (`source`) and the network rules (`origin`). */
export interface RequestContext {
  readonly source?: string;
  readonly origin?: RequestOrigin;
}

/** CONTRACT.md: `{ success, rollbackId, recoveryPointId, phase, message, error? }`. */
export interface RollbackResult {
  readonly success: boolean;
  readonly rollbackId: string;
  readonly recoveryPointId: string | null;
  readonly phase: RollbackRecord['phase'];
  readonly message: string;
  readonly error?: string;
  /** The error class the rollback failed with (its CLI exit code: IntegrityError 5, ConflictError 6, else 1). */
  readonly errorName?: string;
  readonly warnings: readonly string[];
}

export interface RollbackStatus {
  readonly rollbackId: string;
  readonly kind: RollbackRecord['kind'];
  /** The command that asked for it (`rollback:emergency`, `rollback:undo`, ...). */
  readonly command: string;
  readonly phase: RollbackRecord['phase'];
  readonly step: string;
  readonly recoveryPointId: string | null;
  readonly initiator: string;
  readonly reason: string;
  readonly requestedAt: string;
  readonly finishedAt: string | null;
  readonly message: string;
  readonly warnings: readonly string[];
  /** The error it failed with (its class name decides the CLI's exit code). */
  readonly error: RollbackRecord['error'];
  readonly components: ComponentProgress[];
  readonly mode: SystemModeState;
}

/** Starts the state machine for a recorded rollback and tells whether an execution still runs. */
export interface RollbackExecutor {
  /** Who will run this rollback (recorded before it starts, so a crash right after is recognised). */
  executorOf(rollbackId: string): RollbackRecord['executor'];
  /**
   * Starts the execution; `finished()` settles when it ends (the record then holds the result).
   * A function, so that a caller who does not wait (the admin API's Lambda) starts no watcher.
   */
  start(rollbackId: string): Promise<{ executor: RollbackRecord['executor']; finished: () => Promise<void> }>;
  isAlive(record: RollbackRecord): Promise<boolean>;
}

export interface RollbackSystemDeps {
  readonly services: RollbackServices;
  readonly executor: RollbackExecutor;
}

function random(): string {
  return randomBytes(3).toString('hex');
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value.trim() === '') throw new ValidationError(`${what} is required`);
  return value;
}

export class RollbackOperations {
  constructor(private readonly deps: RollbackSystemDeps) {}

  get services(): RollbackServices {
    return this.deps.services;
  }

  /**
   * The checks of a † operation up to the password and single-use TOTP of an administrator
   * (address, lockout, credentials, level; CONTRACT.md's order); returns the username.
   */
  async authenticate(request: Partial<Credentials> & RequestContext): Promise<string> {
    const credentials: Credentials = {
      username: required(request.username, 'the administrator username (--username or WING_USERNAME)'),
      password: required(request.password, 'the password (WING_PASSWORD or the prompt)'),
      totp: required(request.totp, 'the authentication code (--totp or WING_TOTP)'),
    };
    return this.audited(credentials.username, 'authenticate', request.source, () => 'password and authentication code', async () => {
      const admin = await this.deps.services.gate.signIn(credentials, request.origin ?? LOCAL_ORIGIN, 'admin');
      return admin.username;
    }, 'succeeded');
  }

  /**
   * A change by a signed-in caller of any level (an operator's backup): refused in recovery mode,
   * and in safe mode unless the caller is an administrator (exit 6), the refusal audited.
   */
  assertMayChange(actor: string, level: AdminLevel, action: string, context: RequestContext = {}): Promise<void> {
    return this.refusalsAudited(actor, action, context.source, async () => {
      assertModeAllows(await this.deps.services.modes.get(), 'change', { administrator: level === 'admin' });
    });
  }

  /**
   * A † change made outside the state machine (resync of the index, clearing caches, restarting
   * agents) for an authenticated administrator: refused in recovery mode (exit 6), run under the
   * rollback lock (so it never races a rollback, a backup's prune or another change), and audited
   * as `action` with `detail(result)`, or as refused.
   */
  changeAs<T>(initiator: string, action: string, request: { reason?: string | undefined; source?: string | undefined }, detail: (result: T) => string, fn: () => Promise<T>): Promise<T> {
    const described = (r: T): string => `${request.reason ? `${request.reason}: ` : ''}${detail(r)}`;
    return this.audited(initiator, action, request.source, described, async () => {
      assertModeAllows(await this.deps.services.modes.get(), 'change', { administrator: true });
      return withLock(this.deps.services.lock, `${action}-${random()}`, action, () => fn());
    }, 'succeeded');
  }

  /**
   * Runs `fn` and records it in the audit trail: `outcome` when it works, `refused` with the
   * error's message when it is refused. Only names and outcomes are written, never a secret.
   */
  private async audited<T>(actor: string, action: string, source: string | undefined, detail: (result: T) => string, fn: () => Promise<T>, outcome: 'started' | 'succeeded' = 'started'): Promise<T> {
    const result = await this.refusalsAudited(actor, action, source, fn);
    await this.deps.services.audit.append({ actor, action, outcome, detail: detail(result), source: source ?? 'unknown' });
    return result;
  }

  /**
   * Runs `fn`, recording a refusal in the audit trail. What it starts is recorded by `run`
   * itself, before the execution begins (the contract's order: checks, audit, run).
   */
  private async refusalsAudited<T>(actor: string, action: string, source: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      // A refusal that cannot be recorded is still a refusal: the caller learns the first error.
      await this.deps.services.audit.append({ actor, action, outcome: 'refused', detail: refusalDetail(err), source: source ?? 'unknown' }).catch(() => undefined);
      throw err;
    }
  }

  /** The point a rollback would use, and per component what it would write, delete and leave. */
  async plan(choice: { hours?: number; backupId?: string }, scope?: RestoreScope): Promise<{ recoveryPoint: RecoveryPointRecord; components: { component: string; write: number; delete: number; unchanged: number }[] }> {
    const checkedScope = scope && validatedScope(this.deps.services.plan, scope);
    const recoveryPoint = await this.deps.services.backups.choosePoint(validatedChoice(choice));
    if (checkedScope) await this.assertScopeMatches(recoveryPoint.recoveryPointId, checkedScope);
    return { recoveryPoint, components: await this.deps.services.backups.planRestore(recoveryPoint.recoveryPointId, checkedScope) };
  }

  async rollback(request: RollbackRequest): Promise<RollbackResult> {
    validatedChoice(request);
    return this.startRollback(await this.authenticate(request), request);
  }

  /**
   * A rollback for an administrator authenticated already (the CLI authenticates, shows the plan
   * and asks for confirmation, then starts). The point is chosen once, here: the execution
   * restores exactly the point that was shown, even if a backup completes meanwhile.
   */
  startRollback(initiator: string, request: RollbackRequest): Promise<RollbackResult> {
    return this.refusalsAudited(initiator, 'rollback.start', request.source, () => this.startRollbackOf(initiator, request));
  }

  private async startRollbackOf(initiator: string, request: RollbackRequest): Promise<RollbackResult> {
    const choice = validatedChoice(request);
    const scope = request.scope && validatedScope(this.deps.services.plan, request.scope);
    const mode: string = request.mode ?? 'differential';
    if (mode !== 'differential' && mode !== 'full') throw new ValidationError(`mode must be differential or full, not ${mode}`);
    // The contract's order: the start limit (authenticated starts only) before the mode.
    await this.deps.services.gate.takeRollbackStart(initiator, request.origin ?? LOCAL_ORIGIN);
    await this.assertCanStart('rollback');
    const point = await this.deps.services.backups.choosePoint(choice);
    if (request.expectRecoveryPointId !== undefined && request.expectRecoveryPointId !== point.recoveryPointId) {
      throw new ConflictError(`the recovery point changed since it was shown (now ${point.recoveryPointId}, shown ${request.expectRecoveryPointId}): look at the plan again and confirm`);
    }
    if (scope) await this.assertScopeMatches(point.recoveryPointId, scope);
    return this.run({
      kind: 'rollback',
      selection: { backupId: point.recoveryPointId },
      ...(scope ? { scope } : {}),
      mode,
      initiator,
      reason: request.reason ?? '',
      command: request.command ?? 'rollback',
      wait: request.wait ?? true,
      source: request.source,
    });
  }

  /** A targeted restore of items that exist neither in the point nor live (a mistyped agent id) is refused. */
  private async assertScopeMatches(recoveryPointId: string, scope: RestoreScope): Promise<void> {
    if (!scope.items || (await this.deps.services.backups.itemScopeMatches(recoveryPointId, scope))) return;
    throw new NotFoundError(`${scope.items.description} is in neither recovery point ${recoveryPointId} nor the live data of ${scope.components.join(', ')}: check the id`);
  }

  /** Undoes the latest rollback from its safety snapshots (auth reconciled as of now). */
  async undo(request: Partial<Credentials> & RequestContext & { rollbackId?: string; reason?: string; wait?: boolean }): Promise<RollbackResult> {
    return this.startUndo(await this.authenticate(request), request);
  }

  startUndo(initiator: string, request: RequestContext & { rollbackId?: string; reason?: string; wait?: boolean }): Promise<RollbackResult> {
    return this.refusalsAudited(initiator, 'rollback.undo', request.source, () => this.startUndoOf(initiator, request));
  }

  private async startUndoOf(initiator: string, request: { rollbackId?: string; reason?: string; wait?: boolean; source?: string }): Promise<RollbackResult> {
    const complete = (r: RollbackRecord): Promise<boolean> => this.safetyComplete(r);
    // The latest rollback that changed data: one refused at the lock or failed before its safety
    // snapshots changed nothing and cannot hide the one before it.
    let latest: RollbackRecord | undefined;
    for (const r of await this.deps.services.journal.list()) {
      if (r.kind !== 'rollback') continue;
      // Refused, failed before changing anything, or returned by its own recovery: nothing to undo.
      if (r.phase === 'Failed' && !(await complete(r))) continue;
      if (r.phase === 'Failed' && (await this.dataState(r)) !== 'partial') continue;
      latest = r;
      break;
    }
    if (!latest) throw new NotFoundError('there is no rollback to undo');
    if (request.rollbackId !== undefined && request.rollbackId !== latest.rollbackId) {
      throw new ValidationError(`undo applies to the latest rollback only, which is ${latest.rollbackId}, not ${request.rollbackId}`);
    }
    if (latest.phase === 'Undone') throw new ConflictError(`rollback ${latest.rollbackId} was already undone by ${latest.undoneBy ?? 'an earlier undo'}`);
    if (!isFinished(latest.phase)) throw new ConflictError(`rollback ${latest.rollbackId} is ${latest.phase}: wait for it to end, or run "npx wing rollback:cleanup" if it crashed`);
    if (!(await complete(latest))) {
      throw new WingError(`rollback ${latest.rollbackId} took no complete safety snapshot, so it changed no data: there is nothing to undo`);
    }
    await this.assertCanStart('undo');
    return this.run({
      kind: 'undo',
      selection: { undoOf: latest.rollbackId },
      // An undo returns what the rollback restored, and only that, to its safety snapshots.
      ...(latest.scope ? { scope: { components: latest.scope.components } } : {}),
      mode: 'differential',
      initiator,
      reason: request.reason ?? `undo of ${latest.rollbackId}`,
      command: 'rollback:undo',
      wait: request.wait ?? true,
      source: request.source,
    });
  }

  private async dataState(r: RollbackRecord): Promise<DataState> {
    return dataStateOf(await this.deps.services.journal.listProgress(r.rollbackId), this.componentCount(r));
  }

  /** How many components a rollback restores: its scope's, or the plan's. */
  private componentCount(r: RollbackRecord): number {
    return scopeComponents(this.deps.services.plan, r.scope).length;
  }

  /** Did the rollback take a safety snapshot of every component it restores (so it can be undone)? */
  private async safetyComplete(r: RollbackRecord): Promise<boolean> {
    return (await this.deps.services.backups.safetySnapshotsOf(r.rollbackId)).length >= this.componentCount(r);
  }

  private async assertCanStart(operation: 'rollback' | 'undo'): Promise<void> {
    const mode = await this.deps.services.modes.get();
    assertModeAllows(mode, operation);
    if (mode.mode === 'recovery') {
      // Undo may start in the recovery mode of a rollback that ended; not in one still running
      // or one that left data half-restored (cleanup first).
      const owner = mode.rollbackId ? await this.deps.services.journal.get(mode.rollbackId) : undefined;
      if (!owner || !isFinished(owner.phase) || (owner.phase === 'Failed' && (await this.dataState(owner)) === 'partial')) {
        throw new ConflictError(`the system is in the recovery mode of rollback ${mode.rollbackId ?? 'unknown'}: run "npx wing rollback:cleanup" first`);
      }
    }
    const holder = await this.deps.services.lock.current();
    if (holder && new Date(holder.leaseUntil).getTime() > this.deps.services.clock.now().getTime()) {
      throw new ConflictError(`the rollback lock is held by ${holder.owner} (${holder.purpose}) until ${holder.leaseUntil}: wait for it, or run "npx wing rollback:cleanup" if it crashed`);
    }
  }

  private async run(r: { kind: RollbackRecord['kind']; selection: RollbackSelection; scope?: RestoreScope; mode: RollbackMode; initiator: string; reason: string; command: string; wait: boolean; source: string | undefined }): Promise<RollbackResult> {
    const now = this.deps.services.clock.now();
    // One prefix for rollbacks and undos: the journal lists them by id, which must follow time.
    const rollbackId = newId('rb', now, random());
    const record: RollbackRecord = {
      rollbackId,
      kind: r.kind,
      command: r.command,
      mode: r.mode,
      selection: r.selection,
      ...(r.scope ? { scope: r.scope } : {}),
      initiator: r.initiator,
      reason: r.reason,
      phase: 'Pending',
      step: 'Requested',
      recoveryPointId: null,
      requestedAt: now.toISOString(),
      startedAt: null,
      finishedAt: null,
      executor: this.deps.executor.executorOf(rollbackId),
      message: 'requested',
      error: null,
      warnings: [],
      undoneBy: null,
      undoneAt: null,
    };
    const { journal, log, events, lock, audit } = this.deps.services;
    // The lock is taken before the request is answered: of two starts at once, one is refused
    // here (conflict) instead of both being accepted and the second failing in its execution.
    // AcquireLock in the state machine finds it held by this rollback and keeps it.
    await lock.acquire(rollbackId, r.kind, ROLLBACK_LEASE_MS);
    let recorded = false;
    let started: Awaited<ReturnType<RollbackExecutor['start']>>;
    try {
      await journal.put(record);
      recorded = true;
      // Audited before it runs: a rollback that cannot be put on record does not start.
      await audit.append({ actor: r.initiator, action: r.kind === 'undo' ? 'rollback.undo' : 'rollback.start', outcome: 'started', detail: `${r.command} ${rollbackId}${scopeText(r.scope)} (${r.reason || 'no reason given'}) to ${'backupId' in r.selection ? r.selection.backupId : 'undoOf' in r.selection ? `the safety snapshots of ${r.selection.undoOf}` : `the newest point ${String(r.selection.hours)} h old`}`, source: r.source ?? 'unknown' });
      await log.append(rollbackId, {
        at: now,
        step: 'Requested',
        message: `${r.command} requested`,
        fields: { initiator: r.initiator, reason: r.reason, mode: r.mode, selection: JSON.stringify(r.selection), ...(r.scope ? { scope: JSON.stringify(r.scope) } : {}) },
      });
      await events
        .publish({ type: 'RollbackRequested', detail: { version: EVENT_VERSION, time: now.toISOString(), rollbackId, status: 'Pending', step: 'Requested' } })
        .catch((err: unknown) => log.append(rollbackId, { at: now, step: 'Requested', message: `warning: RollbackRequested not published: ${err instanceof Error ? err.message : String(err)}` }));
      started = await this.deps.executor.start(rollbackId);
    } catch (err) {
      // Nothing ran: the request is recorded as failed (when it was recorded at all) and the
      // lock is free again, whatever else fails on the way.
      const message = `the rollback could not be started: ${asError(err).message}`;
      if (recorded) {
        await journal.put({ ...record, phase: 'Failed', step: 'Requested', finishedAt: this.deps.services.clock.now().toISOString(), message, error: { name: asError(err).name, message } }).catch(() => undefined);
      }
      await lock.release(rollbackId).catch(() => undefined);
      throw err;
    }
    // From here on the rollback runs: nothing may turn into an error of the request.
    if (r.wait) await started.finished().catch(() => undefined);
    try {
      return await this.result(rollbackId, { waited: r.wait });
    } catch (err) {
      return {
        success: !r.wait,
        rollbackId,
        recoveryPointId: 'backupId' in r.selection ? r.selection.backupId : null,
        phase: 'InProgress',
        message: `started; its state could not be read (${asError(err).message}): "npx wing rollback:status --rollback-id=${rollbackId}"`,
        warnings: [],
      };
    }
  }

  /** A rollback's result; one still running is a success only when the caller did not wait for it. */
  async result(rollbackId: string, options: { waited?: boolean } = {}): Promise<RollbackResult> {
    const record = await this.record(rollbackId);
    const running = record.phase === 'InProgress' || record.phase === 'Pending';
    const success = record.phase === 'Completed' || (record.phase === 'Undone' && record.kind === 'rollback') || (running && options.waited === false);
    return {
      success,
      rollbackId,
      // Before SelectRecoveryPoint records it, the point chosen at the request is the one.
      recoveryPointId: record.recoveryPointId ?? ('backupId' in record.selection ? record.selection.backupId : null),
      phase: record.phase,
      message: record.message,
      ...(record.error ? { error: record.error.message, errorName: record.error.name } : {}),
      warnings: record.warnings,
    };
  }

  /** `retention:apply` for an authenticated administrator: the policy and the prune, under the lock, audited. */
  applyRetentionAs(initiator: string, request: { reason?: string; source?: string } = {}): ReturnType<RollbackServices['backups']['applyRetention']> {
    return this.audited(initiator, 'retention.apply', request.source, (r) => `${request.reason ? `${request.reason}: ` : ''}${String(r.deletedRecoveryPoints.length)} point(s) and ${String(r.deletedObjects)} object(s) deleted`, () => this.deps.services.backups.applyRetention({ dryRun: false }), 'succeeded');
  }

  /** Rollbacks and undos, newest first. */
  list(): Promise<RollbackRecord[]> {
    return this.deps.services.journal.list();
  }

  /**
   * Enters or leaves safe mode (read-only except for administrators, schedules paused). Refused
   * during a rollback's recovery mode: the rollback decides how that ends.
   */
  setSafeMode(initiator: string, request: { enabled: boolean; reason: string; source?: string }): Promise<SystemModeState> {
    const action = request.enabled ? 'system.safeMode.enter' : 'system.safeMode.leave';
    return this.audited(initiator, action, request.source, (m) => `${request.reason || 'no reason given'}; mode now ${m.mode}`, () => this.setSafeModeOf(initiator, request), 'succeeded');
  }

  private async setSafeModeOf(initiator: string, request: { enabled: boolean; reason: string }): Promise<SystemModeState> {
    const s = this.deps.services;
    const current = await s.modes.get();
    if (current.mode === 'recovery') {
      throw new ConflictError(`the system is in the recovery mode of rollback ${current.rollbackId ?? 'unknown'}: safe mode can change once it ends ("npx wing rollback:cleanup" after a crash)`);
    }
    const to = request.enabled ? 'safe' : 'normal';
    if (current.mode === to) return current;
    const now = s.clock.now().toISOString();
    const reason = request.reason.trim() === '' ? `${to === 'safe' ? 'entered' : 'left'} by ${initiator}` : `${request.reason} (by ${initiator})`;
    // Conditional on the mode read above: a rollback that entered recovery mode meanwhile wins.
    const next = await s.modes.set({ mode: to, changedAt: now, rollbackId: null, reason }, [current.mode]);
    await s.events.publish({ type: 'SystemModeChanged', detail: { version: EVENT_VERSION, time: now, status: to, from: current.mode, to, step: 'SafeMode' } });
    return next;
  }

  async record(rollbackId?: string): Promise<RollbackRecord> {
    if (rollbackId === undefined) {
      const latest = (await this.deps.services.journal.list())[0];
      if (!latest) throw new NotFoundError('no rollback has run yet');
      // Read again: the listing does not carry the current step.
      return (await this.deps.services.journal.get(latest.rollbackId)) ?? latest;
    }
    const record = await this.deps.services.journal.get(rollbackId);
    if (!record) throw new NotFoundError(`no rollback ${rollbackId}: "npx wing rollback:status" shows the latest`);
    return record;
  }

  async status(rollbackId?: string): Promise<RollbackStatus> {
    const record = await this.record(rollbackId);
    const progress = await this.deps.services.journal.listProgress(record.rollbackId);
    const order = restoreOrder(this.deps.services.plan).map((c) => c.name);
    progress.sort((a, b) => order.indexOf(a.component) - order.indexOf(b.component));
    return {
      rollbackId: record.rollbackId,
      kind: record.kind,
      command: record.command,
      phase: record.phase,
      step: record.step,
      recoveryPointId: record.recoveryPointId,
      initiator: record.initiator,
      reason: record.reason,
      requestedAt: record.requestedAt,
      finishedAt: record.finishedAt,
      message: record.message,
      warnings: record.warnings,
      error: record.error,
      components: progress,
      mode: await this.deps.services.modes.get(),
    };
  }

  async logs(rollbackId: string): Promise<string> {
    if (!/^[A-Za-z0-9-]+$/.test(rollbackId)) throw new ValidationError(`"${rollbackId}" is not a rollback id`);
    return this.deps.services.log.read(rollbackId);
  }

  /**
   * After a crash: refuses while the execution is alive (exit 6); otherwise returns a rollback
   * that had started changing data to its safety snapshots, records it Failed, releases its lock,
   * leaves recovery mode, and drops dead backup leases.
   */
  async cleanup(request: Partial<Credentials> & RequestContext & { reason?: string }): Promise<{ actions: string[]; rollbackId: string | null }> {
    const initiator = await this.authenticate(request);
    return this.cleanupAs(initiator, request);
  }

  /** {@link cleanup} for an administrator authenticated already (the admin API's session). */
  cleanupAs(initiator: string, request: { reason?: string; source?: string } = {}): Promise<{ actions: string[]; rollbackId: string | null }> {
    return this.audited(initiator, 'rollback.cleanup', request.source, (r) => `${request.reason ? `${request.reason}: ` : ''}${r.actions.join('; ')}`, () => this.cleanupOf(), 'succeeded');
  }

  private async cleanupOf(): Promise<{ actions: string[]; rollbackId: string | null }> {
    const s = this.deps.services;
    const actions: string[] = [];
    const listed = (await s.journal.list())[0];
    // Read again: the listing does not carry the current step.
    const latest = listed ? await s.journal.get(listed.rollbackId) : undefined;
    let rollbackId: string | null = null;
    if (latest && !isFinished(latest.phase)) {
      if (await this.deps.executor.isAlive(latest)) {
        throw new ConflictError(`rollback ${latest.rollbackId} is still running (step ${latest.step}): cleanup acts only on a rollback whose execution died`);
      }
      rollbackId = latest.rollbackId;
      actions.push(...(await this.recoverCrashed(latest)));
    }
    const holder = await s.lock.current();
    if (holder && new Date(holder.leaseUntil).getTime() <= s.clock.now().getTime()) {
      const owner = `cleanup-${random()}`;
      await s.lock.takeOver(holder.owner, owner, 'cleanup', 60_000);
      await s.lock.release(owner);
      actions.push(`released the stale lock of ${holder.owner}`);
    }
    const mode = await s.modes.get();
    if (mode.mode === 'recovery') {
      const owner = mode.rollbackId ? await s.journal.get(mode.rollbackId) : undefined;
      const progress = owner ? await s.journal.listProgress(owner.rollbackId) : [];
      // A failed rollback that could not return to its safety snapshots left data half-restored:
      // cleanup tries that return again before it lets the services run.
      const halfRestored =
        owner?.phase === 'Failed' &&
        dataStateOf(progress, this.componentCount(owner)) === 'partial' &&
        (await this.safetyComplete(owner));
      if (owner && halfRestored) {
        rollbackId = owner.rollbackId;
        actions.push(...(await this.recoverCrashed(owner)));
      } else if (!owner || isFinished(owner.phase)) {
        const to = mode.previous === 'safe' && owner?.phase !== 'Completed' ? 'safe' : 'normal';
        await s.modes.set({ mode: to, changedAt: s.clock.now().toISOString(), rollbackId: null, reason: 'cleanup' }, ['recovery']);
        await s.events.publish({ type: 'SystemModeChanged', detail: { version: EVENT_VERSION, time: s.clock.now().toISOString(), status: to, from: 'recovery', to, step: 'Cleanup' } });
        actions.push(`left recovery mode (now ${to})`);
      }
    }
    const running = new Set((await s.backups.runningBackups()).map((l) => l.runId));
    for (const lease of await s.catalog.listBackupLeases()) {
      if (running.has(lease.runId)) continue;
      await s.catalog.deleteBackupLease(lease.runId);
      actions.push(`removed the lease of the dead backup ${lease.runId}`);
    }
    if (actions.length === 0) actions.push('nothing to clean up');
    return { actions, rollbackId };
  }

  /**
   * A rollback whose execution died. While the system is in its recovery mode, nothing but the
   * rollback wrote, so its components go back to the safety snapshots (exactly, as the state
   * machine's recovery path does). Once it left recovery mode (every component was restored and
   * verified, and the services run again), the data is not touched: the rollback is recorded
   * from its progress.
   */
  private async recoverCrashed(record: RollbackRecord): Promise<string[]> {
    const s = this.deps.services;
    const id = record.rollbackId;
    const actions: string[] = [];
    const holder = await s.lock.current();
    if (!holder) await s.lock.acquire(id, 'cleanup', 15 * 60_000);
    else if (holder.owner !== id) {
      if (new Date(holder.leaseUntil).getTime() > s.clock.now().getTime()) throw new ConflictError(`the rollback lock is held by ${holder.owner}: cleanup waits for it`);
      await s.lock.takeOver(holder.owner, id, 'cleanup', 15 * 60_000);
    }
    await s.log.append(id, { at: s.clock.now(), step: 'Cleanup', message: `the execution died at ${record.step}: cleanup takes over` });
    const mode = await s.modes.get();
    const ownsRecoveryMode = mode.mode === 'recovery' && mode.rollbackId === id;
    const data = dataStateOf(await s.journal.listProgress(id), this.componentCount(record));
    // A rollback that already failed keeps its own error; one whose process died says so.
    const failure = record.phase === 'Failed' && record.error ? { Error: record.error.name, Cause: record.error.message } : { Error: 'ExecutionDied', Cause: `the execution stopped at ${record.step} (its process died)` };
    let outcomeInput: Parameters<typeof s.steps.recordOutcome>[0];
    if (data === 'restored' && record.phase !== 'Failed') {
      // Every component was restored and verified: the rollback stands; only its ending is missing.
      actions.push(`every component of rollback ${id} was restored and verified: its data was not touched`);
      outcomeInput = { rollbackId: id, postHealthFailure: failure };
      if (ownsRecoveryMode) {
        await s.steps.setSystemMode({ rollbackId: id, mode: 'normal', after: 'restored' });
        actions.push('left recovery mode');
      }
    } else if (!ownsRecoveryMode) {
      // The services may have run since: the data is not touched, the outcome says what it is.
      actions.push(`rollback ${id} is no longer in its recovery mode: its data was not touched`);
      outcomeInput =
        data === 'recovered'
          ? { rollbackId: id, failure, recovered: true }
          : data === 'unchanged'
            ? { rollbackId: id, failure }
            : { rollbackId: id, failure, recoveryFailure: { Error: 'PartlyRestored', Cause: 'some components were restored and not returned' } };
    } else {
      const safety = await s.backups.safetySnapshotsOf(id);
      if (safety.length < this.componentCount(record)) {
        actions.push(`rollback ${id} died before its safety snapshots were complete: no data had been changed`);
        outcomeInput = { rollbackId: id, failure };
      } else {
        try {
          for (const snap of safety) {
            let state = await s.steps.restoreComponent({ rollbackId: id, component: snap.component, snapshotId: snap.snapshotId, purpose: 'recovery' });
            while (state.done !== true) state = await s.steps.restoreComponent(state);
            await s.steps.verifyComponent(state);
          }
          actions.push(`returned ${safety.map((x) => x.component).join(', ')} to their state before rollback ${id}`);
          outcomeInput = { rollbackId: id, failure, recovered: true };
        } catch (err) {
          await s.steps.setSystemMode({ rollbackId: id, mode: 'safe' });
          actions.push('could not return to the safety snapshots: the system is in safe mode');
          outcomeInput = { rollbackId: id, failure, recoveryFailure: { Error: asError(err).name, Cause: asError(err).message }, safeMode: true };
        }
      }
      if ((await s.modes.get()).mode === 'recovery') {
        await s.steps.setSystemMode({ rollbackId: id, mode: 'normal', after: 'unchanged' });
        actions.push('left recovery mode');
      }
    }
    const outcome = await s.steps.recordOutcome(outcomeInput);
    await s.events.publish({ type: outcome.announce.detailType, detail: outcome.announce.detail });
    await s.lock.release(id).catch(() => undefined);
    actions.push(`recorded rollback ${id} as ${outcome.phase} and released its lock`);
    return actions;
  }
}

/** How the audit trail names a targeted restore's scope (nothing for a whole-platform rollback). */
function scopeText(scope: RestoreScope | undefined): string {
  if (!scope) return '';
  return ` of ${scope.components.join(', ')}${scope.items ? ` (only ${scope.items.description})` : ''}`;
}

/** What a rollback did to the data, from its per-component progress. */
type DataState = 'unchanged' | 'restored' | 'recovered' | 'partial';

function dataStateOf(progress: readonly ComponentProgress[], components: number): DataState {
  if (progress.every((p) => p.phase === 'pending')) return 'unchanged';
  if (progress.length === components && progress.every((p) => p.phase === 'restored')) return 'restored';
  if (progress.every((p) => p.phase === 'recovered' || p.phase === 'pending')) return 'recovered';
  return 'partial';
}

function validatedChoice(choice: { hours?: number; backupId?: string }): RollbackSelection & ({ hours: number } | { backupId: string }) {
  if (choice.backupId !== undefined && choice.hours !== undefined) throw new ValidationError('give --hours or --backup-id, not both');
  if (choice.backupId !== undefined) {
    if (!/^rp-[A-Za-z0-9-]+$/.test(choice.backupId)) throw new ValidationError(`"${choice.backupId}" is not a recovery point id (rp-...): "npx wing backup:list" lists them`);
    return { backupId: choice.backupId };
  }
  const hours = choice.hours ?? 24;
  if (!Number.isFinite(hours) || hours < 0) throw new ValidationError(`--hours must be a number of hours, 0 or more (got ${String(choice.hours)})`);
  return { hours };
}
