/** The action of `plan:show` (plan-command.ts). */
import { loadLocalPlan } from '../../local/local-plan.js';
import { resolveWingHome } from '../../local/state-folder.js';
import type { CommandContext } from '../command-context.js';
import { table, type CommandResult } from '../output.js';

export async function planShow(ctx: CommandContext): Promise<CommandResult> {
  // The plan is a file (or the default): reading it needs no running service. With
  // --target aws it is the deployed one (the stack's names, checked against its digest).
  const plan = ctx.isAws ? (await ctx.open()).plan : await loadLocalPlan(resolveWingHome());
  const components = plan.levels.flatMap((level, i) =>
    level.map((c) => ({
      name: c.name,
      dependsOn: c.dependsOn,
      level: i,
      schedule: c.schedule,
      sources: c.sources.map((s) => (s.type === 'dynamodb' ? { type: s.type, tableName: s.tableName } : { type: s.type, bucketName: s.bucketName, prefix: s.prefix })),
    })),
  );
  const rows = components.map((c) => [
    String(c.level + 1),
    c.name,
    c.dependsOn.join(', ') || '-',
    c.schedule,
    c.sources.map((s) => (s.type === 'dynamodb' ? `dynamodb:${s.tableName}` : `s3://${s.bucketName}/${s.prefix}`)).join(' '),
  ]);
  const retention = plan.retention;
  // The schedules of the jobs that are not a component's backup (EventBridge expressions).
  const jobs = { retention: plan.retentionSchedule, drill: plan.drillSchedule, health: plan.healthSchedule };
  return {
    fields: { components, retention, jobs, systemTable: plan.systemTable, vaultBucket: plan.vaultBucket },
    text: [
      table(['order', 'component', 'depends on', 'schedule', 'sources'], rows),
      '',
      `retention: keep last ${retention.keepLast}, hourly ${retention.hourly}, daily ${retention.daily}, weekly ${retention.weekly}, monthly ${retention.monthly}`,
      `schedules: retention ${jobs.retention}, restore drill ${jobs.drill}, health check ${jobs.health}`,
    ].join('\n'),
  };
}
