/**
 * `audit:list [--limit=N]`: the newest records of the audit trail, newest first (sign-ins,
 * rollbacks requested and finished, undo, safe mode, refusals). Read-only, no credentials.
 * The action is in audit-action.ts, imported when the command runs (command-runner.ts).
 */
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { runAction } from '../command-runner.js';

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;

function parseLimit(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_AUDIT_LIMIT) throw new ValidationError(`--limit must be a whole number from 1 to ${MAX_AUDIT_LIMIT}, not "${value}"`);
  return n;
}

export function registerAuditList(program: Command): Command {
  return program
    .command('audit:list')
    .description('show the audit trail, newest first')
    .option('--limit <n>', `the newest N records (1 to ${MAX_AUDIT_LIMIT})`, parseLimit, DEFAULT_AUDIT_LIMIT)
    .action(runAction(async () => (await import('./audit-action.js')).auditList));
}
