/**
 * The scheduled-job Lambda: it runs a backup, retention, the health check or the drill and
 * publishes their figures as CloudWatch embedded-metric-format lines, platform-wide and per
 * component (what the alarms of issue 7 watch). The services are fakes with the shapes the job
 * reads; the metrics are Powertools', captured from stdout.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, ValidationError, WingError } from '../../src/core/errors.js';
import type { AuditEntry } from '../../src/core/audit-trail.js';
import { defaultPlan } from '../../src/core/plan.js';
import { METRICS_NAMESPACE, scheduledJobHandler, type ScheduledJobServices } from '../../lambdas/scheduled-job.js';

const notExpected = (): Promise<never> => Promise.reject(new Error('not expected'));

function fakeServices(
  overrides: { check?: () => Promise<unknown>; run?: () => Promise<unknown>; point?: () => Promise<unknown>; snapshot?: (c: string) => Promise<unknown>; retention?: () => Promise<unknown> },
  audited: AuditEntry[] = [],
): () => Promise<ScheduledJobServices> {
  const services = {
    plan: defaultPlan(),
    healthWatch: { check: overrides.check ?? notExpected },
    drills: { run: overrides.run ?? notExpected },
    backups: { createRecoveryPoint: overrides.point ?? notExpected, createComponentSnapshot: overrides.snapshot ?? notExpected, applyRetention: overrides.retention ?? notExpected },
    audit: {
      append: (e: AuditEntry) => {
        audited.push(e);
        return Promise.resolve({ ...e, seq: audited.length, time: '', prevHash: '', hash: '' });
      },
    },
  } as unknown as ScheduledJobServices;
  return () => Promise.resolve(services);
}

type Emf = { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] } } & Record<string, unknown>;

/** The EMF documents written to stdout while `fn` runs. */
async function emitted(fn: () => Promise<unknown>): Promise<{ result: unknown; documents: Record<string, unknown>[] }> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    const result = await fn().catch((err: unknown) => err);
    return { result, documents: lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>) };
  } finally {
    spy.mockRestore();
  }
}

const healthReport = (status: 'healthy' | 'degraded', transitions: unknown[]) => ({
  status,
  checkedAt: '2026-12-01T12:00:00.000Z',
  components: [{ component: 'auth', status, checks: [{ name: 'administrator-present', component: 'auth', ok: status === 'healthy', detail: 'x' }] }],
  transitions,
});

describe('scheduled-job Lambda', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('health: publishes HealthLevel, FailingChecks and HealthTransitions under the WingRollback namespace with the Job dimension', async () => {
    const handler = scheduledJobHandler(fakeServices({ check: () => Promise.resolve(healthReport('degraded', [{ from: 'healthy', to: 'degraded' }])) }), new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'test' }));
    const { result, documents } = await emitted(() => handler({ job: 'health' }));
    expect(result).toMatchObject({ job: 'health', outcome: 'succeeded', detail: 'platform degraded (platform healthy -> degraded)' });
    // The platform's figures, then one document per component figure (auth: level, failing checks).
    expect(documents).toHaveLength(3);
    const doc = documents[0] ?? {};
    expect(doc).toMatchObject({ Job: 'health', HealthLevel: 1, FailingChecks: 1, HealthTransitions: 1 });
    const aws = doc._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
    expect(aws.CloudWatchMetrics[0]?.Namespace).toBe('WingRollback');
    expect(aws.CloudWatchMetrics[0]?.Dimensions[0]).toContain('Job');
    expect(aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name).sort()).toEqual(['FailingChecks', 'HealthLevel', 'HealthTransitions']);
  });

  it('drill: a failed drill is a result (DrillFailed 1, duration in ms), not an invocation error', async () => {
    const run = () => Promise.resolve({ recoveryPointId: 'rp-1', record: { result: 'failed', durationMs: 1234, items: 10 } });
    const handler = scheduledJobHandler(fakeServices({ run }), new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'test' }));
    const { result, documents } = await emitted(() => handler({ job: 'drill' }));
    expect(result).toMatchObject({ job: 'drill', outcome: 'failed' });
    expect(documents[0]).toMatchObject({ DrillPassed: 0, DrillFailed: 1, DrillDurationMs: 1234, DrillItems: 10 });
    const aws = documents[0]?._aws as { CloudWatchMetrics: { Metrics: { Name: string; Unit: string }[] }[] };
    expect(aws.CloudWatchMetrics[0]?.Metrics.find((m) => m.Name === 'DrillDurationMs')?.Unit).toBe('Milliseconds');
  });

  it('a job refused by the lock is a skip (JobSkipped); one that cannot run fails the invocation (JobFailed); bad input is refused', async () => {
    const skipped = scheduledJobHandler(fakeServices({ run: () => Promise.reject(new ConflictError('the rollback lock is held by rb-1')) }), new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'test' }));
    const s = await emitted(() => skipped({ job: 'drill' }));
    expect(s.result).toMatchObject({ outcome: 'skipped' });
    expect(s.documents[0]).toMatchObject({ JobSkipped: 1 });

    const failing = scheduledJobHandler(fakeServices({ check: () => Promise.reject(new Error('DynamoDB is unreachable')) }), new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'test' }));
    const f = await emitted(() => failing({ job: 'health' }));
    expect(f.result).toBeInstanceOf(WingError);
    expect((f.result as Error).message).toBe('scheduled health failed: DynamoDB is unreachable');
    expect(f.documents[0]).toMatchObject({ JobFailed: 1 });

    await expect(failing({ job: 'backups' })).rejects.toBeInstanceOf(ValidationError);
    await expect(failing({ job: 'health', components: ['auth'] })).rejects.toBeInstanceOf(ValidationError);
  });

  it("health: each component's level and failing checks also go out with the Component dimension", async () => {
    const handler = scheduledJobHandler(fakeServices({ check: () => Promise.resolve(healthReport('degraded', [])) }), new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'test' }));
    const { documents } = await emitted(() => handler({ job: 'health' }));
    const perComponent = (documents as Emf[]).filter((d) => d.Component === 'auth');
    expect(perComponent.map((d) => [d.Job, Object.keys(d).find((k) => k === 'HealthLevel' || k === 'FailingChecks')])).toEqual([
      ['health', 'HealthLevel'],
      ['health', 'FailingChecks'],
    ]);
    expect(perComponent[0]?.HealthLevel).toBe(1);
    expect(perComponent[0]?._aws.CloudWatchMetrics[0]?.Dimensions[0]).toEqual(expect.arrayContaining(['Job', 'Component']));
  });

  it('backup of every component: a recovery point, audited, with duration, items and stored bytes per component', async () => {
    const audited: AuditEntry[] = [];
    const point = () =>
      Promise.resolve({
        recoveryPointId: 'rp-1',
        status: 'Completed',
        error: null,
        snapshots: [
          { component: 'vision-lake', snapshotId: 's1', items: 200, bytes: 5000, logicalBytes: 90000 },
          { component: 'auth', snapshotId: 's2', items: 20, bytes: 700, logicalBytes: 4000 },
        ],
      });
    const handler = scheduledJobHandler(fakeServices({ point }, audited), new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'test' }));
    const { result, documents } = await emitted(() => handler({ job: 'backup' }));
    expect(result).toMatchObject({ job: 'backup', outcome: 'succeeded', detail: 'rp-1 Completed' });
    expect(documents[0]).toMatchObject({ Job: 'backup', BackupSucceeded: 1, BackupFailed: 0, BackupItems: 220 });
    const units = Object.fromEntries((documents[0] as Emf)._aws.CloudWatchMetrics[0]?.Metrics.map((m) => [m.Name, m.Unit]) ?? []);
    expect(units.BackupDurationMs).toBe('Milliseconds');
    const stored = (documents as Emf[]).filter((d) => 'BackupStoredBytes' in d).map((d) => [d.Component, d.BackupStoredBytes, d._aws.CloudWatchMetrics[0]?.Metrics[0]?.Unit]);
    expect(stored).toEqual([
      ['vision-lake', 5000, 'Bytes'],
      ['auth', 700, 'Bytes'],
    ]);
    expect(audited.map((e) => [e.actor, e.action, e.outcome, e.source, e.detail])).toEqual([['system', 'backup.scheduled', 'succeeded', 'scheduler', 'rp-1 Completed']]);
  });

  it('a recovery point that is not Completed is a failed backup (BackupFailed 1) the alarm sees at once', async () => {
    const point = () => Promise.resolve({ recoveryPointId: 'rp-2', status: 'PartiallyFailed', error: 'agents: table missing', snapshots: [] });
    const handler = scheduledJobHandler(fakeServices({ point }), new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'test' }));
    const { result, documents } = await emitted(() => handler({ job: 'backup', components: ['vision-lake', 'auth', 'agents', 'squadrons'] }));
    expect(result).toMatchObject({ outcome: 'failed', detail: 'rp-2 PartiallyFailed: agents: table missing' });
    expect(documents[0]).toMatchObject({ BackupSucceeded: 0, BackupFailed: 1 });
  });

  it('backup of some components: a snapshot each; one failing does not stop the other, and the run counts as failed', async () => {
    const audited: AuditEntry[] = [];
    const snapshot = (c: string) => (c === 'auth' ? Promise.reject(new Error('auth table throttled')) : Promise.resolve({ snapshotId: `snap-${c}`, itemCount: 48, storedBytes: 300, logicalBytes: 9000 }));
    const handler = scheduledJobHandler(fakeServices({ snapshot }, audited), new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'test' }));
    const { result, documents } = await emitted(() => handler({ job: 'backup', components: ['auth', 'agents'] }));
    expect(result).toMatchObject({ outcome: 'failed', detail: 'auth failed: auth table throttled; agents snap-agents' });
    const byComponent = (documents as Emf[]).filter((d) => d.Component !== undefined).map((d) => `${String(d.Component)} ${Object.keys(d).filter((k) => k.startsWith('Backup')).join(',')}`);
    expect(byComponent).toEqual(expect.arrayContaining(['auth BackupSucceeded', 'auth BackupFailed', 'agents BackupItems', 'agents BackupStoredBytes']));
    expect(audited[0]).toMatchObject({ action: 'backup.scheduled', outcome: 'failed' });
    // An unknown component is a mistake in the schedule: the job fails saying which.
    const unknown = await emitted(() => handler({ job: 'backup', components: ['billing'] }));
    expect(unknown.result).toBeInstanceOf(WingError);
    expect((unknown.result as Error).message).toMatch(/unknown component\(s\) billing; the plan has vision-lake, auth, agents, squadrons/);
  });

  it('retention: points and bytes pruned, audited; refused by the lock it is a skip', async () => {
    const audited: AuditEntry[] = [];
    const retention = () => Promise.resolve({ deletedRecoveryPoints: ['rp-a', 'rp-b'], deletedSnapshots: ['s1', 's2', 's3'], freedBytes: 4096 });
    const handler = scheduledJobHandler(fakeServices({ retention }, audited), new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'test' }));
    const { result, documents } = await emitted(() => handler({ job: 'retention' }));
    expect(result).toMatchObject({ outcome: 'succeeded', detail: '2 point(s) removed, 4096 bytes freed' });
    expect(documents[0]).toMatchObject({ PrunedRecoveryPoints: 2, PrunedSnapshots: 3, FreedBytes: 4096 });
    const locked = scheduledJobHandler(fakeServices({ retention: () => Promise.reject(new ConflictError('the rollback lock is held by rb-9')) }, audited), new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'test' }));
    expect((await emitted(() => locked({ job: 'retention' }))).result).toMatchObject({ outcome: 'skipped' });
    expect(audited.map((e) => `${e.action} ${e.outcome}`)).toEqual(['retention.scheduled succeeded', 'retention.scheduled refused']);
  });
});
