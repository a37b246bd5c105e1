/**
 * Alarms on the metrics the scheduled-job Lambda publishes (namespace `WingRollback`, dimension
 * `Job`, and `Job` + `Component` per component; lambdas/scheduled-job.ts), all to the
 * administrators' topic, and a dashboard of them:
 * - a backup failed (BackupFailed >= 1);
 * - no backup succeeded for longer than the schedule allows (BackupSucceeded < 1 over twice the
 *   longest gap of the schedule, missing data breaching): one alarm when one schedule covers every
 *   component (it takes recovery points), otherwise one per component;
 * - the platform is degraded or critical (HealthLevel > 0 of the health job; the alarm keeps its
 *   state between checks);
 * - a restore drill failed (DrillFailed >= 1);
 * - a job could not run (JobFailed >= 1, per job), and a function failed (its Errors);
 * - a rollback failed, timed out or was stopped (the state machine's ExecutionsFailed,
 *   ExecutionsTimedOut and ExecutionsAborted);
 * - the admin API answered 5xx, or its p99 latency neared API Gateway's 29 s limit.
 */
import { Annotations, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import type { Plan } from '../src/core/plan.js';
import { longestIntervalSeconds } from './schedule-interval.js';

/** lambdas/scheduled-job.ts's METRICS_NAMESPACE. */
export const METRICS_NAMESPACE = 'WingRollback';

/** The jobs of src/rollback/scheduled-jobs.ts (the `Job` dimension). */
export const JOBS = ['backup', 'retention', 'health', 'drill'] as const;

/** CloudWatch evaluates at most 7 days for periods of an hour or more. */
const MAX_WINDOW_SECONDS = 7 * 86_400;

export interface MonitoringProps {
  readonly plan: Plan;
  /** Where alarms (and the recoveries of the staleness and health alarms) are sent. */
  readonly alarmTopic: sns.ITopic;
  /** Functions whose errors are alarmed on, by a name for the alarm. @default none */
  readonly functions?: Readonly<Record<string, lambda.IFunction>>;
  /** The rollback state machine, whose failed, timed-out and aborted executions are alarmed on. @default none */
  readonly stateMachine?: sfn.IStateMachine;
  /** The admin API, whose server errors and near-timeout latency are alarmed on. @default none */
  readonly api?: apigateway.RestApi;
  /** @default 'WingRollback' */
  readonly namespace?: string;
  /** Period of the failure alarms. @default 5 minutes */
  readonly period?: Duration;
  /** @default a generated name */
  readonly dashboardName?: string;
}

/** The staleness window of a backup schedule: twice its longest gap, whole minutes, at most 7 days. */
export function stalenessWindowSeconds(expression: string): number | undefined {
  const gap = longestIntervalSeconds(expression);
  if (gap === undefined || gap > MAX_WINDOW_SECONDS) return undefined;
  return Math.min(MAX_WINDOW_SECONDS, Math.ceil((2 * gap) / 60) * 60);
}

export class Monitoring extends Construct {
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const namespace = props.namespace ?? METRICS_NAMESPACE;
    const period = props.period ?? Duration.minutes(5);
    const action = new actions.SnsAction(props.alarmTopic);
    const alarms: cloudwatch.Alarm[] = [];
    const metric = (metricName: string, dimensionsMap: Record<string, string>, statistic: string, p: Duration = period): cloudwatch.Metric =>
      new cloudwatch.Metric({ namespace, metricName, dimensionsMap, statistic, period: p });
    const alarm = (alarmId: string, alarmProps: cloudwatch.AlarmProps, notifyOk = false): cloudwatch.Alarm => {
      const a = new cloudwatch.Alarm(this, alarmId, alarmProps);
      a.addAlarmAction(action);
      if (notifyOk) a.addOkAction(action);
      alarms.push(a);
      return a;
    };
    const atLeastOnce = { threshold: 1, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING };

    alarm('BackupFailed', { metric: metric('BackupFailed', { Job: 'backup' }, 'Sum'), alarmDescription: 'A scheduled backup failed (a recovery point or a component snapshot that did not complete).', ...atLeastOnce });

    // One schedule for every component takes recovery points (no per-component BackupSucceeded); several take component snapshots.
    const schedules = new Set(props.plan.components.map((c) => c.schedule));
    const stale = (alarmId: string, expression: string, dimensions: Record<string, string>, what: string): void => {
      const window = stalenessWindowSeconds(expression);
      if (window === undefined) {
        Annotations.of(this).addWarningV2('wing-rollback:no-staleness-alarm', `no "backup too old" alarm for ${what}: the longest gap of ${expression} cannot be told or exceeds the 7 days an alarm can watch`);
        return;
      }
      alarm(
        alarmId,
        {
          metric: metric('BackupSucceeded', dimensions, 'Sum', Duration.seconds(window)),
          alarmDescription: `No backup of ${what} succeeded for ${String(window / 60)} minutes (schedule ${expression}).`,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        },
        true,
      );
    };
    if (schedules.size === 1) {
      const [only] = schedules;
      if (only !== undefined) stale('BackupTooOld', only, { Job: 'backup' }, 'the platform');
    } else {
      for (const c of props.plan.components) stale(`BackupTooOld-${c.name}`, c.schedule, { Job: 'backup', Component: c.name }, `component ${c.name}`);
    }

    alarm(
      'HealthDegraded',
      {
        metric: metric('HealthLevel', { Job: 'health' }, 'Maximum'),
        alarmDescription: 'The health watch found the platform degraded (1) or critical (2).',
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // Health is measured on its schedule: between two checks the last state stands.
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      },
      true,
    );
    alarm('DrillFailed', { metric: metric('DrillFailed', { Job: 'drill' }, 'Sum'), alarmDescription: 'A restore drill failed: the newest recovery point did not restore cleanly into scratch copies.', ...atLeastOnce });
    for (const job of JOBS) {
      alarm(`JobFailed-${job}`, { metric: metric('JobFailed', { Job: job }, 'Sum'), alarmDescription: `The scheduled ${job} job could not run.`, ...atLeastOnce });
    }
    for (const [name, fn] of Object.entries(props.functions ?? {})) {
      alarm(`Errors-${name}`, { metric: fn.metricErrors({ period, statistic: 'Sum' }), alarmDescription: `The ${name} function failed (an invocation error, a timeout or a failed cold start).`, ...atLeastOnce });
    }
    if (props.stateMachine) {
      const sm = props.stateMachine;
      alarm('RollbackFailed', {
        metric: new cloudwatch.MathExpression({
          // A series without data at a time would drop the sum there: each counts 0 when it has none.
          expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
          usingMetrics: { failed: sm.metricFailed({ period, statistic: 'Sum' }), timedOut: sm.metricTimedOut({ period, statistic: 'Sum' }), aborted: sm.metricAborted({ period, statistic: 'Sum' }) },
          label: 'Rollbacks failed, timed out or stopped',
          period,
        }),
        alarmDescription: 'A rollback (an execution of the emergency rollback state machine) failed, timed out or was stopped: see "npx wing rollback:status" and the execution log.',
        ...atLeastOnce,
      });
    }
    if (props.api) {
      const api = props.api;
      alarm('AdminApi5xx', { metric: api.metricServerError({ period, statistic: 'Sum' }), alarmDescription: 'The admin API answered 5xx (a function failed or timed out, or API Gateway could not reach it): see the API access log and the functions\' logs.', ...atLeastOnce });
      alarm('AdminApiLatency', {
        metric: api.metricLatency({ period, statistic: 'p99' }),
        alarmDescription: 'The admin API\'s p99 latency stayed above 25 s for 15 minutes: requests are about to hit API Gateway\'s 29 s limit.',
        threshold: 25_000,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    this.alarms = alarms;

    const graph = (title: string, metrics: cloudwatch.IMetric[]): cloudwatch.GraphWidget => new cloudwatch.GraphWidget({ title, left: metrics, width: 8 });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      ...(props.dashboardName === undefined ? {} : { dashboardName: props.dashboardName }),
      defaultInterval: Duration.days(7),
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Wing Rollback alarms', alarms, width: 24 })],
        [
          graph('Backups', [metric('BackupSucceeded', { Job: 'backup' }, 'Sum', Duration.hours(1)), metric('BackupFailed', { Job: 'backup' }, 'Sum', Duration.hours(1))]),
          graph('Backup duration (ms)', [metric('BackupDurationMs', { Job: 'backup' }, 'Maximum', Duration.hours(1))]),
          graph('Health level (0 healthy, 1 degraded, 2 critical)', [metric('HealthLevel', { Job: 'health' }, 'Maximum', Duration.minutes(15))]),
        ],
        [
          graph('Drills', [metric('DrillPassed', { Job: 'drill' }, 'Sum', Duration.days(1)), metric('DrillFailed', { Job: 'drill' }, 'Sum', Duration.days(1))]),
          graph('Retention', [metric('PrunedRecoveryPoints', { Job: 'retention' }, 'Sum', Duration.days(1)), metric('FreedBytes', { Job: 'retention' }, 'Sum', Duration.days(1))]),
          graph('Jobs failed or skipped', JOBS.flatMap((job) => [metric('JobFailed', { Job: job }, 'Sum', Duration.hours(1)), metric('JobSkipped', { Job: job }, 'Sum', Duration.hours(1))])),
        ],
      ],
    });
    if (props.stateMachine) {
      const sm = props.stateMachine;
      const hourly = { period: Duration.hours(1), statistic: 'Sum' };
      this.dashboard.addWidgets(graph('Rollbacks', [sm.metricStarted(hourly), sm.metricSucceeded(hourly), sm.metricFailed(hourly), sm.metricTimedOut(hourly), sm.metricAborted(hourly)]));
    }
    if (props.api) {
      const api = props.api;
      this.dashboard.addWidgets(
        graph('Admin API requests and errors', [api.metricCount({ period: Duration.minutes(5) }), api.metricClientError({ period: Duration.minutes(5) }), api.metricServerError({ period: Duration.minutes(5) })]),
        graph('Admin API latency (ms)', [api.metricLatency({ period: Duration.minutes(5), statistic: 'p50' }), api.metricLatency({ period: Duration.minutes(5), statistic: 'p99' })]),
      );
    }
  }
}
