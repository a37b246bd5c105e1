/**
 * Restore drills on DynamoDB Local and s3rver: a drill restores the newest point into scratch
 * tables and a scratch prefix, proves it (digests and validators), records the proof on the point,
 * emits its event and removes the copies; a corrupted pack makes it fail, mark the point Corrupt
 * and notify the administrators. Live data is never touched.
 */
import { CreateTableCommand, DeleteTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { hostname } from 'node:os';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRILL_PREFIX } from '../../src/adapters/scratch-copies.js';
import { defaultResourceNames } from '../../src/core/plan.js';
import { ManualClock } from '../../src/core/ports.js';
import { vaultLayout } from '../../src/core/vault-layout.js';
import { expectOutboxEventsValid } from '../support/event-validation.js';
import { startLocalTestEnv, tableState, type LocalTestEnv } from '../support/local-env.js';

const names = defaultResourceNames;
const TABLES = [names.visionLakeTable, names.authTable, names.agentsTable, names.squadronsTable];

describe('restore drills', () => {
  const clock = new ManualClock(new Date('2026-12-01T12:00:05Z'));
  let env: LocalTestEnv;

  const liveState = async (): Promise<unknown> => Promise.all(TABLES.map(async (t) => [...(await tableState(env, t)).entries()]));
  /** Tables and objects a drill may have left behind. */
  const leftovers = async (): Promise<{ tables: string[]; objects: number }> => {
    const tables = ((await env.runtime.dynamo.send(new ListTablesCommand({}))).TableNames ?? []).filter((t) => t.includes('-drill-'));
    const objects = (await env.runtime.s3.send(new ListObjectsV2Command({ Bucket: env.runtime.plan.vaultBucket, Prefix: DRILL_PREFIX }))).KeyCount ?? 0;
    return { tables, objects };
  };
  const notices = (): { topic: string; subject: string; message: string }[] =>
    readFileSync(env.runtime.paths.notifications, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"channel":"notification"'))
      .map((l) => JSON.parse(l) as { topic: string; subject: string; message: string });

  beforeAll(async () => {
    env = await startLocalTestEnv({ scale: 0.01, clock });
  });
  afterAll(async () => {
    await env.dispose();
  });

  it('after backup:create, a drill restores the point into scratch copies, records its proof, emits DrillCompleted and leaves nothing behind', async () => {
    clock.advance(60_000);
    const point = await env.runtime.services.backups.createRecoveryPoint();
    const before = await liveState();
    clock.advance(5_000);

    const outcome = await env.runtime.services.drills.run();

    expect(outcome.recoveryPointId).toBe(point.recoveryPointId);
    expect(outcome.record.result, outcome.record.detail).toBe('passed');
    expect(outcome.components.map((c) => [c.component, c.ok])).toEqual([
      ['vision-lake', true],
      ['auth', true],
      ['agents', true],
      ['squadrons', true],
    ]);
    // Every item of every snapshot was restored and re-hashed.
    expect(outcome.record.items).toBe(point.snapshots.reduce((n, s) => n + s.items, 0));
    const listed = (await env.runtime.services.backups.listRecoveryPoints()).find((p) => p.recoveryPointId === point.recoveryPointId);
    expect(listed?.lastDrill).toEqual(outcome.record);
    expect(listed?.lastDrill?.at).toBe(clock.now().toISOString());
    expect(listed?.verifiedAt).toBe(outcome.record.at);
    expect(await leftovers()).toEqual({ tables: [], objects: 0 });
    expect(await liveState()).toEqual(before);
    expect(expectOutboxEventsValid(env.runtime.paths.notifications).get('DrillCompleted')).toBe(1);
  });

  it('a flipped byte in a pack of the point makes the drill fail: the point is Corrupt, DrillFailed is emitted, the administrators are notified, the copies removed; once repaired, a drill passes and the point regains its status', async () => {
    const point = (await env.runtime.services.backups.listRecoveryPoints())[0];
    if (!point) throw new Error('no point');
    const ref = point.snapshots.find((s) => s.component === 'agents');
    if (!ref) throw new Error('no agents snapshot');
    const summary = await env.runtime.services.backups.vaultReader().readSummary('agents', ref.snapshotId);
    const packId = summary.packs[0];
    if (packId === undefined) throw new Error('no pack');
    const bucket = env.runtime.plan.vaultBucket;
    const listed = await env.runtime.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: vaultLayout.packsPrefix('agents') }));
    const key = listed.Contents?.map((o) => o.Key ?? '').find((k) => k.includes(packId));
    if (key === undefined) throw new Error(`no object for pack ${packId}`);
    const original = Buffer.from(await (await env.runtime.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToByteArray() ?? []);
    const damaged = Buffer.from(original);
    damaged[damaged.length - 20] = (damaged[damaged.length - 20] ?? 0) ^ 0xff;
    await env.runtime.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: damaged }));
    const noticesBefore = notices().length;
    const before = await liveState();

    clock.advance(60_000);
    const failed = await env.runtime.services.drills.run();

    expect(failed.record.result).toBe('failed');
    expect(failed.point.status).toBe('Corrupt');
    expect(failed.record.detail).toMatch(/agents|pack|decrypt|authenticat/i);
    expect((await env.runtime.services.backups.getRecoveryPoint(point.recoveryPointId)).lastDrill?.result).toBe('failed');
    expect(await leftovers()).toEqual({ tables: [], objects: 0 });
    expect(await liveState()).toEqual(before);
    const sent = notices().slice(noticesBefore);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.topic).toMatch(/wing-rollback-admin$/);
    expect(sent[0]?.subject).toContain(`restore drill FAILED for ${point.recoveryPointId}`);
    expect(sent[0]?.message).toContain('marked Corrupt');
    // A Corrupt point is never chosen automatically.
    expect((await env.runtime.services.backups.selectRecoveryPoint(0))?.recoveryPointId).not.toBe(point.recoveryPointId);

    await env.runtime.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: original }));
    clock.advance(60_000);
    const again = await env.runtime.services.drills.run({ recoveryPointId: point.recoveryPointId });
    expect(again.record.result, again.record.detail).toBe('passed');
    expect(again.point.status).toBe('Completed');
    expect((await env.runtime.services.backups.selectRecoveryPoint(0))?.recoveryPointId).toBe(point.recoveryPointId);
    const events = expectOutboxEventsValid(env.runtime.paths.notifications);
    expect(events.get('DrillFailed')).toBe(1);
    expect(events.get('DrillCompleted')).toBe(2);
  });

  it('removes the scratch copies a drill that died left behind, and keeps those of a drill still running (its lease is live)', async () => {
    const prefix = `${env.runtime.plan.systemTable}-drill`;
    const bucket = env.runtime.plan.vaultBucket;
    const table = (id: string): CreateTableCommand =>
      new CreateTableCommand({ TableName: `${prefix}-${id}-0`, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' });
    await env.runtime.dynamo.send(table('drill-dead'));
    await env.runtime.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${vaultLayout.drillPrefix('drill-dead')}vision-lake/0/doc`, Body: 'x' }));
    await env.runtime.dynamo.send(table('drill-alive'));
    await env.runtime.catalog.putBackupLease({ runId: 'drill-alive', owner: { host: hostname(), pid: process.pid }, startedAt: clock.now().toISOString(), leaseUntil: new Date(clock.now().getTime() + 600_000).toISOString() });
    clock.advance(60_000);

    const outcome = await env.runtime.services.drills.run();

    expect(outcome.record.result, outcome.record.detail).toBe('passed');
    expect(outcome.leftoversRemoved).toEqual(['drill-dead']);
    expect(await leftovers()).toEqual({ tables: [`${prefix}-drill-alive-0`], objects: 0 });
    await env.runtime.catalog.deleteBackupLease('drill-alive');
    await env.runtime.dynamo.send(new DeleteTableCommand({ TableName: `${prefix}-drill-alive-0` }));
  });

  it('a scheduled drill is paused in safe mode (a skip, nothing made), one an operator asks for still runs; during a rollback no drill runs', async () => {
    const modes = env.runtime.services.modes;
    const at = clock.now().toISOString();
    await modes.set({ mode: 'safe', changedAt: at, reason: 'investigating', rollbackId: null });
    try {
      await expect(env.runtime.services.drills.run({ scheduled: true })).rejects.toThrow(/safe mode .*schedules are paused/);
      expect(await leftovers()).toEqual({ tables: [], objects: 0 });
      expect((await env.runtime.services.drills.run()).record.result).toBe('passed');
      await modes.set({ mode: 'recovery', changedAt: at, reason: 'rollback', rollbackId: 'rb-test' });
      await expect(env.runtime.services.drills.run()).rejects.toThrow(/recovery mode/);
    } finally {
      await modes.set({ mode: 'normal', changedAt: at, reason: 'test over', rollbackId: null });
    }
  });
});
