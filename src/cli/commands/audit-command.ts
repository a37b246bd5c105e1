/**
 * `audit:list [--limit=N]`: the newest records of the audit trail, newest first (sign-ins,
 * rollbacks requested and finished, undo, safe mode, refusals). Read-only, no credentials.
 */
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { runAction } from '../command-runner.js';
import { table, type CommandResult } from '../output.js';

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
    .action(
      runAction(async (ctx, opts): Promise<CommandResult> => {
        const limit = typeof opts.limit === 'number' ? opts.limit : DEFAULT_AUDIT_LIMIT;
        const runtime = await ctx.open();
        const records = await runtime.services.audit.list({ limit });
        const rows = records.map((r) => [String(r.seq), r.time.replace('T', ' ').slice(0, 19), r.actor, r.action, r.outcome, r.source ?? '-', r.detail.replace(/\s+/g, ' ')]);
        return {
          fields: { records: records.map((r) => ({ seq: r.seq, time: r.time, actor: r.actor, action: r.action, outcome: r.outcome, detail: r.detail })) },
          text:
            records.length === 0
              ? 'the audit trail is empty: sign-ins, rollbacks, undo and safe mode are recorded as they happen'
              : table(['seq', 'time (UTC)', 'actor', 'action', 'outcome', 'source', 'detail'], rows),
        };
      }),
    );
}
