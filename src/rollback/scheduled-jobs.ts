/**
 * The scheduled health check and restore drill, as one function for both places that run them:
 * the local scheduler of `npm start` and the Lambda that EventBridge Scheduler invokes on AWS
 * (lambdas/scheduled-job.ts). Each run says what happened and the figures to publish as metrics,
 * which the alarms watch (health degraded, drill failed, no drill for too long).
 *
 * A run refused by the lock or the mode (a rollback running) is a skip, not a failure.
 */
import { ConflictError, asError } from '../core/errors.js';
import type { HealthStatus } from '../core/health-state.js';
import type { HealthWatch } from './health-watch.js';
import type { RestoreDrill } from './restore-drill.js';

export type ScheduledJob = 'health' | 'drill';

export interface JobOutcome {
  readonly job: ScheduledJob;
  readonly outcome: 'succeeded' | 'failed' | 'skipped';
  readonly detail: string;
  /** Metric name → value (counts, milliseconds, the health level), for CloudWatch. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** A job and what it runs with. */
export type ScheduledJobRun = { readonly job: 'health'; readonly healthWatch: Pick<HealthWatch, 'check'> } | { readonly job: 'drill'; readonly drills: Pick<RestoreDrill, 'run'> };

/** Health as a number an alarm can compare: 0 healthy, 1 degraded, 2 critical. */
export const HEALTH_LEVEL: Readonly<Record<HealthStatus, number>> = { healthy: 0, degraded: 1, critical: 2 };

export async function runScheduledJob(run: ScheduledJobRun): Promise<JobOutcome> {
  const job = run.job;
  try {
    if (run.job === 'health') {
      const report = await run.healthWatch.check();
      const failing = report.components.reduce((n, c) => n + c.checks.filter((k) => !k.ok).length, 0);
      const changes = report.transitions.map((t) => `${t.component ?? 'platform'} ${t.from} -> ${t.to}`).join(', ');
      return {
        job,
        outcome: 'succeeded',
        detail: `platform ${report.status}${changes !== '' ? ` (${changes})` : ''}`,
        metrics: { HealthLevel: HEALTH_LEVEL[report.status], FailingChecks: failing, HealthTransitions: report.transitions.length },
      };
    }
    const drill = await run.drills.run();
    const passed = drill.record.result === 'passed';
    return {
      job,
      outcome: passed ? 'succeeded' : 'failed',
      detail: `${drill.recoveryPointId} ${drill.record.result} in ${String(drill.record.durationMs)} ms (${String(drill.record.items)} items)`,
      metrics: { DrillPassed: passed ? 1 : 0, DrillFailed: passed ? 0 : 1, DrillDurationMs: drill.record.durationMs, DrillItems: drill.record.items },
    };
  } catch (err) {
    const skipped = err instanceof ConflictError;
    return { job, outcome: skipped ? 'skipped' : 'failed', detail: asError(err).message, metrics: skipped ? { JobSkipped: 1 } : { JobFailed: 1 } };
  }
}
