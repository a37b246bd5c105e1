/**
 * `audit:verify`: checks the audit trail's hash chain (src/core/audit-trail.ts) and compares the
 * table with its copy in the audit bucket (src/core/audit-mirror.ts). Exit 5 when a record was
 * altered, removed or reordered in either copy, naming the record and the copy that differs;
 * otherwise the number of records and the head hash. Read-only, no credentials.
 */
import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import { runAction } from '../command-runner.js';
import type { CommandResult } from '../output.js';

const COPY_NAMES = { table: 'in the table', mirror: 'in the audit bucket', both: 'table and audit bucket differ' } as const;

export function registerAuditVerify(program: Command): Command {
  return program
    .command('audit:verify')
    .description("verify the audit trail's hash chain and its copy in the audit bucket; exit 5 if a record was altered, removed or reordered")
    .action(
      runAction(async (ctx): Promise<CommandResult> => {
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
      }),
    );
}
