/**
 * The work behind each Task of the rollback state machine (statemachines/emergency-rollback.asl.json).
 * One method per Task; the handlers in `lambdas/` only parse their input and call these. Every
 * step renews the rollback lock first (a Step Functions execution has no process to renew it in
 * the background), writes the rollback log and keeps the rollback record current, and returns
 * what the next states need, including the event and notification the state machine then sends
 * through direct service integrations.
 */
import type { AuditTrail } from '../core/audit-trail.js';
import type { Catalog } from '../core/catalog.js';
import { ConflictError, IntegrityError, NotFoundError } from '../core/errors.js';
import { EVENT_VERSION, type EventDetail, type EventType } from '../core/events.js';
import { dependencyLevels, type Plan } from '../core/plan.js';
import { scopeComponents } from '../core/restore-scope.js';
import type { Clock } from '../core/ports.js';
import type { RollbackLock } from '../core/rollback-lock.js';
import type { ComponentProgress, RollbackJournal, RollbackRecord } from '../core/rollback-journal.js';
import type { RollbackLog } from '../core/rollback-log.js';
import { assertModeAllows, type SystemMode, type SystemModeStore } from '../core/system-mode.js';
import type { BackupManager, RestoreContinuation } from './backup-manager.js';
import type { HealthMonitor, HealthReport } from './health-monitor.js';
import { statusDocumentOf, type StatusDocumentWriter } from './status-document.js';
import { noticeSubject, type Notifier } from '../core/notifications.js';

/** What the state machine sends after a step: an EventBridge event and an SNS notification. */
export interface Announcement {
  readonly detailType: EventType;
  readonly detail: EventDetail;
  readonly subject: string;
  readonly message: string;
}

export interface RestoreTarget {
  readonly component: string;
  readonly snapshotId: string;
}

export interface Selection {
  readonly recoveryPointId: string | null;
  /** Component names in restore order. */
  readonly components: string[];
  /** Dependency levels: each level's components restore in parallel, the levels in order. */
  readonly levels: { readonly level: number; readonly targets: RestoreTarget[] }[];
  readonly announce: Announcement;
}

/** Input and output of a RestoreComponent run; the state machine loops it until `done`. */
export interface RestoreRunState {
  readonly rollbackId: string;
  readonly component: string;
  readonly snapshotId: string;
  /** `rollback`: restoring the chosen point; `recovery`: returning to the safety snapshot. */
  readonly purpose: 'rollback' | 'recovery';
  readonly done?: boolean;
  readonly continuation?: RestoreContinuation | null;
}

export interface OutcomeInput {
  readonly rollbackId: string;
  readonly failure?: { readonly Error?: string; readonly Cause?: string };
  readonly recovered?: unknown;
  readonly recoveryFailure?: { readonly Error?: string; readonly Cause?: string };
  readonly safeMode?: unknown;
  /** Failures of the steps that never stop a rollback: recorded as warnings. */
  readonly preHealthFailure?: { readonly Error?: string; readonly Cause?: string };
  readonly postHealthFailure?: { readonly Error?: string; readonly Cause?: string };
  readonly integrityFailure?: { readonly Error?: string; readonly Cause?: string };
  readonly notificationFailure?: { readonly Error?: string; readonly Cause?: string };
  readonly modeFailure?: { readonly Error?: string; readonly Cause?: string };
  readonly safeModeFailure?: { readonly Error?: string; readonly Cause?: string };
}

export interface Outcome {
  readonly succeeded: boolean;
  readonly phase: RollbackRecord['phase'];
  readonly message: string;
  readonly announce: Announcement;
}

export interface RollbackStepsDeps {
  readonly plan: Plan;
  readonly backups: BackupManager;
  readonly catalog: Catalog;
  readonly lock: RollbackLock;
  readonly journal: RollbackJournal;
  readonly modes: SystemModeStore;
  /** The health watch (a transition the rollback causes is announced like any other). */
  readonly health: Pick<HealthMonitor, 'check'>;
  readonly log: RollbackLog;
  readonly clock: Clock;
  /** Where the end of every rollback is recorded, beside its start. */
  readonly audit?: AuditTrail;
  /** The status document other WING systems poll, rewritten at every step. */
  readonly status?: StatusDocumentWriter;
  /** Service notices to WING's users when the services stop and restart. */
  readonly notifier?: Notifier;
  /** How long a step may hold the lock without renewing it. */
  readonly leaseMs?: number;
  /** How long entering recovery mode waits for backups in flight to finish (drain writes). */
  readonly drainMs?: number;
}

export const ROLLBACK_LEASE_MS = 15 * 60_000;

export class RollbackSteps {
  private readonly leaseMs: number;

  constructor(private readonly deps: RollbackStepsDeps) {
    this.leaseMs = deps.leaseMs ?? ROLLBACK_LEASE_MS;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  async record(rollbackId: string): Promise<RollbackRecord> {
    const record = await this.deps.journal.get(rollbackId);
    if (!record) throw new NotFoundError(`no rollback ${rollbackId}`);
    return record;
  }

  private async update(rollbackId: string, patch: (r: RollbackRecord) => Partial<RollbackRecord>): Promise<RollbackRecord> {
    const current = await this.record(rollbackId);
    const next = { ...current, ...patch(current) };
    await this.deps.journal.put(next);
    return next;
  }

  async note(rollbackId: string, step: string, message: string, fields?: Record<string, string | number | boolean | undefined>): Promise<void> {
    await this.deps.log.append(rollbackId, { at: this.now(), step, message, ...(fields ? { fields } : {}) });
  }

  /**
   * Runs one step (one Task of the state machine) and then rewrites the status document once,
   * whether the step succeeded or failed: the document follows the steps, not every log line
   * (each rewrite reads the record, the progress and the mode).
   */
  private async publishingStatus<T>(rollbackId: string, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } finally {
      await this.publishStatus(rollbackId);
    }
  }

  /**
   * Tells WING's users (their service-notice topic) that the platform goes read-only, comes back,
   * or stays in safe mode. Best effort: a notice never fails a rollback.
   */
  private async noticeToUsers(rollbackId: string, from: SystemMode, to: SystemMode): Promise<void> {
    const text: Partial<Record<SystemMode, [string, string]>> = {
      recovery: ['WING maintenance: read-only for a while', 'WING is being restored to an earlier state. It is read-only until the restore ends; changes you make now may be refused. A notice follows when it is available again.'],
      normal: ['WING is available again', 'The restore has ended and WING is available again. Work done after the restored point may have to be redone.'],
      safe: ['WING is in safe mode', 'WING is read-only except for administrators while they fix a problem. A notice follows when it is available again.'],
    };
    const notice = text[to];
    if (!notice || !this.deps.notifier) return;
    await this.deps.notifier
      .notify({ topic: 'users', subject: noticeSubject(notice[0]), message: `${notice[1]} (${from} -> ${to}, rollback ${rollbackId})` })
      .catch((err: unknown) => this.note(rollbackId, 'Notice', `warning: the users' notice was not sent: ${err instanceof Error ? err.message : String(err)}`));
  }

  /**
   * Rewrites the status document. Best effort: a status page that lags must never fail a
   * rollback (the journal and the events are the record).
   */
  private async publishStatus(rollbackId: string): Promise<void> {
    const status = this.deps.status;
    if (!status) return;
    try {
      const [record, progress, mode] = await Promise.all([this.record(rollbackId), this.deps.journal.listProgress(rollbackId), this.deps.modes.get()]);
      await status.write(statusDocumentOf(record, progress, mode, this.now(), dependencyLevels(this.deps.plan.components).flat().map((c) => c.name)));
    } catch {
      // Deliberately ignored: see above.
    }
  }

  private async warn(rollbackId: string, step: string, warning: string): Promise<void> {
    await this.update(rollbackId, (r) => ({ warnings: [...r.warnings, `${step}: ${warning}`] }));
    await this.note(rollbackId, step, `warning: ${warning}`);
  }

  private announcement(type: EventType, record: RollbackRecord, status: string, subject: string, message: string, extra: Partial<EventDetail> = {}): Announcement {
    return {
      detailType: type,
      detail: {
        version: EVENT_VERSION,
        time: this.now().toISOString(),
        rollbackId: record.rollbackId,
        ...(record.recoveryPointId ? { recoveryPointId: record.recoveryPointId } : {}),
        status,
        ...extra,
      },
      subject: `[WING rollback] ${subject}`.slice(0, 99),
      message,
    };
  }

  /** Every step but the first renews the lease; losing the lock stops the rollback. */
  private async renew(rollbackId: string, step: string, forward = true): Promise<void> {
    await this.deps.lock.renew(rollbackId, this.leaseMs);
    await this.deps.journal.setStep(rollbackId, step, forward);
  }

  async acquireLock(input: { rollbackId: string }): Promise<{ acquiredAt: string }> {
    return this.publishingStatus(input.rollbackId, async () => {
      const record = await this.record(input.rollbackId);
      assertModeAllows(await this.deps.modes.get(), record.kind === 'undo' ? 'undo' : 'rollback');
      const holder = await this.deps.lock.acquire(input.rollbackId, record.kind, this.leaseMs);
      await this.update(input.rollbackId, () => ({ phase: 'InProgress', step: 'AcquireLock', forwardStep: 'AcquireLock', startedAt: holder.acquiredAt }));
      await this.note(input.rollbackId, 'AcquireLock', 'rollback lock acquired', {
        kind: record.kind,
        command: record.command,
        initiator: record.initiator,
        reason: record.reason,
        mode: record.mode,
        leaseUntil: holder.leaseUntil,
      });
      return { acquiredAt: holder.acquiredAt };
    });
  }

  async selectPoint(input: { rollbackId: string }): Promise<Selection> {
    return this.publishingStatus(input.rollbackId, async () => {
      await this.renew(input.rollbackId, 'SelectRecoveryPoint');
      const record = await this.record(input.rollbackId);
      // A targeted restore keeps its components' levels: what it restores still goes in dependency order.
      const inScope = new Set(scopeComponents(this.deps.plan, record.scope));
      const levels = dependencyLevels(this.deps.plan.components)
        .map((level) => level.filter((c) => inScope.has(c.name)))
        .filter((level) => level.length > 0);
      const order = levels.flat().map((c) => c.name);
      let recoveryPointId: string | null = null;
      const snapshotOf = new Map<string, string>();
      if ('undoOf' in record.selection) {
        const safety = await this.deps.backups.safetySnapshotsOf(record.selection.undoOf);
        for (const s of safety) snapshotOf.set(s.component, s.snapshotId);
        const missing = order.filter((c) => !snapshotOf.has(c));
        if (missing.length > 0) throw new NotFoundError(`rollback ${record.selection.undoOf} has no safety snapshot of ${missing.join(', ')}: it cannot be undone`);
      } else {
        const point = await this.deps.backups.choosePoint(record.selection);
        recoveryPointId = point.recoveryPointId;
        for (const s of point.snapshots) snapshotOf.set(s.component, s.snapshotId);
        const missing = order.filter((c) => !snapshotOf.has(c));
        if (missing.length > 0) throw new NotFoundError(`recovery point ${recoveryPointId} has no snapshot of ${missing.join(', ')}`);
      }
      const updated = await this.update(input.rollbackId, () => ({ recoveryPointId }));
      for (const component of order) {
        await this.deps.journal.putProgress(input.rollbackId, emptyProgress(component, snapshotOf.get(component) ?? ''));
      }
      const source = recoveryPointId ? `recovery point ${recoveryPointId}` : `the safety snapshots of ${'undoOf' in record.selection ? record.selection.undoOf : ''}`;
      const what = record.scope?.items ? `${record.scope.items.description} from ${source}` : source;
      await this.note(input.rollbackId, 'SelectRecoveryPoint', `restoring ${what}`, { recoveryPoint: recoveryPointId ?? undefined, order: order.join(',') });
      return {
        recoveryPointId,
        components: order,
        levels: levels.map((lvl, i) => ({ level: i, targets: lvl.map((c) => ({ component: c.name, snapshotId: snapshotOf.get(c.name) ?? '' })) })),
        announce: this.announcement(
          'RollbackStarted',
          updated,
          'InProgress',
          `${record.kind === 'undo' ? 'undo' : 'rollback'} ${record.rollbackId} started`,
          `${record.initiator} started ${record.command} (${record.reason}): restoring ${what}, components ${order.join(', ')}, mode ${record.mode}.`,
        ),
      };
    });
  }

  /** Never blocks the rollback (a broken platform is when one rolls back): it is recorded. */
  async healthCheck(input: { rollbackId: string; phase: 'pre' | 'post' }): Promise<{ status: HealthReport['status']; at: string }> {
    return this.publishingStatus(input.rollbackId, async () => {
      const step = input.phase === 'pre' ? 'PreRollbackHealthCheck' : 'PostRollbackHealthCheck';
      await this.renew(input.rollbackId, step);
      const report = await this.deps.health.check();
      for (const c of report.components) {
        const failing = c.checks.filter((k) => !k.ok);
        await this.note(input.rollbackId, step, failing.map((k) => `${k.name}: ${k.detail}`).join('; '), { component: c.component, status: c.status });
      }
      await this.note(input.rollbackId, step, `platform ${report.status}`, { status: report.status });
      if (report.status !== 'healthy' && input.phase === 'post') await this.warn(input.rollbackId, step, `platform ${report.status} after the rollback`);
      return { status: report.status, at: report.checkedAt };
    });
  }

  /**
   * Stops or restarts the WING services by changing the system mode (they honour it); entering
   * recovery mode waits for backups in flight (drain writes). Leaving it only undoes our own
   * recovery mode: a safe mode set meanwhile stays.
   */
  async setSystemMode(input: { rollbackId: string; mode: SystemMode; after?: 'restored' | 'unchanged' }): Promise<{ mode: SystemMode; announce: Announcement }> {
    return this.publishingStatus(input.rollbackId, async () => {
      const step = input.mode === 'recovery' ? 'EnterRecoveryMode' : input.mode === 'safe' ? 'EnterSafeMode' : 'LeaveRecoveryMode';
      // Safe mode must be reachable even when the lock is gone: it is the last resort.
      if (input.mode === 'safe') await this.deps.lock.renew(input.rollbackId, this.leaseMs).catch(() => undefined);
      else await this.renew(input.rollbackId, step, input.mode === 'recovery' || input.after === 'restored');
      const record = await this.record(input.rollbackId);
      const before = await this.deps.modes.get();
      const now = this.now().toISOString();
      let after = before;
      if (input.mode === 'recovery') {
        // An undo may start while a finished rollback's recovery mode is still set (undo is allowed in it).
        if (before.mode === 'recovery' && before.rollbackId === input.rollbackId) {
          // A retry of this Task after the write succeeded: already done.
          after = before;
        } else {
          const from: SystemMode[] = record.kind === 'undo' ? ['normal', 'safe', 'recovery'] : ['normal', 'safe'];
          const previous = before.mode === 'recovery' ? (before.previous ?? 'normal') : before.mode;
          const previousState = before.mode === 'recovery' ? before.previousState : { mode: before.mode, changedAt: before.changedAt, rollbackId: before.rollbackId, reason: before.reason };
          after = await this.deps.modes.set(
            { mode: 'recovery', changedAt: now, rollbackId: input.rollbackId, reason: `${record.command}: ${record.reason}`, previous, ...(previousState ? { previousState } : {}) },
            from,
          );
        }
        await this.drainBackups();
      } else if (input.mode === 'safe') {
        after = await this.deps.modes.set({ mode: 'safe', changedAt: now, rollbackId: input.rollbackId, reason: `rollback ${input.rollbackId} could not return to its pre-rollback state` });
      } else if (before.mode === 'recovery' && before.rollbackId === input.rollbackId) {
        // A rollback that changed nothing (or was undone by its recovery) leaves the mode it found:
        // a safe mode set before it stays; one that restored its point ends in normal mode.
        // A safe mode an administrator set (no rollback caused it) stays until they lift it; one a
        // failed rollback caused ends with a rollback that restored its point.
        const manualSafe = before.previousState?.mode === 'safe' && before.previousState.rollbackId === null;
        const keepSafe = before.previous === 'safe' && (input.after === 'unchanged' || manualSafe);
        after = await this.deps.modes.set(
          keepSafe && before.previousState
            ? { ...before.previousState }
            : { mode: keepSafe ? 'safe' : 'normal', changedAt: now, rollbackId: null, reason: `rollback ${input.rollbackId} ended` },
          ['recovery'],
        );
      } else {
        await this.note(input.rollbackId, step, `the system is in ${before.mode} mode, not this rollback's recovery mode: left as it is`);
      }
      await this.note(input.rollbackId, step, input.mode === 'recovery' ? 'services stopped' : input.mode === 'safe' ? 'system in safe mode' : 'services restarted', {
        from: before.mode,
        to: after.mode,
      });
      if (after.mode !== before.mode) await this.noticeToUsers(input.rollbackId, before.mode, after.mode);
      if (after.mode !== before.mode) {
        // A mode change is security-relevant (it decides who may change what). Best effort, like
        // the outcome's record: a retried Task must not fail on the audit trail after the change.
        await this.deps.audit
          ?.append({ actor: 'system', action: 'system.mode', outcome: 'succeeded', detail: `${before.mode} -> ${after.mode} by ${record.kind} ${input.rollbackId} (${step})`, source: 'state-machine' })
          .catch((err: unknown) => this.note(input.rollbackId, step, `warning: the audit trail did not take the mode change: ${err instanceof Error ? err.message : String(err)}`));
      }
      return {
        mode: after.mode,
        announce: this.announcement(
          'SystemModeChanged',
          record,
          after.mode,
          `system mode ${after.mode}`,
          `The WING system mode changed from ${before.mode} to ${after.mode} (rollback ${input.rollbackId}).`,
          { from: before.mode, to: after.mode, step },
        ),
      };
    });
  }

  private async drainBackups(): Promise<void> {
    const until = Date.now() + (this.deps.drainMs ?? 60_000);
    for (;;) {
      const running = await this.deps.backups.runningBackups();
      if (running.length === 0) return;
      if (Date.now() > until) {
        // A backup still writing would record a mix of before and after: stop while nothing has changed.
        throw new ConflictError(`backups still running after the drain period: ${running.map((r) => r.runId).join(', ')}; try again when they finish`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** The live state of one component before anything is restored: what undo and recovery return to. */
  async safetySnapshot(input: { rollbackId: string; component: string }): Promise<RestoreTarget & { items: number }> {
    return this.publishingStatus(input.rollbackId, async () => {
      await this.deps.lock.renew(input.rollbackId, this.leaseMs);
      await this.deps.journal.setStep(input.rollbackId, 'TakeSafetySnapshot', true);
      const started = Date.now();
      const meta = await this.deps.backups.createComponentSnapshot(input.component, {
        purpose: 'safety',
        labels: { rollbackId: input.rollbackId },
        lockOwner: input.rollbackId,
      });
      await this.note(input.rollbackId, 'TakeSafetySnapshot', 'safety snapshot taken', {
        component: input.component,
        snapshot: meta.snapshotId,
        items: meta.itemCount,
        ms: Date.now() - started,
      });
      return { component: input.component, snapshotId: meta.snapshotId, items: meta.itemCount };
    });
  }

  /** One run of a component restore, until `deadline`; the state machine loops while not `done`. */
  async restoreComponent(input: RestoreRunState, deadline?: number): Promise<RestoreRunState> {
    return this.publishingStatus(input.rollbackId, async () => {
      await this.deps.lock.renew(input.rollbackId, this.leaseMs);
      const record = await this.record(input.rollbackId);
      const step = input.purpose === 'recovery' ? 'RecoverComponent' : 'RestoreComponent';
      await this.deps.journal.setStep(input.rollbackId, step, input.purpose === 'rollback');
      const progress = await this.progress(input.rollbackId, input.component, input.snapshotId);
      await this.deps.journal.putProgress(input.rollbackId, { ...progress, phase: input.purpose === 'recovery' ? progress.phase : 'restoring' });
      const run = await this.deps.backups.restoreComponentRun(input.component, input.snapshotId, {
        mode: input.purpose === 'recovery' ? 'differential' : record.mode,
        restoreId: `${input.rollbackId}#${input.purpose}`,
        // Recovery gives back exactly the safety snapshot; a rollback and an undo reconcile auth.
        reconcile: input.purpose !== 'recovery',
        ...(input.purpose === 'rollback' && record.scope?.items ? { items: record.scope.items } : {}),
        ...(deadline !== undefined ? { deadline } : {}),
        ...(input.continuation ? { resume: input.continuation } : {}),
      });
      const c = run.continuation;
      if (input.purpose === 'rollback') {
        await this.deps.journal.putProgress(input.rollbackId, {
          ...progress,
          phase: run.done ? 'verifying' : 'restoring',
          written: c.written,
          deleted: c.deleted,
          unchanged: c.unchanged,
          restoreMs: c.restoreMs,
          runs: c.runs,
        });
      }
      await this.note(input.rollbackId, step, run.done ? 'restored' : 'continuing in another run', {
        component: input.component,
        snapshot: input.snapshotId,
        written: c.written,
        deleted: c.deleted,
        unchanged: c.unchanged,
        ms: c.restoreMs,
        run: c.runs,
      });
      return { ...input, done: run.done, continuation: c };
    });
  }

  /** Compares the live component with the expected state; a mismatch is an IntegrityError (it stops the rollback). */
  async verifyComponent(input: RestoreRunState): Promise<{ component: string; verified: true; announce: Announcement }> {
    return this.publishingStatus(input.rollbackId, async () => {
      await this.deps.lock.renew(input.rollbackId, this.leaseMs);
      const step = input.purpose === 'recovery' ? 'VerifyRecoveredComponent' : 'VerifyComponent';
      await this.deps.journal.setStep(input.rollbackId, step, input.purpose === 'rollback');
      const started = Date.now();
      const results = await this.deps.backups.verifyComponent(input.component, input.snapshotId, input.continuation?.expectedDigests ?? []);
      const bad = results.filter((r) => !r.ok);
      const verifyMs = Date.now() - started;
      const progress = await this.progress(input.rollbackId, input.component, input.snapshotId);
      if (bad.length > 0) {
        if (input.purpose === 'rollback') await this.deps.journal.putProgress(input.rollbackId, { ...progress, phase: 'failed', verifyMs });
        await this.note(input.rollbackId, step, 'verification failed', { component: input.component, sources: bad.map((b) => b.source).join(',') });
        throw new IntegrityError(
          `${input.component} does not match the expected state after the restore (${bad.map((b) => `${b.source}: ${String(b.items)} live items, digest ${b.liveDigest.slice(0, 12)} expected ${b.expectedDigest.slice(0, 12)}`).join('; ')})`,
        );
      }
      const items = results.reduce((n, r) => n + r.items, 0);
      await this.deps.journal.putProgress(input.rollbackId, { ...progress, phase: input.purpose === 'recovery' ? 'recovered' : 'restored', verifyMs });
      await this.note(input.rollbackId, step, 'verified', { component: input.component, items, ms: verifyMs });
      const record = await this.record(input.rollbackId);
      const counts = { written: input.continuation?.written ?? 0, deleted: input.continuation?.deleted ?? 0, items };
      return {
        component: input.component,
        verified: true,
        announce: this.announcement(
          'ComponentRestored',
          record,
          input.purpose === 'recovery' ? 'Recovered' : 'Restored',
          `${input.component} ${input.purpose === 'recovery' ? 'returned to its pre-rollback state' : 'restored'}`,
          `${input.component}: ${String(counts.written)} written, ${String(counts.deleted)} deleted, ${String(items)} items verified (rollback ${input.rollbackId}).`,
          { component: input.component, step, counts },
        ),
      };
    });
  }

  private async progress(rollbackId: string, component: string, snapshotId: string): Promise<ComponentProgress> {
    const all = await this.deps.journal.listProgress(rollbackId);
    return all.find((p) => p.component === component) ?? emptyProgress(component, snapshotId);
  }

  /** The cross-component validators on the live data after the restore: recorded, notified, never blocking. */
  async integrityCheck(input: { rollbackId: string }): Promise<{ ok: boolean; problems: string[] }> {
    return this.publishingStatus(input.rollbackId, async () => {
      await this.renew(input.rollbackId, 'CrossComponentCheck');
      const report = await this.deps.health.check();
      const problems = report.components.flatMap((c) => c.checks.filter((k) => !k.ok).map((k) => `${c.component} ${k.name}: ${k.detail}`));
      await this.note(input.rollbackId, 'CrossComponentCheck', problems.length === 0 ? 'every component check passed' : problems.join('; '), { ok: problems.length === 0 });
      if (problems.length > 0) await this.warn(input.rollbackId, 'CrossComponentCheck', `${String(problems.length)} check(s) failed`);
      return { ok: problems.length === 0, problems };
    });
  }

  /**
   * Records the result and says what to announce. Runs on every path; the state machine then
   * releases the lock (a conditional delete: only if this rollback holds it).
   */
  async recordOutcome(input: OutcomeInput): Promise<Outcome> {
    return this.publishingStatus(input.rollbackId, async () => {
      const nonBlocking = {
        PreRollbackHealthCheck: input.preHealthFailure,
        PostRollbackHealthCheck: input.postHealthFailure,
        CrossComponentCheck: input.integrityFailure,
        Notification: input.notificationFailure,
        LeaveRecoveryMode: input.modeFailure,
        EnterSafeMode: input.safeModeFailure,
      };
      for (const [step, f] of Object.entries(nonBlocking)) {
        if (f) await this.warn(input.rollbackId, step, `${f.Error ?? 'Error'}: ${causeOf(f)}`);
      }
      const record = await this.record(input.rollbackId);
      const now = this.now().toISOString();
      const progress = await this.deps.journal.listProgress(input.rollbackId);
      const written = progress.reduce((n, p) => n + p.written, 0);
      const deleted = progress.reduce((n, p) => n + p.deleted, 0);
      const noun = record.kind === 'undo' ? 'undo' : 'rollback';
      const modeState = await this.deps.modes.get();
      const mode = modeState.mode;
      let phase: RollbackRecord['phase'];
      let message: string;
      let error: RollbackRecord['error'] = null;
      if (!input.failure) {
        phase = 'Completed';
        const target = record.recoveryPointId ? `recovery point ${record.recoveryPointId}` : 'the state before the rollback';
        // The phase says completed or failed; the message says what happened to the data (and does
        // not repeat the phase: the portal and the CLI put it beside a "Rollback completed" heading).
        message = `restored ${target} (${String(written)} written, ${String(deleted)} deleted)`;
      } else {
        phase = 'Failed';
        error = failureOf(input.failure);
        const cause = `stopped at ${record.forwardStep ?? record.step}: ${error.message}`;
        if (input.recovered !== undefined && input.modeFailure) {
          message = `${cause}; the data was returned to its pre-rollback state, but the services could not be restarted (${causeOf(input.modeFailure)})`;
        } else if (input.recovered !== undefined) {
          message = `${cause}; the platform was returned to its pre-rollback state`;
        } else if (input.recoveryFailure) {
          message = `${cause}; returning to the pre-rollback state failed too (${causeOf(input.recoveryFailure)}): the data is partly restored, the safety snapshots are intact`;
        } else if (input.modeFailure) {
          message = `${cause}; no data was changed, but the services could not be restarted (${causeOf(input.modeFailure)})`;
        } else {
          message = `${cause}; no data was changed`;
        }
      }
      if (record.warnings.length > 0) message += `; warnings: ${record.warnings.join('; ')}`;
      message += `; system mode ${mode}`;
      const ours = modeState.rollbackId === input.rollbackId;
      if (mode === 'safe') message += ' (fix the cause, then roll back again or undo: both are allowed in safe mode)';
      else if (mode === 'recovery' && ours) message += ' (run "npx wing rollback:cleanup")';
      else if (mode === 'recovery') message += ` (held by rollback ${modeState.rollbackId ?? 'unknown'})`;
      const finished = await this.update(input.rollbackId, () => ({ phase, finishedAt: now, message, error, step: 'RecordOutcome' }));
      if (phase === 'Completed' && 'undoOf' in record.selection) {
        const undoOf = record.selection.undoOf;
        await this.update(undoOf, () => ({ phase: 'Undone', undoneBy: record.rollbackId, undoneAt: now }));
      }
      await this.note(input.rollbackId, 'RecordOutcome', message, { result: phase, written, deleted });
      // Best effort: the outcome is recorded in the journal already, and a failed audit write must
      // not keep the completion events and notifications from going out.
      await this.deps.audit
        ?.append({ actor: record.initiator, action: `${record.kind}.finished`, outcome: phase === 'Completed' ? 'succeeded' : 'failed', detail: `${record.rollbackId} ${phase}: ${message}`, source: 'state-machine' })
        .catch((err: unknown) => this.note(input.rollbackId, 'RecordOutcome', `warning: the audit trail did not take the outcome: ${err instanceof Error ? err.message : String(err)}`));
      const type: EventType = phase === 'Completed' ? (record.kind === 'undo' ? 'RollbackUndone' : 'RollbackCompleted') : 'RollbackFailed';
      return {
        succeeded: phase === 'Completed',
        phase,
        message,
        announce: this.announcement(type, finished, phase, `${noun} ${record.rollbackId} ${phase === 'Completed' ? 'completed' : 'FAILED'}`, message, {
          counts: { written, deleted, components: progress.length },
        }),
      };
    });
  }
}

/**
 * The message of a caught error. On AWS a Lambda's Cause is a JSON document with `errorMessage`
 * and the stack: only the message is for the operator.
 */
function causeOf(e: { readonly Error?: string; readonly Cause?: string }): string {
  return failureOf(e).message;
}

/**
 * The error a caught failure stands for. A Lambda's Cause on AWS is a JSON document with
 * `errorMessage` and the stack; a failed restore level carries its components' results, of which
 * the first failure is the one to report (its error name decides the exit code).
 */
function failureOf(e: { readonly Error?: string; readonly Cause?: string }): { name: string; message: string } {
  const cause = e.Cause || e.Error || 'unknown failure';
  const name = e.Error || 'Error';
  let parsed: unknown;
  try {
    parsed = JSON.parse(cause);
  } catch {
    // A plain message (local runner, direct integrations).
    return { name, message: cause };
  }
  if (Array.isArray(parsed)) {
    const first = (parsed as { failed?: boolean; component?: string; failure?: { Error?: string; Cause?: string } }[]).find((r) => r.failed === true);
    if (first) {
      const inner = failureOf(first.failure ?? {});
      return { name: inner.name, message: `${first.component ?? 'a component'}: ${inner.message}` };
    }
  }
  const message = (parsed as { errorMessage?: unknown } | null)?.errorMessage;
  return { name, message: typeof message === 'string' ? message : cause };
}

function emptyProgress(component: string, snapshotId: string): ComponentProgress {
  return { component, phase: 'pending', snapshotId, written: 0, deleted: 0, unchanged: 0, restoreMs: 0, verifyMs: 0, runs: 0 };
}

/** Error names the state machine retries: transient by nature, safe to repeat. */
export const TRANSIENT_ERRORS = ['TransientError', 'ThrottlingException', 'ProvisionedThroughputExceededException'] as const;

