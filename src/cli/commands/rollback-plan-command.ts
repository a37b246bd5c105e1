/**
 * `rollback:plan [--hours=N | --backup-id=ID]`: the dry run of a rollback. Per component, the
 * records a rollback to that point would write, delete and leave unchanged; nothing is changed.
 * The point is chosen as the rollback would choose it (default: the newest verified point at
 * least 24 hours old).
 */
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { runAction } from '../command-runner.js';
import { table } from '../output.js';

function parseHours(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 24 * 366) throw new ValidationError(`--hours must be a number of hours from 0 to 8784, not "${value}"`);
  return n;
}

export function registerRollbackPlan(program: Command): Command {
  return program
    .command('rollback:plan')
    .description('dry run: per component, items to write, to delete, unchanged; nothing is changed')
    .option('--hours <n>', 'the newest verified point at least N hours old (default 24; 0: the newest)', parseHours)
    .option('--backup-id <id>', 'exactly this recovery point')
    .action(
      runAction(async (ctx, opts) => {
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
      }),
    );
}
