/**
 * `audit:report --from=DATE [--to=DATE]`: the compliance report of a period (backups,
 * verifications, drills, rollbacks and undos, refusals, and the audit trail's verification), in
 * Markdown, or with `--json` as one object. Read-only, no credentials. A failed audit-trail
 * verification is reported in the report, not as the command's failure: `audit:verify` is the
 * check that exits 5.
 */
import type { Command } from 'commander';
import { buildComplianceReport, complianceReportMarkdown, parseReportPeriod } from '../../core/compliance-report.js';
import { runAction } from '../command-runner.js';
import type { CommandResult } from '../output.js';

export function registerAuditReport(program: Command): Command {
  return program
    .command('audit:report')
    .description('compliance report of a period: backups, verifications, drills, rollbacks and refusals (Markdown, or --json)')
    .option('--from <date>', 'start of the period: an ISO date (the whole day, UTC) or date-time (required)')
    .option('--to <date>', 'end of the period, inclusive (default: now)')
    .action(
      runAction(async (ctx, opts): Promise<CommandResult> => {
        const period = parseReportPeriod(typeof opts.from === 'string' ? opts.from : undefined, typeof opts.to === 'string' ? opts.to : undefined, new Date());
        const runtime = await ctx.open();
        const { catalog, journal, audit, clock } = runtime.services;
        const [recoveryPoints, rollbacks, auditRecords, verification] = await Promise.all([catalog.listRecoveryPoints(), journal.list(), audit.all(), audit.verify()]);
        const report = buildComplianceReport({
          period,
          recoveryPoints,
          rollbacks,
          auditRecords: auditRecords.map((s) => s.record),
          auditChain: { ok: verification.ok, records: verification.records, problems: verification.problems },
        });
        return { fields: { ...report }, text: complianceReportMarkdown(report, clock.now()) };
      }),
    );
}
