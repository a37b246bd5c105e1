/**
 * `backup:create`, `backup:list`, `backup:verify`, `backup:drill`. The actions are in
 * backup-actions.ts, imported when one of these commands runs (command-runner.ts).
 */
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { runAction } from '../command-runner.js';

function parseType(value: string): 'full' | 'incremental' {
  if (value !== 'full' && value !== 'incremental') throw new ValidationError(`--type is full or incremental, not "${value}"`);
  return value;
}

export function registerBackupCreate(program: Command): Command {
  return program
    .command('backup:create')
    .description('take a recovery point now (or a single-component snapshot), verify it, print its id')
    .option('--component <name>', 'snapshot one component only (not a recovery point)')
    .option('--type <type>', 'full or incremental', parseType, 'incremental')
    .action(runAction(async () => (await import('./backup-actions.js')).backupCreate));
}

export function registerBackupList(program: Command): Command {
  return program
    .command('backup:list')
    .description('recovery points with time, type, status, verified-at, size, item counts, last drill')
    .option('--component <name>', 'only this component')
    .option('--rebuild', 'rebuild the catalog from the vault first')
    .action(runAction(async () => (await import('./backup-actions.js')).backupList));
}

export function registerBackupVerify(program: Command): Command {
  return program
    .command('backup:verify')
    .description('decrypt and re-hash everything, check manifests and signatures; exit 5 on any mismatch')
    .option('--backup-id <id>', 'the recovery point to verify (default: the newest)')
    .option('--all', 'every recovery point, Corrupt ones too')
    .action(runAction(async () => (await import('./backup-actions.js')).backupVerify));
}

/**
 * `backup:drill [--backup-id ID]`: a restore drill now (the scheduler runs one on the plan's
 * `drillSchedule`): the point is restored into scratch copies and checked, the proof recorded.
 * Unmarked like backup:verify: it never touches live data. Exit 5 when the drill found damage (the
 * point is now Corrupt), 1 when it could not run to the end.
 */
export function registerBackupDrill(program: Command): Command {
  return program
    .command('backup:drill')
    .description('restore a recovery point into scratch copies, verify digests and validators, record the proof; exit 5 on damage')
    .option('--backup-id <id>', 'the recovery point to drill (default: the newest)')
    .action(runAction(async () => (await import('./backup-actions.js')).backupDrill));
}
