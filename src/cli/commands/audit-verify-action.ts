/** The action of `audit:verify` (audit-verify-command.ts). */
import { ExitCode } from '../../core/errors.js';
import type { CommandContext } from '../command-context.js';
import type { CommandResult } from '../output.js';

const COPY_NAMES = { table: 'in the table', mirror: 'in the audit bucket', both: 'table and audit bucket differ' } as const;

export async function auditVerify(ctx: CommandContext): Promise<CommandResult> {
  const runtime = await ctx.open();
  const result = await runtime.services.audit.verify();
  const fields = { records: result.records, head: result.head, problems: result.problems, mirror: result.mirror };
  if (result.ok) {
    return { fields, text: `audit trail intact: ${String(result.records)} record(s), chained, each matching its copy in the audit bucket; head ${result.head}` };
  }
  const first = result.problems[0];
  const more = result.problems.length > 1 ? ` (and ${String(result.problems.length - 1)} more problem(s))` : '';
  return {
    fields,
    text: result.problems.map((p) => `record ${String(p.seq)}: ${p.problem} (${COPY_NAMES[p.copy]}): ${p.detail}`).join('\n'),
    exitCode: ExitCode.VerificationFailed,
    error: `the audit trail was tampered with: record ${String(first?.seq)} ${first?.problem ?? 'altered'} (${first ? COPY_NAMES[first.copy] : ''}): ${first?.detail ?? ''}${more}`,
  };
}
