/**
 * `audit:verify`: checks the audit trail's hash chain (src/core/audit-trail.ts). Exit 5 when a
 * record was altered, removed or reordered, naming the first such record; otherwise the number
 * of records and the head hash, which an operator can keep elsewhere to notice the newest
 * records being removed. Read-only, no credentials.
 */
import type { Command } from 'commander';
import { verifyAuditChain } from '../../core/audit-trail.js';
import { ExitCode } from '../../core/errors.js';
import { runAction } from '../command-runner.js';
import type { CommandResult } from '../output.js';

export function registerAuditVerify(program: Command): Command {
  return program
    .command('audit:verify')
    .description("verify the audit trail's hash chain; exit 5 if a record was altered, removed or reordered")
    .action(
      runAction(async (ctx): Promise<CommandResult> => {
        const runtime = await ctx.open();
        const result = verifyAuditChain(await runtime.services.audit.all());
        const fields = { records: result.records, head: result.head, problems: result.problems };
        if (result.ok) {
          return { fields, text: `audit trail intact: ${String(result.records)} record(s), chained; head ${result.head}` };
        }
        const first = result.problems[0];
        const more = result.problems.length > 1 ? ` (and ${String(result.problems.length - 1)} more problem(s))` : '';
        return {
          fields,
          text: result.problems.map((p) => `record ${String(p.seq)}: ${p.problem}: ${p.detail}`).join('\n'),
          exitCode: ExitCode.VerificationFailed,
          error: `the audit trail was tampered with: record ${String(first?.seq)} ${first?.problem ?? 'altered'}: ${first?.detail ?? ''}${more}`,
        };
      }),
    );
}
