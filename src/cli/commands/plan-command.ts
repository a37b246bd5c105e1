/**
 * `plan:show`: the backup plan: components, sources, restore order, schedules. The action is in
 * plan-action.ts, imported when the command runs (command-runner.ts).
 */
import type { Command } from 'commander';
import { runAction } from '../command-runner.js';

export function registerPlanShow(program: Command): Command {
  return program
    .command('plan:show')
    .description('print the backup plan: components, sources, order, schedules')
    .action(runAction(async () => (await import('./plan-action.js')).planShow));
}
