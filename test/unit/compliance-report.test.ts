/**
 * The compliance report (src/core/compliance-report.ts), built from fixture records: the period
 * (dates, date-times, bad input), what falls in it, empty sections said so, the Markdown headings.
 */
import { describe, expect, it } from 'vitest';
import { chainedRecord, type AuditRecord } from '../../src/core/audit-trail.js';
import type { RecoveryPointRecord } from '../../src/core/catalog.js';
import { buildComplianceReport, complianceReportMarkdown, parseReportPeriod, type ComplianceReportInput } from '../../src/core/compliance-report.js';
import { ValidationError } from '../../src/core/errors.js';
import type { RollbackRecord } from '../../src/core/rollback-journal.js';

const NOW = new Date('2026-12-10T12:00:00.000Z');

function point(id: string, createdAt: string, extra: Partial<RecoveryPointRecord> = {}): RecoveryPointRecord {
  return {
    recoveryPointId: id,
    createdAt,
    completedAt: createdAt,
    type: 'incremental',
    status: 'Completed',
    verifiedAt: createdAt,
    snapshots: [{ component: 'auth', snapshotId: `${id}-auth`, items: 10, bytes: 100, logicalBytes: 200 }],
    checks: [],
    labels: {},
    lastDrill: null,
    owner: null,
    leaseUntil: null,
    error: null,
    ...extra,
  };
}

function rollback(id: string, requestedAt: string, extra: Partial<RollbackRecord> = {}): RollbackRecord {
  return {
    rollbackId: id,
    kind: 'rollback',
    command: 'rollback:quick',
    mode: 'differential',
    selection: { hours: 0 },
    initiator: 'admin',
    reason: 'bad deploy | at 02:10',
    phase: 'Completed',
    step: 'Done',
    recoveryPointId: 'rp-2',
    requestedAt,
    startedAt: requestedAt,
    finishedAt: requestedAt,
    executor: null,
    message: '',
    error: null,
    warnings: [],
    undoneBy: null,
    undoneAt: null,
    ...extra,
  };
}

function audit(): AuditRecord[] {
  const out: AuditRecord[] = [];
  const add = (time: string, outcome: AuditRecord['outcome'], detail: string) => out.push(chainedRecord(out.at(-1), { actor: 'admin', action: 'rollback.start', outcome, detail, source: 'cli' }, time));
  add('2026-11-30T23:00:00.000Z', 'refused', 'before the period');
  add('2026-12-02T08:00:00.000Z', 'refused', 'authentication refused');
  add('2026-12-02T08:01:00.000Z', 'started', 'rollback:quick');
  return out;
}

function input(from: string, to?: string): ComplianceReportInput {
  return {
    period: parseReportPeriod(from, to, NOW),
    recoveryPoints: [
      point('rp-1', '2026-11-30T01:00:00.000Z'),
      point('rp-2', '2026-12-01T01:00:00.000Z', { lastDrill: { at: '2026-12-03T01:00:00.000Z', durationMs: 1200, items: 10, result: 'passed', detail: 'restored to scratch' } }),
      point('rp-3', '2026-12-02T01:00:00.000Z', { status: 'PartiallyFailed', verifiedAt: null, error: 'agents: table missing' }),
    ],
    rollbacks: [rollback('rb-1', '2026-12-02T08:01:00.000Z'), rollback('rb-2', '2026-12-02T09:00:00.000Z', { kind: 'undo', command: 'rollback:undo', phase: 'Completed' })],
    auditRecords: audit(),
    auditChain: { ok: true, records: 3, problems: [] },
  };
}

describe('the report period', () => {
  it('a date is the whole day in UTC; a date-time without offset is UTC; --to defaults to now', () => {
    expect(parseReportPeriod('2026-12-01', '2026-12-02', NOW)).toEqual({ from: new Date('2026-12-01T00:00:00.000Z'), to: new Date('2026-12-02T23:59:59.999Z') });
    expect(parseReportPeriod('2026-12-01T08:00', '2026-12-01T10:00:00+02:00', NOW)).toEqual({ from: new Date('2026-12-01T08:00:00.000Z'), to: new Date('2026-12-01T08:00:00.000Z') });
    expect(parseReportPeriod('2026-12-01', undefined, NOW).to).toEqual(NOW);
  });

  it.each([
    [undefined, undefined, '--from is required'],
    ['yesterday', undefined, '--from must be an ISO date'],
    ['2026-02-30', undefined, '--from must be an ISO date'],
    ['2026-12-01', '2026-12-01T24:00', '--to must be an ISO date'],
    ['2026-12-03', '2026-12-02', 'is after --to'],
  ])('--from=%s --to=%s is bad usage', (from, to, message) => {
    expect(() => parseReportPeriod(from, to, NOW)).toThrow(ValidationError);
    expect(() => parseReportPeriod(from, to, NOW)).toThrow(message);
  });
});

describe('buildComplianceReport', () => {
  it('keeps what happened in the period, oldest first', () => {
    const report = buildComplianceReport(input('2026-12-01', '2026-12-05'));
    expect(report.backups.map((b) => [b.recoveryPointId, b.status, b.items, b.bytes])).toEqual([
      ['rp-2', 'Completed', 10, 100],
      ['rp-3', 'PartiallyFailed', 10, 100],
    ]);
    expect(report.verifications.map((v) => v.recoveryPointId)).toEqual(['rp-2']);
    expect(report.drills).toEqual([expect.objectContaining({ recoveryPointId: 'rp-2', result: 'passed' })]);
    expect(report.rollbacks.map((r) => [r.rollbackId, r.kind, r.initiator, r.phase])).toEqual([
      ['rb-1', 'rollback', 'admin', 'Completed'],
      ['rb-2', 'undo', 'admin', 'Completed'],
    ]);
    expect(report.refusals).toEqual([{ seq: 2, time: '2026-12-02T08:00:00.000Z', actor: 'admin', action: 'rollback.start', detail: 'authentication refused', source: 'cli' }]);
    expect(report.auditChain).toEqual({ ok: true, records: 3, problems: [] });
  });

  it('Markdown: every heading, and empty sections said so', () => {
    const quiet = complianceReportMarkdown(buildComplianceReport(input('2026-12-06')), NOW);
    for (const heading of ['# Compliance report', '## Summary', '## Backups', '## Verifications', '## Drills', '## Rollbacks and undos', '## Refusals', '## Audit trail']) {
      expect(quiet).toContain(heading);
    }
    expect(quiet).toContain('No recovery points were created in the period.');
    expect(quiet).toContain('No drills recorded in the period.');
    expect(quiet).toContain('No refusals in the period.');
    const busy = complianceReportMarkdown(buildComplianceReport(input('2026-12-01', '2026-12-05')), NOW);
    expect(busy).toMatch(/^\| rp-3 \| .* \| PartiallyFailed \| - \|/m);
    // A reason with a column break stays in its cell.
    expect(busy).toContain('bad deploy \\| at 02:10');
  });

  it('a failed audit-trail verification is the report\'s warning', () => {
    const broken = { ...input('2026-12-01'), auditChain: { ok: false, records: 3, problems: [{ seq: 2, problem: 'removed' as const, copy: 'table' as const, detail: 'record 2 is in the audit bucket but not in the table' }] } };
    const markdown = complianceReportMarkdown(buildComplianceReport(broken), NOW);
    expect(markdown).toContain('**failed verification**');
    expect(markdown).toContain('- record 2: removed (table)');
  });
});
