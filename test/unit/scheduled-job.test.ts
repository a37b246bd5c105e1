/**
 * The scheduled-job Lambda: it runs the health check or the drill and publishes their figures as
 * CloudWatch embedded-metric-format lines (what the alarms of issue 7 watch). The services are
 * fakes with the shapes the job reads; the metrics are Powertools', captured from stdout.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, ValidationError, WingError } from '../../src/core/errors.js';
import type { RollbackServices } from '../../src/rollback/rollback-services.js';
import { METRICS_NAMESPACE, scheduledJobHandler } from '../../lambdas/scheduled-job.js';

type Services = Pick<RollbackServices, 'healthWatch' | 'drills'>;

function fakeServices(overrides: { check?: () => Promise<unknown>; run?: () => Promise<unknown> }): () => Promise<Services> {
  const services = {
    healthWatch: { check: overrides.check ?? (() => Promise.reject(new Error('not expected'))) },
    drills: { run: overrides.run ?? (() => Promise.reject(new Error('not expected'))) },
  } as unknown as Services;
  return () => Promise.resolve(services);
}

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
    expect(documents).toHaveLength(1);
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

    await expect(failing({ job: 'backup' })).rejects.toBeInstanceOf(ValidationError);
  });
});
