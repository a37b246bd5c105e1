/**
 * The local scheduler of `npm start`: runs the plan's schedules as EventBridge Scheduler runs
 * them on AWS, through the same job runner as the scheduled-job Lambda
 * (src/rollback/scheduled-jobs.ts). Components that share a schedule expression are backed up
 * together: one schedule covering every component takes recovery points, otherwise each
 * component of a schedule gets a snapshot. Retention, the restore drill and the health watch run
 * on their own schedules (`retentionSchedule`, `drillSchedule`, `healthSchedule`).
 *
 * A run the mode forbids (recovery mode during a rollback, safe mode: schedules paused) is
 * skipped and said; a run never overlaps the previous run of its schedule. Runs that change data
 * are audited (actor `system`) by the job runner.
 */
import { Cron } from 'croner';
import type { AuditTrail } from '../core/audit-trail.js';
import type { Plan } from '../core/plan.js';
import { localSchedule } from '../core/schedule-expression.js';
import type { BackupManager } from '../rollback/backup-manager.js';
import type { HealthWatch } from '../rollback/health-watch.js';
import type { RestoreDrill } from '../rollback/restore-drill.js';
import { runScheduledJob, type ScheduledJobRequest } from '../rollback/scheduled-jobs.js';

export interface SchedulerDeps {
  readonly plan: Plan;
  readonly backups: Pick<BackupManager, 'createRecoveryPoint' | 'createComponentSnapshot' | 'applyRetention'>;
  /** Restore drills on the plan's `drillSchedule` (none without). */
  readonly drills?: Pick<RestoreDrill, 'run'>;
  /** Health checks on the plan's `healthSchedule` (none without). */
  readonly healthWatch?: Pick<HealthWatch, 'check'>;
  readonly audit?: AuditTrail;
  /** One line per run: done, skipped, failed (a health check only when something changed). */
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
  const jobs: { expression: string; components: readonly string[]; job?: string; once: () => Promise<void> }[] = [...byExpression].map(([expression, components]) => ({
    expression,
    components,
    once: () => runJob(deps, { job: 'backup', components }),
  }));
  jobs.push({ expression: deps.plan.retentionSchedule, components: [], job: 'retention', once: () => runJob(deps, { job: 'retention' }) });
  if (deps.drills) jobs.push({ expression: deps.plan.drillSchedule, components: [], job: 'restore drill', once: () => runJob(deps, { job: 'drill' }) });
  if (deps.healthWatch) jobs.push({ expression: deps.plan.healthSchedule, components: [], job: 'health check', once: () => runJob(deps, { job: 'health' }) });
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
      // sloppyRanges: EventBridge writes steps with a numeric start (`0/30`), which croner accepts only so.
      const job = new Cron(schedule.pattern, { timezone: 'UTC', protect: true, sloppyRanges: true }, fire);
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

const WHAT: Readonly<Record<ScheduledJobRequest['job'], string>> = {
  backup: 'scheduled backup',
  retention: 'scheduled retention',
  drill: 'scheduled restore drill',
  health: 'scheduled health check',
};

/** Runs one job and says how it went; a health check that changed nothing says nothing. */
async function runJob(deps: SchedulerDeps, request: ScheduledJobRequest): Promise<void> {
  const r = await runScheduledJob(request, { plan: deps.plan, backups: deps.backups, ...(deps.drills ? { drills: deps.drills } : {}), ...(deps.healthWatch ? { healthWatch: deps.healthWatch } : {}), ...(deps.audit ? { audit: deps.audit } : {}) });
  const some = request.job === 'backup' && request.components !== undefined && request.components.length < deps.plan.components.length ? request.components : undefined;
  const what = some ? `${WHAT.backup} of ${some.join(', ')}` : WHAT[request.job];
  if (request.job === 'health' && r.outcome === 'succeeded' && (r.metrics.HealthTransitions ?? 0) === 0) return;
  // A drill that found damage or a point that is not Completed is a result its detail says; "failed" is a job that could not run.
  deps.report(r.outcome === 'skipped' ? `${what} skipped: ${r.detail}` : r.metrics.JobFailed ? `${what} failed: ${r.detail}` : `${what}: ${r.detail}`);
}
