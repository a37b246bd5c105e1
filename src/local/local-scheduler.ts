/**
 * The local scheduler of `npm start`: runs the plan's backup schedules as EventBridge Scheduler
 * runs them on AWS. Components that share a schedule expression are backed up together; when
 * one schedule covers every component, each run takes a recovery point (then applies
 * retention), otherwise a snapshot of each component of that schedule.
 *
 * A run the mode forbids (recovery mode during a rollback, safe mode: schedules paused) is
 * skipped and noted; a run never overlaps the previous run of its schedule. Retention runs at
 * most once a day: it holds the rollback lock while it prunes, and an administrator who needs to
 * roll back should not find it held every hour. Every run is audited (actor `system`).
 */
import { Cron } from 'croner';
import type { AuditEntry, AuditTrail } from '../core/audit-trail.js';
import { ConflictError } from '../core/errors.js';
import type { Plan } from '../core/plan.js';
import { localSchedule } from '../core/schedule-expression.js';
import type { BackupManager } from '../rollback/backup-manager.js';
import type { HealthWatch } from '../rollback/health-watch.js';
import type { RestoreDrill } from '../rollback/restore-drill.js';
import { runScheduledJob, type ScheduledJobRun } from '../rollback/scheduled-jobs.js';

export interface SchedulerDeps {
  readonly plan: Plan;
  readonly backups: BackupManager;
  /** Restore drills on the plan's `drillSchedule` (none without). */
  readonly drills?: RestoreDrill;
  /** Health checks on the plan's `healthSchedule` (none without). */
  readonly healthWatch?: Pick<HealthWatch, 'check'>;
  readonly audit?: AuditTrail;
  /** Time source of the once-a-day retention (tests move it). */
  readonly now?: () => number;
  /** One line per run: started, done, skipped, failed. */
  readonly report: (line: string) => void;
}

export interface LocalScheduler {
  /** The schedules, for the start-up message: backups of components, and other jobs by name. */
  readonly schedules: readonly { expression: string; components: readonly string[]; job?: string }[];
  stop(): void;
}

export function startLocalScheduler(deps: SchedulerDeps): LocalScheduler {
  const byExpression = new Map<string, string[]>();
  for (const c of deps.plan.components) byExpression.set(c.schedule, [...(byExpression.get(c.schedule) ?? []), c.name]);
  const stops: (() => void)[] = [];
  const retention = { lastAt: Number.NEGATIVE_INFINITY };
  const jobs: { expression: string; components: readonly string[]; job?: string; once: () => Promise<void> }[] = [...byExpression].map(([expression, components]) => ({
    expression,
    components,
    once: () => runOnce(deps, components, retention),
  }));
  const drills = deps.drills;
  const watch = deps.healthWatch;
  if (drills) jobs.push({ expression: deps.plan.drillSchedule, components: [], job: 'restore drill', once: () => runJob(deps, { job: 'drill', drills }) });
  if (watch) jobs.push({ expression: deps.plan.healthSchedule, components: [], job: 'health check', once: () => runJob(deps, { job: 'health', healthWatch: watch }) });
  const schedules = jobs.map(({ expression, components, job }) => ({ expression, components, ...(job !== undefined ? { job } : {}) }));
  for (const { expression, once } of jobs) {
    let running = false;
    const run = async (): Promise<void> => {
      if (running) {
        deps.report(`schedule ${expression}: the previous run is still going; this one is skipped`);
        return;
      }
      running = true;
      try {
        await once();
      } finally {
        running = false;
      }
    };
    const fire = (): void => {
      run().catch((err: unknown) => {
        deps.report(`schedule ${expression}: failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    };
    const schedule = localSchedule(expression);
    if (schedule.kind === 'rate') {
      const timer = setInterval(fire, schedule.everyMs);
      timer.unref();
      stops.push(() => {
        clearInterval(timer);
      });
    } else {
      const job = new Cron(schedule.pattern, { timezone: 'UTC', protect: true }, fire);
      stops.push(() => {
        job.stop();
      });
    }
  }
  return {
    schedules,
    stop: () => {
      for (const stop of stops) stop();
    },
  };
}

const RETENTION_EVERY_MS = 24 * 3_600_000;

/** Records a scheduled run in the audit trail (actor `system`); a failure to record is reported, not thrown. */
function auditRun(deps: SchedulerDeps, entry: Omit<AuditEntry, 'actor' | 'source'>): Promise<void> {
  return (deps.audit?.append({ actor: 'system', source: 'scheduler', ...entry }) ?? Promise.resolve()).then(
    () => undefined,
    (err: unknown) => {
      deps.report(`the audit trail did not take a scheduled run: ${err instanceof Error ? err.message : String(err)}`);
    },
  );
}

/**
 * A scheduled restore drill or health check (src/rollback/scheduled-jobs.ts, as the Lambda runs
 * them on AWS). A drill is audited; a health check is not (it changes nothing, and every 15
 * minutes would drown the trail) and is reported only when something changed.
 */
async function runJob(deps: SchedulerDeps, run: ScheduledJobRun): Promise<void> {
  const job = run.job;
  const r = await runScheduledJob(run);
  const what = job === 'drill' ? 'scheduled restore drill' : 'scheduled health check';
  const said = r.outcome === 'skipped' ? `${what} skipped: ${r.detail}` : r.metrics.JobFailed ? `${what} failed: ${r.detail}` : `${what}: ${r.detail}`;
  if (job === 'drill') {
    deps.report(said);
    await auditRun(deps, { action: 'drill.scheduled', outcome: r.outcome === 'skipped' ? 'refused' : r.outcome, detail: r.detail });
  } else if (r.outcome !== 'succeeded' || (r.metrics.HealthTransitions ?? 0) > 0) {
    deps.report(said);
  }
}

async function runOnce(deps: SchedulerDeps, components: readonly string[], retention: { lastAt: number }): Promise<void> {
  const now = deps.now ?? Date.now;
  const audit = (entry: Omit<AuditEntry, 'actor' | 'source'>): Promise<void> => auditRun(deps, entry);
  /** A refusal of the mode is a skip, said and audited; anything else is a failure. */
  const step = async (what: string, action: string, run: () => Promise<string>): Promise<boolean> => {
    try {
      const detail = await run();
      deps.report(`${what}: ${detail}`);
      await audit({ action, outcome: 'succeeded', detail });
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      deps.report(err instanceof ConflictError ? `${what} skipped: ${message}` : `${what} failed: ${message}`);
      await audit({ action, outcome: err instanceof ConflictError ? 'refused' : 'failed', detail: message });
      return false;
    }
  };
  if (components.length === deps.plan.components.length) {
    deps.report('scheduled backup: taking a recovery point');
    const taken = await step('scheduled backup', 'backup.scheduled', async () => {
      const point = await deps.backups.createRecoveryPoint({ scheduled: true });
      return `${point.recoveryPointId} ${point.status}`;
    });
    if (taken && now() - retention.lastAt >= RETENTION_EVERY_MS) {
      retention.lastAt = now();
      await step('scheduled retention', 'retention.scheduled', async () => {
        const report = await deps.backups.applyRetention({ dryRun: false, scheduled: true });
        return `${String(report.deletedRecoveryPoints.length)} point(s) removed`;
      });
    }
    return;
  }
  for (const component of components) {
    await step(`scheduled backup of ${component}`, 'backup.scheduled', async () => (await deps.backups.createComponentSnapshot(component, { scheduled: true })).snapshotId);
  }
}
