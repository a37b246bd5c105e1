/** The action of `audit:report` (audit-report-command.ts). */
import { buildComplianceReport, complianceReportMarkdown, parseReportPeriod } from '../../core/compliance-report.js';
import type { CommandContext } from '../command-context.js';
import type { CommandResult } from '../output.js';

export async function auditReport(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
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
}
