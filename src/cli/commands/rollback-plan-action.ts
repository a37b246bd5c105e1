/** The action of `rollback:plan` (rollback-plan-command.ts). */
import { ValidationError } from '../../core/errors.js';
import type { CommandContext } from '../command-context.js';
import { table, type CommandResult } from '../output.js';

export async function rollbackPlan(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  if (typeof opts.hours === 'number' && typeof opts.backupId === 'string') throw new ValidationError('give --hours or --backup-id, not both');
  const runtime = await ctx.open();
  const point = await runtime.backups.choosePoint({
    ...(typeof opts.hours === 'number' ? { hours: opts.hours } : {}),
    ...(typeof opts.backupId === 'string' ? { backupId: opts.backupId } : {}),
  });
  ctx.progress.step(`comparing the live data with ${point.recoveryPointId}`);
  const components = await runtime.backups.planRestore(point.recoveryPointId);
  return {
    fields: { recoveryPointId: point.recoveryPointId, createdAt: point.createdAt, components },
    text: [
      `rollback to ${point.recoveryPointId} (taken ${point.createdAt}) would change, in restore order:`,
      table(['component', 'write', 'delete', 'unchanged'], components.map((c) => [c.component, String(c.write), String(c.delete), String(c.unchanged)])),
      'nothing was changed',
    ].join('\n'),
  };
}
