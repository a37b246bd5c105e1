/**
 * The vision-lake commands (CONTRACT.md): `vision-lake:status` and `vision-lake:verify` (read-only,
 * no credentials) and `resync:vision-lake [--force]` † (rebuild the index from the documents).
 * The work is VisionLakeMaintenance's; these parse flags, pick the target and shape the output.
 *
 * status exits 1 when index and documents disagree (as health:check does when degraded), so a
 * monitor can act on the exit code alone; verify exits 5, the contract's code for damage.
 *
 * The actions are in vision-lake-actions.ts, imported when one of these commands runs
 * (command-runner.ts).
 */
import type { Command } from 'commander';
import { runAction } from '../command-runner.js';
import { credentialOptions } from './rollback-commands.js';

function registerStatus(program: Command): Command {
  return program
    .command('vision-lake:status')
    .description('sync state of vision-lake: index vs documents, counts, last backup, drift since it; exit 1 when they disagree')
    .action(runAction(async () => (await import('./vision-lake-actions.js')).visionLakeStatus));
}

function registerVerify(program: Command): Command {
  return program
    .command('vision-lake:verify')
    .description('full integrity check of the vision-lake index and documents; exit 5 on damage')
    .action(runAction(async () => (await import('./vision-lake-actions.js')).visionLakeVerify));
}

function registerResync(program: Command): Command {
  return credentialOptions(
    program
      .command('resync:vision-lake')
      .description('rebuild the vision-lake index from the documents (--force: also remove entries whose document is gone) †')
      .option('--force', 'remove index entries whose document is gone (kept and reported otherwise)'),
  ).action(runAction(async () => (await import('./vision-lake-actions.js')).resyncVisionLake));
}

/** `vision-lake:status`, `vision-lake:verify`, `resync:vision-lake`. */
export function registerVisionLakeCommands(program: Command): Command[] {
  return [registerStatus(program), registerVerify(program), registerResync(program)];
}
