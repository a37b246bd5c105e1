/**
 * The compliance report of a period (`audit:report`): what an auditor asks of a backup system.
 * Were backups taken, and did they work? Were they verified, and restore-tested (drills)? Who
 * rolled the platform back or undid it, when, why and with what result? Who was refused what?
 * And can the record of all this be trusted (the audit trail's verification)?
 *
 * Built from records already read (the catalog, the rollback journal, the audit trail and its
 * verification); nothing here reads or writes anything. The period is inclusive at both ends.
 */
import type { AuditRecord } from './audit-trail.js';
import type { AuditTrailProblem } from './audit-mirror.js';
import type { DrillRecord, RecoveryPointRecord, RecoveryPointStatus } from './catalog.js';
import { ValidationError } from './errors.js';
import type { RollbackKind, RollbackPhase, RollbackRecord } from './rollback-journal.js';

export interface ReportPeriod {
  readonly from: Date;
  readonly to: Date;
}

const DATE_OR_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const DAY_MS = 86_400_000;

/**
 * An ISO date (`2026-12-01`, the whole day in UTC: its start for `--from`, its end for `--to`) or
 * date-time (`2026-12-01T08:00`, UTC unless it carries an offset). Impossible dates (February 30)
 * are refused rather than rolled over into the next month.
 */
export function parseReportDate(value: string, flag: '--from' | '--to'): Date {
  const match = DATE_OR_DATE_TIME.exec(value.trim());
  const [, y, mo, d, h, mi, s, zone] = match ?? [];
  const day = match ? new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))) : undefined;
  const realDay = day !== undefined && day.getUTCMonth() === Number(mo) - 1 && day.getUTCDate() === Number(d);
  const realTime = h === undefined || (Number(h) <= 23 && Number(mi) <= 59 && Number(s ?? 0) <= 59);
  if (!match || !realDay || !realTime) {
    throw new ValidationError(`${flag} must be an ISO date (2026-12-01) or date-time (2026-12-01T08:00:00Z), not "${value}"`);
  }
  if (h === undefined) return flag === '--from' ? day : new Date(day.getTime() + DAY_MS - 1);
  const at = Date.parse(zone === undefined ? `${value.trim()}Z` : value.trim());
  if (Number.isNaN(at)) throw new ValidationError(`${flag} must be an ISO date (2026-12-01) or date-time (2026-12-01T08:00:00Z), not "${value}"`);
  return new Date(at);
}

/** `--from` (required) and `--to` (default: now), the one before the other. */
export function parseReportPeriod(from: string | undefined, to: string | undefined, now: Date): ReportPeriod {
  if (from === undefined) throw new ValidationError('--from is required: the first day of the period, e.g. --from=2026-12-01');
  const period = { from: parseReportDate(from, '--from'), to: to === undefined ? now : parseReportDate(to, '--to') };
  if (period.from.getTime() > period.to.getTime()) {
    throw new ValidationError(`--from (${period.from.toISOString()}) is after --to (${period.to.toISOString()}): give the earlier date first`);
  }
  return period;
}

export interface ReportBackup {
  readonly recoveryPointId: string;
  readonly createdAt: string;
  readonly type: 'full' | 'incremental';
  readonly status: RecoveryPointStatus;
  readonly verifiedAt: string | null;
  readonly components: number;
  readonly items: number;
  readonly bytes: number;
  readonly error: string | null;
}

export interface ReportVerification {
  readonly recoveryPointId: string;
  readonly verifiedAt: string;
  readonly status: RecoveryPointStatus;
}

export interface ReportDrill extends DrillRecord {
  readonly recoveryPointId: string;
}

export interface ReportRollback {
  readonly rollbackId: string;
  readonly kind: RollbackKind;
  readonly command: string;
  readonly initiator: string;
  readonly reason: string;
  readonly phase: RollbackPhase;
  readonly recoveryPointId: string | null;
  readonly requestedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly undoneBy: string | null;
  readonly undoneAt: string | null;
  readonly error: string | null;
}

export interface ReportRefusal {
  readonly seq: number;
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly detail: string;
  readonly source: string | null;
}

export interface ReportAuditChain {
  readonly ok: boolean;
  readonly records: number;
  readonly problems: readonly AuditTrailProblem[];
}

export interface ComplianceReport {
  readonly from: string;
  readonly to: string;
  readonly backups: ReportBackup[];
  readonly verifications: ReportVerification[];
  readonly drills: ReportDrill[];
  readonly rollbacks: ReportRollback[];
  readonly refusals: ReportRefusal[];
  readonly auditChain: ReportAuditChain;
}

export interface ComplianceReportInput {
  readonly period: ReportPeriod;
  readonly recoveryPoints: readonly RecoveryPointRecord[];
  /** Drill records kept apart from the points (none yet: the points' `lastDrill` are read too). */
  readonly drills?: readonly ReportDrill[];
  readonly rollbacks: readonly RollbackRecord[];
  readonly auditRecords: readonly AuditRecord[];
  readonly auditChain: ReportAuditChain;
}

const byTime = <T>(time: (x: T) => string) => (a: T, b: T): number => Date.parse(time(a)) - Date.parse(time(b));

export function buildComplianceReport(input: ComplianceReportInput): ComplianceReport {
  const { from, to } = input.period;
  const inPeriod = (time: string | null | undefined): time is string => {
    if (!time) return false;
    const t = Date.parse(time);
    return t >= from.getTime() && t <= to.getTime();
  };
  const backups = input.recoveryPoints
    .filter((p) => inPeriod(p.createdAt))
    .map((p) => ({
      recoveryPointId: p.recoveryPointId,
      createdAt: p.createdAt,
      type: p.type,
      status: p.status,
      verifiedAt: p.verifiedAt,
      components: p.snapshots.length,
      items: p.snapshots.reduce((n, s) => n + s.items, 0),
      bytes: p.snapshots.reduce((n, s) => n + s.bytes, 0),
      error: p.error,
    }))
    .sort(byTime((b) => b.createdAt));
  const verifications = input.recoveryPoints
    .flatMap((p) => (inPeriod(p.verifiedAt) ? [{ recoveryPointId: p.recoveryPointId, verifiedAt: p.verifiedAt, status: p.status }] : []))
    .sort(byTime((v) => v.verifiedAt));
  const drillsByKey = new Map<string, ReportDrill>();
  for (const drill of [...input.recoveryPoints.flatMap((p) => (p.lastDrill ? [{ ...p.lastDrill, recoveryPointId: p.recoveryPointId }] : [])), ...(input.drills ?? [])]) {
    if (inPeriod(drill.at)) drillsByKey.set(`${drill.recoveryPointId}@${drill.at}`, drill);
  }
  const rollbacks = input.rollbacks
    .filter((r) => inPeriod(r.requestedAt))
    .map((r) => ({
      rollbackId: r.rollbackId,
      kind: r.kind,
      command: r.command,
      initiator: r.initiator,
      reason: r.reason,
      phase: r.phase,
      recoveryPointId: r.recoveryPointId,
      requestedAt: r.requestedAt,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      undoneBy: r.undoneBy,
      undoneAt: r.undoneAt,
      error: r.error?.message ?? null,
    }))
    .sort(byTime((r) => r.requestedAt));
  const refusals = input.auditRecords
    .filter((r) => r.outcome === 'refused' && inPeriod(r.time))
    .map((r) => ({ seq: r.seq, time: r.time, actor: r.actor, action: r.action, detail: r.detail, source: r.source ?? null }))
    .sort((a, b) => a.seq - b.seq);
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    backups,
    verifications,
    drills: [...drillsByKey.values()].sort(byTime((d) => d.at)),
    rollbacks,
    refusals,
    auditChain: { ok: input.auditChain.ok, records: input.auditChain.records, problems: input.auditChain.problems },
  };
}

/** A table cell: one line, no column breaks. */
function cell(value: string | number | null): string {
  if (value === null || value === '') return '-';
  return String(value).replace(/\s+/g, ' ').replace(/\|/g, '\\|');
}

function markdownTable(headers: readonly string[], rows: readonly (readonly (string | number | null)[])[], empty: string): string {
  if (rows.length === 0) return `${empty}\n`;
  const line = (cells: readonly (string | number | null)[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => ' --- |').join('')}`, ...rows.map(line)].join('\n') + '\n';
}

function countBy<T>(items: readonly T[], key: (x: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${String(n)} ${k}`).join(', ');
}

/** The report for people (and for the file an auditor keeps). */
export function complianceReportMarkdown(report: ComplianceReport, generatedAt: Date): string {
  const chain = report.auditChain;
  const chainLine = chain.ok
    ? `intact: ${String(chain.records)} record(s), chained, each matching its copy in the audit bucket`
    : `**failed verification**: ${String(chain.problems.length)} problem(s) in ${String(chain.records)} record(s); the records below may not be complete or true`;
  const summaryOf = (n: number, details: string): string => `${String(n)}${n > 0 && details ? ` (${details})` : ''}`;
  return [
    `# Compliance report: ${report.from} to ${report.to}`,
    '',
    `Generated ${generatedAt.toISOString()} by wing audit:report. Times are UTC.`,
    '',
    '## Summary',
    '',
    `- Backups (recovery points created): ${summaryOf(report.backups.length, countBy(report.backups, (b) => b.status))}`,
    `- Verifications: ${String(report.verifications.length)}`,
    `- Restore drills: ${summaryOf(report.drills.length, countBy(report.drills, (d) => d.result))}`,
    `- Rollbacks and undos: ${summaryOf(report.rollbacks.length, countBy(report.rollbacks, (r) => r.phase))}`,
    `- Refusals: ${String(report.refusals.length)}`,
    `- Audit trail: ${chainLine}`,
    '',
    '## Backups',
    '',
    markdownTable(
      ['recovery point', 'created', 'type', 'status', 'verified at', 'components', 'items', 'bytes', 'error'],
      report.backups.map((b) => [b.recoveryPointId, b.createdAt, b.type, b.status, b.verifiedAt, b.components, b.items, b.bytes, b.error]),
      'No recovery points were created in the period.',
    ),
    '## Verifications',
    '',
    markdownTable(['recovery point', 'verified at', 'status'], report.verifications.map((v) => [v.recoveryPointId, v.verifiedAt, v.status]), 'No recovery points were verified in the period.'),
    '## Drills',
    '',
    markdownTable(
      ['recovery point', 'at', 'result', 'items', 'duration (ms)', 'detail'],
      report.drills.map((d) => [d.recoveryPointId, d.at, d.result, d.items, d.durationMs, d.detail]),
      'No drills recorded in the period.',
    ),
    '## Rollbacks and undos',
    '',
    markdownTable(
      ['rollback', 'kind', 'command', 'initiator', 'reason', 'phase', 'recovery point', 'requested', 'started', 'finished', 'undone'],
      report.rollbacks.map((r) => [r.rollbackId, r.kind, r.command, r.initiator, r.reason, r.phase, r.recoveryPointId, r.requestedAt, r.startedAt, r.finishedAt, r.undoneAt ? `${r.undoneAt} by ${r.undoneBy ?? '?'}` : null]),
      'No rollbacks or undos were requested in the period.',
    ),
    '## Refusals',
    '',
    markdownTable(
      ['seq', 'time', 'who', 'what', 'why', 'source'],
      report.refusals.map((r) => [r.seq, r.time, r.actor, r.action, r.detail, r.source]),
      'No refusals in the period.',
    ),
    '## Audit trail',
    '',
    chain.ok
      ? `The audit trail is intact: ${String(chain.records)} record(s), each chained to the one before and matching its copy in the audit bucket.\n`
      : `The audit trail failed verification (run \`npx wing audit:verify\`):\n\n${chain.problems.map((p) => `- record ${String(p.seq)}: ${p.problem} (${p.copy}): ${cell(p.detail)}`).join('\n')}\n`,
  ].join('\n');
}
