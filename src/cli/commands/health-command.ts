/**
 * `health:check [--component=C]`: the health of the live platform, all components (in restore
 * order) or one. Read-only and without credentials. Exit 1 when the platform (or the component
 * asked for) is degraded or critical, so a script or a monitor can act on the exit code alone.
 * The action is in health-action.ts, imported when the command runs (command-runner.ts).
 */
import type { Command } from 'commander';
import { runAction } from '../command-runner.js';

export function registerHealthCheck(program: Command): Command {
  return program
    .command('health:check')
    .description('health of all or one component; exit 1 when degraded or critical')
    .option('--component <name>', 'check only this component')
    .action(runAction(async () => (await import('./health-action.js')).healthCheck));
}
