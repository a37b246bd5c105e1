/**
 * `system:safe-mode [--off]` †: enter or leave safe mode (read-only except for administrators,
 * schedules paused). Through the owner's admin API when `npm start` runs, so it is signed in,
 * audited and limited like the portal's switch. The action is in safe-mode-action.ts, imported
 * when the command runs (command-runner.ts).
 */
import type { Command } from 'commander';
import { runAction } from '../command-runner.js';

export function registerSafeMode(program: Command): Command {
  return program
    .command('system:safe-mode')
    .description('enter safe mode (read-only except for administrators, schedules paused), or leave it with --off †')
    .option('--off', 'leave safe mode')
    .option('--username <name>', 'administrator (or WING_USERNAME)')
    .option('--totp <code>', 'authentication code (or WING_TOTP)')
    .option('--reason <text>', 'why, for the audit trail')
    .action(runAction(async () => (await import('./safe-mode-action.js')).safeMode));
}
