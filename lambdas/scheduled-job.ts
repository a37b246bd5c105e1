/**
 * The Lambda that EventBridge Scheduler invokes for the plan's `healthSchedule` and
 * `drillSchedule` (the CDK stack of issue 7 creates the schedules, with input `{ "job": "health" }`
 * or `{ "job": "drill" }`). It runs the job (src/rollback/scheduled-jobs.ts) and publishes its
 * figures as CloudWatch metrics in the embedded metric format, namespace `WingRollback`, which
 * the alarms watch: HealthLevel > 0 (degraded or critical), DrillFailed >= 1, no DrillPassed for
 * two days, JobFailed >= 1. A failed job also fails the invocation, so the Lambda's own error
 * metric and retries apply.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { ValidationError, WingError } from '../src/core/errors.js';
import type { RollbackServices } from '../src/rollback/rollback-services.js';
import { runScheduledJob, type JobOutcome } from '../src/rollback/scheduled-jobs.js';
import { awsRollbackServices, logger } from './aws-rollback-services.js';

export const METRICS_NAMESPACE = 'WingRollback';

const input = z.strictObject({ job: z.enum(['health', 'drill']) });

/** The unit of each metric the jobs report (anything else is a count). */
const units: Readonly<Record<string, (typeof MetricUnit)[keyof typeof MetricUnit]>> = { DrillDurationMs: MetricUnit.Milliseconds };

export function scheduledJobHandler(services: () => Promise<Pick<RollbackServices, 'healthWatch' | 'drills'>>, metrics: Metrics) {
  return async (event: unknown): Promise<JobOutcome> => {
    const parsed = input.safeParse(event);
    if (!parsed.success) throw new ValidationError(`a scheduled job's input is { "job": "health" | "drill" }, not ${JSON.stringify(event)}`);
    const s = await services();
    const outcome = await runScheduledJob(parsed.data.job === 'health' ? { job: 'health', healthWatch: s.healthWatch } : { job: 'drill', drills: s.drills });
    metrics.addDimension('Job', outcome.job);
    for (const [name, value] of Object.entries(outcome.metrics)) metrics.addMetric(name, units[name] ?? MetricUnit.Count, value);
    metrics.publishStoredMetrics();
    logger.info(`scheduled ${outcome.job}: ${outcome.outcome}`, { detail: outcome.detail });
    // A drill that found damage is a result (recorded, notified, alarmed on); a job that could not run is an error.
    if (outcome.metrics.JobFailed) throw new WingError(`scheduled ${outcome.job} failed: ${outcome.detail}`);
    return outcome;
  };
}

export const handler = scheduledJobHandler(awsRollbackServices, new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'wing-rollback' }));
