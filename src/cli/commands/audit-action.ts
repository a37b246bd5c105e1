/** The action of `audit:list` (audit-command.ts). */
import type { CommandContext } from '../command-context.js';
import { table, type CommandResult } from '../output.js';
import { DEFAULT_AUDIT_LIMIT } from './audit-command.js';

export async function auditList(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
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
}
