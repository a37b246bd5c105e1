/**
 * `audit:report --from=DATE [--to=DATE]`: the compliance report of a period (backups,
 * verifications, drills, rollbacks and undos, refusals, and the audit trail's verification), in
 * Markdown, or with `--json` as one object. Read-only, no credentials. A failed audit-trail
 * verification is reported in the report, not as the command's failure: `audit:verify` is the
 * check that exits 5. The action is in audit-report-action.ts, imported when the command runs.
 */
import type { Command } from 'commander';
import { runAction } from '../command-runner.js';

export function registerAuditReport(program: Command): Command {
  return program
    .command('audit:report')
    .description('compliance report of a period: backups, verifications, drills, rollbacks and refusals (Markdown, or --json)')
    .option('--from <date>', 'start of the period: an ISO date (the whole day, UTC) or date-time (required)')
    .option('--to <date>', 'end of the period, inclusive (default: now)')
    .action(runAction(async () => (await import('./audit-report-action.js')).auditReport));
}
