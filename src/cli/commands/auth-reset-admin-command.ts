/**
 * `auth:reset-admin --username=U [--level=L]`: the break-glass way back in (CONTRACT.md). It needs
 * no password: the authority is operator access to the state folder locally, or IAM on the
 * system table with `--target aws`. It sets a new password and TOTP secret (from
 * WING_ADMIN_PASSWORD / WING_ADMIN_TOTP_SECRET, or generated and shown once on the terminal),
 * enables the administrator, ends every session issued before, clears the sign-in lockouts of
 * that name, and creates the administrator when it does not exist (the last one was removed).
 * It is audited; the new secrets go nowhere but the terminal. The action is in
 * auth-reset-admin-action.ts, imported when the command runs (command-runner.ts).
 */
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import type { AdminLevel } from '../../core/credentials.js';
import { runAction } from '../command-runner.js';

const LEVELS: readonly AdminLevel[] = ['viewer', 'operator', 'admin'];

export function parseLevel(value: string): AdminLevel {
  const level = LEVELS.find((l) => l === value);
  if (!level) throw new ValidationError(`--level is one of ${LEVELS.join(', ')}, not "${value}"`);
  return level;
}

export function registerAuthResetAdmin(program: Command): Command {
  return program
    .command('auth:reset-admin')
    .description('break-glass: reset an administrator\'s password and TOTP secret, end its sessions and lockouts (state-folder access locally, IAM on AWS)')
    .option('--username <name>', 'the administrator to reset (created when it does not exist); required')
    .option('--level <level>', 'its level: admin, operator or viewer', parseLevel, 'admin')
    .option('--reason <text>', 'why, for the audit trail')
    .action(runAction(async () => (await import('./auth-reset-admin-action.js')).authResetAdmin));
}
