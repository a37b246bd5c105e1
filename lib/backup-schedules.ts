/**
 * The plan's schedules as EventBridge Scheduler schedules, each invoking the scheduled-job Lambda
 * (lambdas/scheduled-job.ts) with the input it validates: one backup schedule per distinct
 * component schedule expression (`{ "job": "backup", "components": [...] }`, the components in
 * plan order), and `{ "job": "retention" }`, `{ "job": "health" }`, `{ "job": "drill" }` on the
 * plan's retention, health and drill schedules. Expressions are passed as they are: the plan's
 * format is EventBridge's (UTC unless a time zone is given).
 */
import { Aws, Duration, RemovalPolicy, type TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { Plan } from '../src/core/plan.js';
import { acknowledgeWildcardResource } from './nag.js';

export interface BackupSchedulesProps {
  readonly plan: Plan;
  /** The scheduled-job Lambda. */
  readonly target: lambda.IFunction;
  /** @default UTC */
  readonly timeZone?: TimeZone;
  /** Retries of an invocation Scheduler could not deliver. @default 3 */
  readonly retryAttempts?: number;
  /** How long Scheduler keeps trying to deliver one invocation. @default 1 hour */
  readonly maxEventAge?: Duration;
  /** @default true */
  readonly enabled?: boolean;
}

/** One schedule: its expression and the input the job receives. */
export interface PlannedSchedule {
  readonly id: string;
  readonly expression: string;
  readonly input: { readonly job: 'backup'; readonly components: readonly string[] } | { readonly job: 'retention' | 'health' | 'drill' };
}

/** The schedules a plan asks for, backups first (grouped by expression, in plan order). */
export function plannedSchedules(plan: Plan): PlannedSchedule[] {
  const byExpression = new Map<string, string[]>();
  for (const c of plan.components) byExpression.set(c.schedule, [...(byExpression.get(c.schedule) ?? []), c.name]);
  const backups = [...byExpression.entries()].map(([expression, components], i): PlannedSchedule => ({ id: `Backup${String(i + 1)}`, expression, input: { job: 'backup', components } }));
  return [
    ...backups,
    { id: 'Retention', expression: plan.retentionSchedule, input: { job: 'retention' } },
    { id: 'Health', expression: plan.healthSchedule, input: { job: 'health' } },
    { id: 'Drill', expression: plan.drillSchedule, input: { job: 'drill' } },
  ];
}

export class BackupSchedules extends Construct {
  readonly group: scheduler.ScheduleGroup;
  readonly schedules: readonly scheduler.Schedule[];
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: BackupSchedulesProps) {
    super(scope, id);
    // Schedules are configuration, not data: the group goes with the stack.
    this.group = new scheduler.ScheduleGroup(this, 'Group', { removalPolicy: RemovalPolicy.DESTROY });
    // One role for every schedule of the group: it may invoke the scheduled-job function only.
    this.role = new iam.Role(this, 'InvokeRole', {
      description: 'EventBridge Scheduler invoking the Wing Rollback scheduled-job function',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, 'aws:SourceArn': this.group.scheduleGroupArn } },
      }),
    });
    acknowledgeWildcardResource(this.role, `${props.target.functionArn}:*`, 'LambdaInvoke grants the scheduled-job function and "<its ARN>:*", that one function\'s versions and aliases: the role can invoke nothing else.');
    const planned = plannedSchedules(props.plan);
    this.schedules = planned.map((p) => {
      const target = new schedulerTargets.LambdaInvoke(props.target, {
        role: this.role,
        input: scheduler.ScheduleTargetInput.fromObject(p.input),
        retryAttempts: props.retryAttempts ?? 3,
        maxEventAge: props.maxEventAge ?? Duration.hours(1),
      });
      return new scheduler.Schedule(this, p.id, {
        schedule: scheduler.ScheduleExpression.expression(p.expression, props.timeZone),
        target,
        scheduleGroup: this.group,
        description: p.input.job === 'backup' ? `Wing Rollback backup of ${p.input.components.join(', ')}` : `Wing Rollback ${p.input.job}`,
        enabled: props.enabled ?? true,
      });
    });
  }
}
