/**
 * Every scheduled job, as one function for both places that run them: the local scheduler of
 * `npm start` and the Lambda that EventBridge Scheduler invokes on AWS (lambdas/scheduled-job.ts).
 * The jobs are the plan's schedules: backups (a recovery point when one schedule covers every
 * component, otherwise a snapshot of each component of the schedule), retention, the health
 * watch and the restore drill. Each run says what happened and the figures to publish as
 * metrics, platform-wide and per component, which the alarms watch (backup failed or too old,
 * health degraded, drill failed).
 *
 * A run refused by the lock or the mode (a rollback running, safe mode pausing schedules) is a
 * skip, not a failure. Runs that change data (backups, retention, drills) are audited with actor
 * `system`; a health check is not (it changes nothing, and every 15 minutes would drown the
 * trail).
 */
import type { AuditEntry, AuditTrail } from '../core/audit-trail.js';
import { ConflictError, ValidationError, asError } from '../core/errors.js';
import type { HealthStatus } from '../core/health-state.js';
import type { Plan } from '../core/plan.js';
import type { BackupManager } from './backup-manager.js';
import type { HealthWatch } from './health-watch.js';
import type { RestoreDrill } from './restore-drill.js';

export const SCHEDULED_JOBS = ['backup', 'retention', 'health', 'drill'] as const;
export type ScheduledJob = (typeof SCHEDULED_JOBS)[number];

/** What one schedule asks for. A backup names its components; none or all of them take a recovery point. */
export type ScheduledJobRequest = { readonly job: 'backup'; readonly components?: readonly string[] } | { readonly job: Exclude<ScheduledJob, 'backup'> };

export type Metrics = Readonly<Record<string, number>>;

export interface JobOutcome {
  readonly job: ScheduledJob;
  readonly outcome: 'succeeded' | 'failed' | 'skipped';
  readonly detail: string;
  /** Metric name → value (counts, milliseconds, bytes, the health level), for CloudWatch. */
  readonly metrics: Metrics;
  /** The same per component (dimension `Component`), where the job has per-component figures. */
  readonly componentMetrics: Readonly<Record<string, Metrics>>;
}

/** What the jobs run with; a job whose part is missing fails saying so. */
export interface ScheduledJobDeps {
  readonly plan: Plan;
  readonly backups?: Pick<BackupManager, 'createRecoveryPoint' | 'createComponentSnapshot' | 'applyRetention'>;
  readonly healthWatch?: Pick<HealthWatch, 'check'>;
  readonly drills?: Pick<RestoreDrill, 'run'>;
  readonly audit?: Pick<AuditTrail, 'append'>;
  /** Milliseconds since an arbitrary origin, for durations (tests pin it). */
  readonly now?: () => number;
}

/** Health as a number an alarm can compare: 0 healthy, 1 degraded, 2 critical. */
export const HEALTH_LEVEL: Readonly<Record<HealthStatus, number>> = { healthy: 0, degraded: 1, critical: 2 };

/** The audit action of each job that changes data. */
const AUDITED: Readonly<Partial<Record<ScheduledJob, string>>> = { backup: 'backup.scheduled', retention: 'retention.scheduled', drill: 'drill.scheduled' };

type Result = Omit<JobOutcome, 'job'>;

function need<T>(part: T | undefined, name: string, job: ScheduledJob): T {
  if (part === undefined) throw new ValidationError(`the scheduled ${job} job needs ${name}, which this runner was not given`);
  return part;
}

export async function runScheduledJob(request: ScheduledJobRequest, deps: ScheduledJobDeps): Promise<JobOutcome> {
  const job = request.job;
  let result: Result;
  try {
    result = await runJob(request, deps);
  } catch (err) {
    const skipped = err instanceof ConflictError;
    result = { outcome: skipped ? 'skipped' : 'failed', detail: asError(err).message, metrics: skipped ? { JobSkipped: 1 } : { JobFailed: 1 }, componentMetrics: {} };
  }
  const action = AUDITED[job];
  if (action !== undefined && deps.audit) {
    const entry: AuditEntry = {
      actor: 'system',
      source: 'scheduler',
      action,
      outcome: result.outcome === 'skipped' ? 'refused' : result.outcome,
      detail: result.detail,
    };
    try {
      await deps.audit.append(entry);
    } catch (err) {
      // The run happened: say that its record is missing rather than hide the run's own outcome.
      result = { ...result, detail: `${result.detail} (not audited: ${asError(err).message})`, metrics: { ...result.metrics, AuditFailed: 1 } };
    }
  }
  return { job, ...result };
}

async function runJob(request: ScheduledJobRequest, deps: ScheduledJobDeps): Promise<Result> {
  const now = deps.now ?? (() => performance.now());
  switch (request.job) {
    case 'backup':
      return backupJob(request.components, deps, now);
    case 'retention': {
      const backups = need(deps.backups, 'the backup manager', 'retention');
      const report = await backups.applyRetention({ dryRun: false, scheduled: true });
      return {
        outcome: 'succeeded',
        detail: `${String(report.deletedRecoveryPoints.length)} point(s) removed, ${String(report.freedBytes)} bytes freed`,
        metrics: { PrunedRecoveryPoints: report.deletedRecoveryPoints.length, PrunedSnapshots: report.deletedSnapshots.length, FreedBytes: report.freedBytes },
        componentMetrics: {},
      };
    }
    case 'health': {
      const report = await need(deps.healthWatch, 'the health watch', 'health').check();
      const failing = report.components.reduce((n, c) => n + c.checks.filter((k) => !k.ok).length, 0);
      const changes = report.transitions.map((t) => `${t.component ?? 'platform'} ${t.from} -> ${t.to}`).join(', ');
      const componentMetrics: Record<string, Metrics> = {};
      for (const c of report.components) componentMetrics[c.component] = { HealthLevel: HEALTH_LEVEL[c.status], FailingChecks: c.checks.filter((k) => !k.ok).length };
      return {
        outcome: 'succeeded',
        detail: `platform ${report.status}${changes !== '' ? ` (${changes})` : ''}`,
        metrics: { HealthLevel: HEALTH_LEVEL[report.status], FailingChecks: failing, HealthTransitions: report.transitions.length },
        componentMetrics,
      };
    }
    case 'drill': {
      const drill = await need(deps.drills, 'the restore drill', 'drill').run({ scheduled: true });
      const passed = drill.record.result === 'passed';
      return {
        outcome: passed ? 'succeeded' : 'failed',
        detail: `${drill.recoveryPointId} ${drill.record.result} in ${String(drill.record.durationMs)} ms (${String(drill.record.items)} items)`,
        metrics: { DrillPassed: passed ? 1 : 0, DrillFailed: passed ? 0 : 1, DrillDurationMs: drill.record.durationMs, DrillItems: drill.record.items },
        componentMetrics: {},
      };
    }
  }
}

/**
 * A recovery point when the schedule covers every component (or names none), otherwise a
 * snapshot of each named component; one component failing does not stop the others. A point
 * that is not Completed counts as a failed backup: the alarm must not wait for the next one.
 */
async function backupJob(names: readonly string[] | undefined, deps: ScheduledJobDeps, now: () => number): Promise<Result> {
  const backups = need(deps.backups, 'the backup manager', 'backup');
  const known = deps.plan.components.map((c) => c.name);
  const unknown = (names ?? []).filter((n) => !known.includes(n));
  if (unknown.length > 0) throw new ValidationError(`unknown component(s) ${unknown.join(', ')}; the plan has ${known.join(', ')}`);
  const started = now();
  if (names === undefined || names.length === 0 || known.every((n) => names.includes(n))) {
    const point = await backups.createRecoveryPoint({ scheduled: true });
    const ok = point.status === 'Completed';
    const componentMetrics: Record<string, Metrics> = {};
    for (const s of point.snapshots) componentMetrics[s.component] = { BackupItems: s.items, BackupStoredBytes: s.bytes, BackupLogicalBytes: s.logicalBytes };
    return {
      outcome: ok ? 'succeeded' : 'failed',
      detail: `${point.recoveryPointId} ${point.status}${point.error !== null ? `: ${point.error}` : ''}`,
      metrics: { BackupSucceeded: ok ? 1 : 0, BackupFailed: ok ? 0 : 1, BackupDurationMs: Math.round(now() - started), BackupItems: point.snapshots.reduce((n, s) => n + s.items, 0) },
      componentMetrics,
    };
  }
  const componentMetrics: Record<string, Metrics> = {};
  const said: string[] = [];
  let failed = 0;
  let skipped = 0;
  for (const name of names) {
    try {
      const meta = await backups.createComponentSnapshot(name, { scheduled: true });
      componentMetrics[name] = { BackupSucceeded: 1, BackupFailed: 0, BackupItems: meta.itemCount, BackupStoredBytes: meta.storedBytes, BackupLogicalBytes: meta.logicalBytes };
      said.push(`${name} ${meta.snapshotId}`);
    } catch (err) {
      // The mode refuses every component alike: that is the whole run skipped.
      if (err instanceof ConflictError) {
        skipped += 1;
        said.push(`${name} skipped: ${err.message}`);
        continue;
      }
      failed += 1;
      componentMetrics[name] = { BackupSucceeded: 0, BackupFailed: 1 };
      said.push(`${name} failed: ${asError(err).message}`);
    }
  }
  if (skipped === names.length) throw new ConflictError(said.join('; '));
  return {
    outcome: failed > 0 ? 'failed' : 'succeeded',
    detail: said.join('; '),
    metrics: { BackupSucceeded: failed > 0 ? 0 : 1, BackupFailed: failed > 0 ? 1 : 0, BackupDurationMs: Math.round(now() - started) },
    componentMetrics,
  };
}
