import { describe, expect, it } from 'vitest';
import type { RecoveryPointRecord, RecoveryPointStatus } from '../../src/core/catalog.js';
import type { RetentionPolicy } from '../../src/core/plan.js';
import { decideRetention } from '../../src/core/retention.js';

const NOW = new Date('2026-03-16T12:00:00.000Z');
const DEFAULT_POLICY: RetentionPolicy = { keepLast: 0, hourly: 0, daily: 7, weekly: 4, monthly: 6 };
const NOTHING: RetentionPolicy = { keepLast: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0 };

function point(createdAt: string, options: { status?: RecoveryPointStatus; verified?: boolean; id?: string } = {}): RecoveryPointRecord {
  const status = options.status ?? 'Completed';
  const verified = options.verified ?? status === 'Completed';
  return {
    recoveryPointId: options.id ?? `rp-${createdAt}`,
    createdAt,
    completedAt: status === 'InProgress' ? null : createdAt,
    type: 'incremental',
    status,
    verifiedAt: verified ? createdAt : null,
    snapshots: [],
    checks: [],
    labels: {},
    lastDrill: null,
    owner: status === 'InProgress' ? { host: 'host', pid: 1234 } : null,
    leaseUntil: null,
    error: null,
  };
}

/** One verified, Completed point a day at 06:00 UTC, from 2026-02-15 to 2026-03-16 (30 points). */
function thirtyDailyPoints(): RecoveryPointRecord[] {
  return Array.from({ length: 30 }, (_, i) => point(new Date(Date.UTC(2026, 1, 15 + i, 6)).toISOString()));
}

function day(p: { recoveryPointId: string }): string {
  return p.recoveryPointId.slice(3, 13);
}

function keptDays(points: readonly RecoveryPointRecord[], policy: RetentionPolicy): string[] {
  return decideRetention(points, policy, NOW, () => false)
    .filter((d) => d.keep)
    .map(day)
    .sort()
    .reverse();
}

function decisionFor(points: readonly RecoveryPointRecord[], policy: RetentionPolicy, id: string, isLive: () => boolean = () => false) {
  const found = decideRetention(points, policy, NOW, isLive).find((d) => d.recoveryPointId === id);
  if (!found) throw new Error(`no decision for ${id}`);
  return found;
}

describe('decideRetention over 30 daily points', () => {
  it.each<{ case: string; policy: RetentionPolicy; kept: string[] }>([
    {
      case: 'the default policy keeps 7 days, the newest point of 4 ISO weeks and of each month',
      policy: DEFAULT_POLICY,
      kept: [
        // daily: the 7 newest days
        '2026-03-16', '2026-03-15', '2026-03-14', '2026-03-13', '2026-03-12', '2026-03-11', '2026-03-10',
        // weekly: newest of the weeks starting 03-16, 03-09 (03-15, kept already), 03-02 and 02-23
        '2026-03-08', '2026-03-01',
        // monthly: newest of March (03-16) and of February
        '2026-02-28',
      ],
    },
    {
      case: 'daily only keeps that many newest days',
      policy: { ...NOTHING, daily: 3 },
      kept: ['2026-03-16', '2026-03-15', '2026-03-14'],
    },
    {
      case: 'weekly only keeps the newest point of each of the newest weeks',
      policy: { ...NOTHING, weekly: 6 },
      kept: ['2026-03-16', '2026-03-15', '2026-03-08', '2026-03-01', '2026-02-22', '2026-02-15'],
    },
    {
      case: 'monthly only keeps the newest point of each month, plus the newest point 24 h old',
      policy: { ...NOTHING, monthly: 6 },
      kept: ['2026-03-16', '2026-03-15', '2026-02-28'],
    },
    {
      case: 'keepLast keeps the newest points whatever their period',
      policy: { ...NOTHING, keepLast: 4 },
      kept: ['2026-03-16', '2026-03-15', '2026-03-14', '2026-03-13'],
    },
    {
      case: 'hourly counts hours that have points, here one a day',
      policy: { ...NOTHING, hourly: 5 },
      kept: ['2026-03-16', '2026-03-15', '2026-03-14', '2026-03-13', '2026-03-12'],
    },
  ])('$case', ({ policy, kept }) => {
    // Arrange
    const points = thirtyDailyPoints();

    // Act
    const result = keptDays(points, policy);

    // Assert
    expect(result).toEqual(kept);
  });

  it('gives one decision per point, in the order given, with the reasons for each kept one', () => {
    // Arrange
    const points = thirtyDailyPoints();

    // Act
    const decisions = decideRetention(points, DEFAULT_POLICY, NOW, () => false);
    const reasons = new Map(decisions.map((d) => [day(d), d.reasons]));

    // Assert
    expect(decisions.map((d) => d.recoveryPointId)).toEqual(points.map((p) => p.recoveryPointId));
    expect(reasons.get('2026-03-16')).toEqual(['daily', 'weekly', 'monthly', 'newest verified']);
    expect(reasons.get('2026-03-15')).toEqual(['daily', 'weekly', 'newest verified at least 24 h old']);
    expect(reasons.get('2026-03-08')).toEqual(['weekly']);
    expect(reasons.get('2026-02-28')).toEqual(['monthly']);
    expect(reasons.get('2026-03-09')).toEqual([]);
    expect(decisions.filter((d) => !d.keep)).toHaveLength(20);
  });

  it('does not depend on the order the points are given in', () => {
    // Arrange
    const points = thirtyDailyPoints();
    const shuffled = points.filter((_, i) => i % 2 === 0).concat(points.filter((_, i) => i % 2 === 1).reverse());

    // Act / Assert
    expect(keptDays(shuffled, DEFAULT_POLICY)).toEqual(keptDays(points, DEFAULT_POLICY));
  });
});

describe('decideRetention safety rules', () => {
  it('keeps the newest verified point and the newest verified point at least 24 h old with every count at 0', () => {
    // Arrange
    const points = [
      point('2026-03-16T11:00:00.000Z', { verified: false, id: 'newest-unverified' }),
      point('2026-03-16T08:00:00.000Z', { id: 'newest-verified' }),
      point('2026-03-15T13:00:00.000Z', { id: 'only-23h-old' }),
      point('2026-03-15T11:00:00.000Z', { id: 'day-old' }),
      point('2026-03-14T11:00:00.000Z', { id: 'older' }),
    ];

    // Act
    const decisions = decideRetention(points, NOTHING, NOW, () => false);

    // Assert
    expect(decisions.map((d) => [d.recoveryPointId, d.keep])).toEqual([
      ['newest-unverified', false],
      ['newest-verified', true],
      ['only-23h-old', false],
      ['day-old', true],
      ['older', false],
    ]);
    expect(decisions[1]?.reasons).toEqual(['newest verified']);
    expect(decisions[3]?.reasons).toEqual(['newest verified at least 24 h old']);
  });

  it('counts a point exactly 24 h old as old enough', () => {
    // Arrange
    const points = [point('2026-03-16T11:00:00.000Z', { id: 'new' }), point('2026-03-15T12:00:00.000Z', { id: 'exactly-24h' })];

    // Act / Assert
    expect(decisionFor(points, NOTHING, 'exactly-24h').keep).toBe(true);
  });

  it.each<{ case: string; status: RecoveryPointStatus; verified: boolean }>([
    { case: 'Inconsistent', status: 'Inconsistent', verified: true },
    { case: 'PartiallyFailed', status: 'PartiallyFailed', verified: true },
    { case: 'Corrupt', status: 'Corrupt', verified: true },
    { case: 'Completed but unverified', status: 'Completed', verified: false },
  ])('does not treat a $case point as the newest verified one', ({ status, verified }) => {
    // Arrange
    const points = [point('2026-03-16T11:00:00.000Z', { status, verified, id: 'candidate' }), point('2026-03-16T10:00:00.000Z', { id: 'good' })];

    // Act
    const decisions = decideRetention(points, NOTHING, NOW, () => false);

    // Assert
    expect(decisions.map((d) => [d.recoveryPointId, d.keep])).toEqual([
      ['candidate', false],
      ['good', true],
    ]);
  });

  it.each<{ case: string; policy: RetentionPolicy }>([
    { case: 'the default policy', policy: DEFAULT_POLICY },
    { case: 'keepLast', policy: { ...NOTHING, keepLast: 10 } },
    { case: 'hourly', policy: { ...NOTHING, hourly: 10 } },
  ])('never keeps a Failed point, even the newest, under $case', ({ policy }) => {
    // Arrange
    const points = [
      point('2026-03-16T11:00:00.000Z', { status: 'Failed', id: 'failed-new' }),
      point('2026-03-16T09:00:00.000Z', { id: 'good' }),
      point('2026-03-10T09:00:00.000Z', { status: 'Failed', verified: true, id: 'failed-old' }),
    ];

    // Act
    const decisions = decideRetention(points, policy, NOW, () => true);

    // Assert
    expect(decisions.filter((d) => d.recoveryPointId.startsWith('failed')).map((d) => d.keep)).toEqual([false, false]);
  });

  it.each([
    { case: 'keeps a point still being taken by a live owner', live: true, keep: true, reasons: ['being taken'] },
    { case: 'drops an in-progress point whose owner died', live: false, keep: false, reasons: [] },
  ])('$case', ({ live, keep, reasons }) => {
    // Arrange
    const points = [point('2026-03-16T11:50:00.000Z', { status: 'InProgress', id: 'running' }), point('2026-03-16T09:00:00.000Z', { id: 'good' })];
    const asked: string[] = [];

    // Act
    const decision = decisionFor(points, DEFAULT_POLICY, 'running', () => {
      asked.push('running');
      return live;
    });

    // Assert
    expect(decision.keep).toBe(keep);
    expect(decision.reasons).toEqual(reasons);
    expect(asked).toContain('running');
  });

  it('does not let an in-progress point take a daily slot from a finished one', () => {
    // Arrange: a live run today, and the day's finished point an hour earlier.
    const points = [
      point('2026-03-16T11:50:00.000Z', { status: 'InProgress', id: 'running' }),
      point('2026-03-16T10:50:00.000Z', { id: 'today' }),
      point('2026-03-15T10:50:00.000Z', { id: 'yesterday' }),
    ];

    // Act
    const today = decisionFor(points, { ...NOTHING, daily: 1 }, 'today', () => true);

    // Assert
    expect(today.reasons).toContain('daily');
  });

  it('prefers within a day a verified Completed point over a newer Inconsistent one', () => {
    // Arrange: day 03-15 has an Inconsistent point after a good one; none is 24 h old at NOW.
    const now = new Date('2026-03-16T02:00:00.000Z');
    const points = [
      point('2026-03-16T01:00:00.000Z', { id: 'today' }),
      point('2026-03-15T21:00:00.000Z', { status: 'Inconsistent', verified: true, id: 'inconsistent' }),
      point('2026-03-15T20:00:00.000Z', { id: 'completed' }),
    ];

    // Act
    const decisions = decideRetention(points, { ...NOTHING, daily: 2 }, now, () => false);
    const byId = new Map(decisions.map((d) => [d.recoveryPointId, d]));

    // Assert
    expect(byId.get('completed')?.keep).toBe(true);
    expect(byId.get('completed')?.reasons).toEqual(['daily']);
    expect(byId.get('inconsistent')?.keep).toBe(false);
    expect(byId.get('today')?.reasons).toEqual(['daily', 'newest verified']);
  });

  it('keeps the newest point of a day when no point of that day is verified and Completed', () => {
    // Arrange
    const now = new Date('2026-03-16T02:00:00.000Z');
    const points = [
      point('2026-03-15T21:00:00.000Z', { status: 'Inconsistent', verified: false, id: 'newer' }),
      point('2026-03-15T20:00:00.000Z', { status: 'Completed', verified: false, id: 'older' }),
    ];

    // Act
    const decisions = decideRetention(points, { ...NOTHING, daily: 1 }, now, () => false);

    // Assert
    expect(decisions.map((d) => [d.recoveryPointId, d.keep])).toEqual([
      ['newer', true],
      ['older', false],
    ]);
  });

  it('decides nothing for no points', () => {
    expect(decideRetention([], DEFAULT_POLICY, NOW, () => false)).toEqual([]);
  });
});
