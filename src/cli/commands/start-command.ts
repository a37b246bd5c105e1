/**
 * `start` (`npm start`): the long-lived owner of the local environment. On first start it runs
 * `init --demo`. It serves the admin API and the portal on 127.0.0.1, runs the plan's schedules,
 * executes the rollbacks the API starts, and prints how to sign in. Ctrl-C stops it cleanly (the
 * owner's signal handler stops the services and removes run.lock and endpoints.json). The action is
 * in start-action.ts, imported when the command runs (command-runner.ts).
 */
import type { Command } from 'commander';
import { withGlobalFlags } from '../command-runner.js';
import { parseScale } from './init-command.js';

export function registerStart(program: Command): Command {
  return withGlobalFlags(
    program
      .command('start')
      .description('start the local environment (first start: create everything and load demo data); Ctrl-C stops it')
      .option('--scale <n>', 'demo data size on first start', parseScale),
  ).action(async (...args: unknown[]) => {
    await (await import('./start-action.js')).start(args[args.length - 1] as Command);
  });
}
