/**
 * The plan's EventBridge schedule expressions as the local scheduler reads them, and what a
 * scheduled run does: a recovery point when one schedule covers every component, retention on its
 * own schedule, a skip (not a failure) when the mode forbids it, never two runs of one schedule
 * at once.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditEntry } from '../../src/core/audit-trail.js';
import { ConflictError } from '../../src/core/errors.js';
import { defaultPlan, parsePlan } from '../../src/core/plan.js';
import { localSchedule } from '../../src/core/schedule-expression.js';
import { startLocalScheduler } from '../../src/local/local-scheduler.js';
import type { BackupManager } from '../../src/rollback/backup-manager.js';
import type { HealthWatch } from '../../src/rollback/health-watch.js';
import type { RestoreDrill } from '../../src/rollback/restore-drill.js';

describe('localSchedule', () => {
  it.each([
    ['rate(1 minute)', { kind: 'rate', everyMs: 60_000 }],
    ['rate(5 minutes)', { kind: 'rate', everyMs: 300_000 }],
    ['rate(1 hour)', { kind: 'rate', everyMs: 3_600_000 }],
    ['rate(2 days)', { kind: 'rate', everyMs: 172_800_000 }],
    ['cron(0 3 * * ? *)', { kind: 'cron', pattern: '0 3 * * *' }],
    ['cron(15 2 ? * 1 *)', { kind: 'cron', pattern: '15 2 * * 0' }],
    ['cron(0 */6 ? * MON-FRI *)', { kind: 'cron', pattern: '0 */6 * * MON-FRI' }],
    ['cron(0 4 ? * 2-6 *)', { kind: 'cron', pattern: '0 4 * * 1-5' }],
  ])('%s', (expression, expected) => {
    expect(localSchedule(expression)).toEqual(expected);
  });

  it.each(['rate(0 minutes)', 'cron(0 3 * * ? 2027)', 'cron(0 3 * * ?)', 'every hour'])('refuses %s', (expression) => {
    expect(() => localSchedule(expression)).toThrow(/rate|cron|year|at least/);
  });
});

describe('startLocalScheduler', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function fakeBackups(behaviour: { point?: () => Promise<unknown> } = {}): { backups: BackupManager; calls: string[] } {
    const calls: string[] = [];
    const backups = {
      createRecoveryPoint: (options: { scheduled?: boolean }) => {
        calls.push(`point scheduled=${String(options.scheduled)}`);
        return (behaviour.point ?? (() => Promise.resolve({ recoveryPointId: 'rp-1', status: 'Completed', error: null, snapshots: [] })))();
      },
      applyRetention: (options: { scheduled?: boolean }) => {
        calls.push(`retention scheduled=${String(options.scheduled)}`);
        return Promise.resolve({ deletedRecoveryPoints: [], deletedSnapshots: [], freedBytes: 0 });
      },
      createComponentSnapshot: (component: string, options: { scheduled?: boolean }) => {
        calls.push(`snapshot ${component} scheduled=${String(options.scheduled)}`);
        return Promise.resolve({ snapshotId: `snap-${component}` });
      },
    } as unknown as BackupManager;
    return { backups, calls };
  }

  function planWith(schedules: Record<string, string>, rest: Record<string, unknown> = {}): ReturnType<typeof defaultPlan> {
    const base = defaultPlan();
    return parsePlan({ components: base.components.map((c) => ({ ...c, schedule: schedules[c.name] ?? c.schedule })), ...rest });
  }

  it('one schedule for every component takes a recovery point; retention runs on its own schedule; each run audited', async () => {
    vi.useFakeTimers();
    const { backups, calls } = fakeBackups();
    const lines: string[] = [];
    const audited: AuditEntry[] = [];
    const audit = { append: (e: AuditEntry) => { audited.push(e); return Promise.resolve({ ...e, seq: audited.length, time: '', prevHash: '', hash: '' }); }, list: () => Promise.resolve([]), all: () => Promise.resolve([]) };
    const plan = planWith({ 'vision-lake': 'rate(1 minute)', auth: 'rate(1 minute)', agents: 'rate(1 minute)', squadrons: 'rate(1 minute)' }, { retentionSchedule: 'rate(2 minutes)' });
    const scheduler = startLocalScheduler({ plan, backups, audit, report: (l) => lines.push(l) });
    expect(scheduler.schedules).toEqual([
      { expression: 'rate(1 minute)', components: ['vision-lake', 'auth', 'agents', 'squadrons'] },
      { expression: 'rate(2 minutes)', components: [], job: 'retention' },
    ]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual(['point scheduled=true']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual(['point scheduled=true', 'point scheduled=true', 'retention scheduled=true']);
    scheduler.stop();
    const count = calls.length;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toHaveLength(count);
    expect(lines).toEqual(['scheduled backup: rp-1 Completed', 'scheduled backup: rp-1 Completed', 'scheduled retention: 0 point(s) removed, 0 bytes freed']);
    expect(audited.map((e) => [e.actor, e.action, e.outcome, e.source])).toEqual([
      ['system', 'backup.scheduled', 'succeeded', 'scheduler'],
      ['system', 'backup.scheduled', 'succeeded', 'scheduler'],
      ['system', 'retention.scheduled', 'succeeded', 'scheduler'],
    ]);
  });

  it('the default plan prunes once a day, not after every hourly backup', () => {
    const scheduler = startLocalScheduler({ plan: defaultPlan(), backups: fakeBackups().backups, report: () => undefined });
    scheduler.stop();
    expect(scheduler.schedules).toContainEqual({ expression: 'rate(1 day)', components: [], job: 'retention' });
  });

  it('runs an EventBridge cron with a numeric step start (cron(0/30 * * * ? *)) every 30 minutes', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-01T10:05:00Z'));
    let checks = 0;
    const healthWatch = { check: () => { checks += 1; return Promise.resolve({ status: 'healthy', checkedAt: '', components: [], transitions: [] }); } } as unknown as Pick<HealthWatch, 'check'>;
    const scheduler = startLocalScheduler({ plan: planWith({}, { healthSchedule: 'cron(0/30 * * * ? *)' }), backups: fakeBackups().backups, healthWatch, report: () => undefined });
    expect(scheduler.schedules).toContainEqual({ expression: 'cron(0/30 * * * ? *)', components: [], job: 'health check' });
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    scheduler.stop();
    // 10:30 and 11:00.
    expect(checks).toBe(2);
  });

  it('components on their own schedule get a snapshot each', async () => {
    vi.useFakeTimers();
    const { backups, calls } = fakeBackups();
    const scheduler = startLocalScheduler({ plan: planWith({ auth: 'rate(1 minute)' }), backups, report: () => undefined });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual(['snapshot auth scheduled=true']);
    scheduler.stop();
  });

  it('runs restore drills on the plan\'s drillSchedule, each audited with its result; a drill refused by the lock is a skip', async () => {
    vi.useFakeTimers();
    const { backups } = fakeBackups();
    const results: (() => Promise<unknown>)[] = [
      () => Promise.resolve({ recoveryPointId: 'rp-1', record: { result: 'passed', durationMs: 1200, items: 40 } }),
      () => Promise.resolve({ recoveryPointId: 'rp-1', record: { result: 'failed', durationMs: 900, items: 10 } }),
      () => Promise.reject(new ConflictError('the rollback lock is held by rb-1 for rollback: backups wait until it is released')),
    ];
    const drills = { run: () => (results.shift() ?? (() => Promise.reject(new Error('no more'))))() } as unknown as RestoreDrill;
    const audited: AuditEntry[] = [];
    const audit = { append: (e: AuditEntry) => { audited.push(e); return Promise.resolve({ ...e, seq: audited.length, time: '', prevHash: '', hash: '' }); }, list: () => Promise.resolve([]), all: () => Promise.resolve([]) };
    const lines: string[] = [];
    const plan = parsePlan({ components: defaultPlan().components, drillSchedule: 'rate(2 hours)' });
    const scheduler = startLocalScheduler({ plan, backups, drills, audit, report: (l) => lines.push(l) });
    expect(scheduler.schedules.at(-1)).toEqual({ expression: 'rate(2 hours)', components: [], job: 'restore drill' });
    await vi.advanceTimersByTimeAsync(6 * 3_600_000);
    scheduler.stop();
    const drillRuns = audited.filter((e) => e.action === 'drill.scheduled').map((e) => e.outcome);
    expect(drillRuns).toEqual(['succeeded', 'failed', 'refused']);
    expect(lines.filter((l) => l.includes('restore drill'))).toEqual([
      'scheduled restore drill: rp-1 passed in 1200 ms (40 items)',
      'scheduled restore drill: rp-1 failed in 900 ms (10 items)',
      'scheduled restore drill skipped: the rollback lock is held by rb-1 for rollback: backups wait until it is released',
    ]);
  });

  it('a run the mode forbids is skipped and said; a run still going makes the next one skip', async () => {
    vi.useFakeTimers();
    let release: () => void = () => undefined;
    const refused = fakeBackups({ point: () => Promise.reject(new ConflictError('the system is in safe mode: schedules are paused')) });
    const lines: string[] = [];
    const all = { 'vision-lake': 'rate(1 minute)', auth: 'rate(1 minute)', agents: 'rate(1 minute)', squadrons: 'rate(1 minute)' };
    const first = startLocalScheduler({ plan: planWith(all), backups: refused.backups, report: (l) => lines.push(l) });
    await vi.advanceTimersByTimeAsync(60_000);
    first.stop();
    expect(lines.at(-1)).toContain('skipped: the system is in safe mode');

    const slow = fakeBackups({ point: () => new Promise((resolve) => { release = () => { resolve({ recoveryPointId: 'rp-2', status: 'Completed', error: null, snapshots: [] }); }; }) });
    const second = startLocalScheduler({ plan: planWith(all), backups: slow.backups, report: (l) => lines.push(l) });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(slow.calls).toEqual(['point scheduled=true']);
    expect(lines.some((l) => l.includes('still going'))).toBe(true);
    release();
    await vi.advanceTimersByTimeAsync(0);
    second.stop();
  });
});
