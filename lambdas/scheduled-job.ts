/**
 * The Lambda that EventBridge Scheduler invokes for each schedule of the plan (the CDK stack of
 * issue 7 creates the schedules): `{ "job": "backup", "components": [...] }` per backup schedule,
 * `{ "job": "retention" }`, `{ "job": "health" }` and `{ "job": "drill" }`. It runs the job
 * (src/rollback/scheduled-jobs.ts, as the local scheduler does) and publishes its figures as
 * CloudWatch metrics in the embedded metric format, namespace `WingRollback`, dimension `Job`,
 * and per component with the dimensions `Job` and `Component`. The alarms watch them:
 * BackupFailed >= 1 or no BackupSucceeded for longer than the schedule allows, HealthLevel > 0
 * (degraded or critical), DrillFailed >= 1, JobFailed >= 1. A job that could not run also fails
 * the invocation, so the Lambda's own error metric and retries apply.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { ValidationError, WingError } from '../src/core/errors.js';
import type { RollbackServices } from '../src/rollback/rollback-services.js';
import { runScheduledJob, type JobOutcome } from '../src/rollback/scheduled-jobs.js';
import { awsRollbackServices, logger } from './aws-rollback-services.js';

export const METRICS_NAMESPACE = 'WingRollback';

const input = z.discriminatedUnion('job', [
  z.strictObject({ job: z.literal('backup'), components: z.array(z.string().min(1)).optional() }),
  z.strictObject({ job: z.enum(['retention', 'health', 'drill']) }),
]);

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** The unit of each metric the jobs report (anything else is a count). */
function unitOf(name: string): Unit {
  if (name.endsWith('Ms')) return MetricUnit.Milliseconds;
  if (name.endsWith('Bytes')) return MetricUnit.Bytes;
  return MetricUnit.Count;
}

export type ScheduledJobServices = Pick<RollbackServices, 'plan' | 'backups' | 'healthWatch' | 'drills' | 'audit'>;

export function scheduledJobHandler(services: () => Promise<ScheduledJobServices>, metrics: Metrics) {
  return async (event: unknown): Promise<JobOutcome> => {
    const parsed = input.safeParse(event);
    if (!parsed.success) {
      throw new ValidationError(`a scheduled job's input is { "job": "backup", "components"?: [...] } or { "job": "retention" | "health" | "drill" }, not ${JSON.stringify(event)}`);
    }
    const s = await services();
    const outcome = await runScheduledJob(parsed.data, { plan: s.plan, backups: s.backups, healthWatch: s.healthWatch, drills: s.drills, audit: s.audit });
    metrics.addDimension('Job', outcome.job);
    for (const [name, value] of Object.entries(outcome.metrics)) metrics.addMetric(name, unitOf(name), value);
    metrics.publishStoredMetrics();
    // Another dimension set: each figure of a component is its own EMF document (Powertools' single metric).
    for (const [component, figures] of Object.entries(outcome.componentMetrics)) {
      for (const [name, value] of Object.entries(figures)) {
        metrics.singleMetric().addDimensions({ Job: outcome.job, Component: component }).addMetric(name, unitOf(name), value);
      }
    }
    logger.info(`scheduled ${outcome.job}: ${outcome.outcome}`, { detail: outcome.detail });
    // A drill that found damage is a result (recorded, notified, alarmed on); a job that could not run is an error.
    if (outcome.metrics.JobFailed) throw new WingError(`scheduled ${outcome.job} failed: ${outcome.detail}`);
    return outcome;
  };
}

export const handler = scheduledJobHandler(awsRollbackServices, new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'wing-rollback' }));
