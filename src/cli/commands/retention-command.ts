/**
 * `retention:apply [--dry-run]` †: apply the retention policy and prune, under the rollback lock.
 * The action is in retention-action.ts, imported when the command runs (command-runner.ts).
 */
import type { Command } from 'commander';
import { runAction } from '../command-runner.js';

export function registerRetentionApply(program: Command): Command {
  return program
    .command('retention:apply')
    .description('apply the retention policy and delete data no point references (takes the lock) †')
    .option('--dry-run', 'show what would be deleted, change nothing (no credentials needed)')
    .option('--username <name>', 'administrator (or WING_USERNAME)')
    .option('--totp <code>', 'authentication code (or WING_TOTP)')
    .option('--reason <text>', 'why, for the audit trail')
    .action(runAction(async () => (await import('./retention-action.js')).retentionApply));
}
