/**
 * `init [--demo] [--scale N]`: create the local environment and the first administrator. The
 * action is in init-action.ts, imported when the command runs (command-runner.ts).
 */
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { runAction } from '../command-runner.js';

export function parseScale(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 100) throw new ValidationError(`--scale must be a positive number up to 100, not "${value}"`);
  return n;
}

export function registerInit(program: Command): Command {
  return program
    .command('init')
    .description('create the local environment and the first administrator; --demo loads demo WING data and a backdated history')
    .option('--demo', 'load demo WING data and eight days of verified recovery points')
    .option('--scale <n>', 'demo data size: 1 is about 100 MB; fractions allowed', parseScale)
    .action(runAction(async () => (await import('./init-action.js')).init));
}
