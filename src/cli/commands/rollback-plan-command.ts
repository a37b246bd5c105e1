/**
 * `rollback:plan [--hours=N | --backup-id=ID]`: the dry run of a rollback. Per component, the
 * records a rollback to that point would write, delete and leave unchanged; nothing is changed.
 * The point is chosen as the rollback would choose it (default: the newest verified point at
 * least 24 hours old). The action is in rollback-plan-action.ts, imported when the command runs
 * (command-runner.ts).
 */
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { runAction } from '../command-runner.js';

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
    .action(runAction(async () => (await import('./rollback-plan-action.js')).rollbackPlan));
}
