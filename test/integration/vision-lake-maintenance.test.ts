/**
 * vision-lake:status, vision-lake:verify and resync:vision-lake on DynamoDB Local and s3rver: each
 * fault of the index or the documents is found by status and verify, resync repairs what can be
 * derived from the documents (the health check agrees afterwards), orphans go only with --force,
 * recovery mode refuses the resync, and status counts the drift since the last backup.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusResult } from '../../src/cli/commands/vision-lake-actions.js';
import { TOTP_STEP_SECONDS, totpCode } from '../../src/core/credentials.js';
import { ConflictError, ExitCode, IntegrityError } from '../../src/core/errors.js';
import { defaultResourceNames } from '../../src/core/plan.js';
import { ManualClock } from '../../src/core/ports.js';
import { localRollbackOperations } from '../../src/local/local-rollback.js';
import type { RollbackOperations } from '../../src/rollback/rollback-operations.js';
import { describeResync, VisionLakeMaintenance, type ResyncReport } from '../../src/rollback/vision-lake-maintenance.js';
import { startLocalTestEnv, TEST_ADMIN, type LocalTestEnv } from '../support/local-env.js';
import { apiGatewayEvent, type ApiRequest } from '../support/api-events.js';
import { ZstdCompressor } from '../../src/adapters/zstd-compressor.js';
import { routeGroupHandler, type AdminApiDeps } from '../../src/api/admin-api.js';
import { sessionRoutes } from '../../src/api/routes/session-routes.js';
import { visionLakeRoutes } from '../../src/api/routes/vision-lake-routes.js';
import { localAdminApiDeps } from '../../src/local/local-admin-api.js';
import type { Context } from 'aws-lambda';

type Item = Record<string, AttributeValue>;
const table = defaultResourceNames.visionLakeTable;
const bucket = defaultResourceNames.visionLakeBucket;

/** A document body as s3rver holds it, to put back exactly. */
interface SavedBody {
  readonly key: string;
  readonly body: Uint8Array;
  readonly contentType: string | undefined;
  readonly metadata: Record<string, string> | undefined;
}

describe('vision-lake maintenance: status, verify and resync of the index against the documents', () => {
  const clock = new ManualClock(new Date('2026-12-01T12:00:05Z'));
  let env: LocalTestEnv;
  let ops: RollbackOperations;
  let maintenance: VisionLakeMaintenance;

  const entries = async (): Promise<Item[]> => {
    const out: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await env.runtime.dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      out.push(...(page.Items ?? []).filter((i) => i.bodyKey?.S !== undefined));
      start = page.LastEvaluatedKey;
    } while (start);
    return out.sort((a, b) => (a.pk?.S ?? '').localeCompare(b.pk?.S ?? ''));
  };
  const entryAt = async (index: number): Promise<Item> => {
    const found = (await entries())[index];
    if (!found) throw new Error(`no index entry ${String(index)}`);
    return found;
  };
  const getEntry = async (pk: string): Promise<Item | undefined> =>
    (await env.runtime.dynamo.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: 'META' } }, ConsistentRead: true }))).Item;
  const putEntry = (item: Item) => env.runtime.dynamo.send(new PutItemCommand({ TableName: table, Item: item }));
  const deleteEntry = (item: Item) => env.runtime.dynamo.send(new DeleteItemCommand({ TableName: table, Key: { pk: item.pk as AttributeValue, sk: item.sk as AttributeValue } }));
  const saveBody = async (key: string): Promise<SavedBody> => {
    const out = await env.runtime.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { key, body: (await out.Body?.transformToByteArray()) ?? new Uint8Array(), contentType: out.ContentType, metadata: out.Metadata };
  };
  const putBody = (saved: SavedBody) =>
    env.runtime.s3.send(new PutObjectCommand({ Bucket: bucket, Key: saved.key, Body: saved.body, ContentType: saved.contentType, Metadata: saved.metadata }));
  const deleteBody = (key: string) => env.runtime.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

  const resync = (force: boolean): Promise<ResyncReport> => {
    clock.advance(TOTP_STEP_SECONDS * 1000);
    const credentials = { username: TEST_ADMIN.WING_ADMIN_USERNAME, password: TEST_ADMIN.WING_ADMIN_PASSWORD, totp: totpCode(TEST_ADMIN.WING_ADMIN_TOTP_SECRET, clock.now()) };
    return ops
      .authenticate({ ...credentials, source: 'test' })
      .then((initiator) => ops.changeAs(initiator, 'vision-lake.resync', { reason: 'test resync', source: 'test' }, describeResync, () => maintenance.resync({ force })));
  };
  const visionLakeHealth = async () => (await env.runtime.services.health.check({ component: 'vision-lake' })).components[0]?.status;
  const expectVerifyToName = async (key: string): Promise<void> => {
    const refused = await maintenance.verify().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(IntegrityError);
    expect((refused as IntegrityError).exitCode).toBe(ExitCode.VerificationFailed);
    expect((refused as IntegrityError).message).toContain(key);
    expect((refused as IntegrityError).objectKey).toBe(key);
  };

  beforeAll(async () => {
    env = await startLocalTestEnv({ scale: 0.01, clock });
    ops = localRollbackOperations(env.runtime);
    const r = env.runtime;
    maintenance = new VisionLakeMaintenance({
      plan: r.plan,
      sources: r.services.sources,
      backups: r.backups,
      vault: { store: r.vaultStore, keys: r.keys, compressor: new ZstdCompressor(r.plan.compressionLevel) },
      clock,
    });
    // The last backup equals the live data, so the drift test measures only its own change.
    clock.advance(60_000);
    await r.backups.createRecoveryPoint();
  });
  afterAll(async () => {
    await env.dispose();
  });

  it('finds the demo data in sync, names the last backup and reports no drift; verify passes', async () => {
    const status = await maintenance.status();

    const count = (await entries()).length;
    expect(status).toMatchObject({ component: 'vision-lake', inSync: true, entries: count, documents: count, entriesWithoutDocument: 0, documentsWithoutEntry: 0, digestMismatches: 0, problems: [] });
    expect(status.lastBackup).toMatchObject({ status: 'Completed', verified: true, items: 2 * count });
    expect(status.drift).toEqual({ items: { added: 0, changed: 0, deleted: 0, unchanged: count }, documents: { added: 0, changed: 0, deleted: 0, unchanged: count } });
    expect(statusResult(status).exitCode).toBeUndefined();
    await expect(maintenance.verify()).resolves.toMatchObject({ entries: count, documents: count });
  });

  it('a deleted document body: found by status and verify, kept by resync, removed by resync --force', async () => {
    const entry = await entryAt(0);
    const bodyKey = entry.bodyKey?.S ?? '';
    const body = await saveBody(bodyKey);
    await deleteBody(bodyKey);
    try {
      const status = await maintenance.status();
      expect(status).toMatchObject({ inSync: false, entriesWithoutDocument: 1, documentsWithoutEntry: 0, digestMismatches: 0 });
      expect(status.problems).toEqual([`index entry ${entry.pk?.S ?? ''} has no document ${bodyKey}`]);
      expect(status.drift?.documents).toMatchObject({ deleted: 1, added: 0, changed: 0 });
      const result = statusResult(status);
      expect(result.exitCode).toBe(ExitCode.Failed);
      expect(result.error).toContain(`has no document ${bodyKey}`);
      await expectVerifyToName(bodyKey);

      const kept = await resync(false);
      expect(kept).toMatchObject({ created: 0, updated: 0, orphansRemoved: 0, orphansKept: 1, orphans: [`${entry.pk?.S ?? ''} -> ${bodyKey}`], conflicts: [] });
      expect(await getEntry(entry.pk?.S ?? '')).toEqual(entry);
      expect(await visionLakeHealth()).toBe('degraded');

      const removed = await resync(true);
      expect(removed).toMatchObject({ orphansRemoved: 1, orphansKept: 0 });
      expect(await getEntry(entry.pk?.S ?? '')).toBeUndefined();
      expect(await visionLakeHealth()).toBe('healthy');
      await expect(maintenance.verify()).resolves.toBeDefined();
    } finally {
      await putBody(body);
      await putEntry(entry);
    }
    expect(await visionLakeHealth()).toBe('healthy');
  });

  it('an orphaned index entry (naming a body that never existed): found, and removed only with --force', async () => {
    const orphan: Item = { ...(await entryAt(1)), pk: { S: 'DOC#orphan-test' }, bodyKey: { S: 'docs/orphan-test.md' } };
    await putEntry(orphan);
    try {
      expect(await maintenance.status()).toMatchObject({ inSync: false, entriesWithoutDocument: 1 });
      await expectVerifyToName('docs/orphan-test.md');
      expect(await resync(false)).toMatchObject({ orphansKept: 1, orphansRemoved: 0 });
      expect(await getEntry('DOC#orphan-test')).toBeDefined();
      expect(await resync(true)).toMatchObject({ orphansKept: 0, orphansRemoved: 1, created: 0, updated: 0 });
      expect(await getEntry('DOC#orphan-test')).toBeUndefined();
      expect(await visionLakeHealth()).toBe('healthy');
    } finally {
      await deleteEntry(orphan);
    }
  });

  it('a document without an index entry: found, and resync derives its entry from the body', async () => {
    const entry = await entryAt(2);
    const bodyKey = entry.bodyKey?.S ?? '';
    await deleteEntry(entry);
    try {
      const status = await maintenance.status();
      expect(status).toMatchObject({ inSync: false, entriesWithoutDocument: 0, documentsWithoutEntry: 1, digestMismatches: 0 });
      expect(status.problems).toEqual([`document ${bodyKey} has no index entry`]);
      expect(status.drift?.items).toMatchObject({ deleted: 1, added: 0, changed: 0 });
      await expectVerifyToName(bodyKey);

      const report = await resync(false);
      expect(report).toMatchObject({ created: 1, updated: 0, orphansKept: 0, conflicts: [] });
      const rebuilt = await getEntry(entry.pk?.S ?? '');
      // What the body tells is derived; what only WING knew (author, embedding, ...) is not.
      expect(rebuilt).toMatchObject({
        pk: entry.pk,
        sk: entry.sk,
        docId: entry.docId,
        bodyKey: entry.bodyKey,
        digest: entry.digest,
        size: entry.size,
        version: entry.version,
        contentType: entry.contentType,
        title: entry.title,
        resyncedAt: { S: clock.now().toISOString() },
      });
      expect(rebuilt?.embedding).toBeUndefined();
      expect(await visionLakeHealth()).toBe('healthy');
      await expect(maintenance.verify()).resolves.toBeDefined();
    } finally {
      await putEntry(entry);
    }
  });

  it('an index digest that differs from its body: found, and resync records the body\'s digest', async () => {
    const entry = await entryAt(3);
    const bodyKey = entry.bodyKey?.S ?? '';
    await putEntry({ ...entry, digest: { S: '0'.repeat(64) } });
    try {
      expect(await maintenance.status()).toMatchObject({ inSync: false, digestMismatches: 1, entriesWithoutDocument: 0, documentsWithoutEntry: 0 });
      await expectVerifyToName(bodyKey);

      expect(await resync(false)).toMatchObject({ created: 0, updated: 1 });
      const fixed = await getEntry(entry.pk?.S ?? '');
      expect(fixed).toEqual({ ...entry, resyncedAt: { S: clock.now().toISOString() } });
      expect(await visionLakeHealth()).toBe('healthy');
      const audit = await env.runtime.services.audit.list({ limit: 5 });
      expect(audit.find((r) => r.action === 'vision-lake.resync')).toMatchObject({ outcome: 'succeeded', detail: 'test resync: vision-lake: 0 entr(ies) created, 1 updated, 0 orphan(s) removed, 0 kept' });
    } finally {
      await putEntry(entry);
    }
  });

  it('refuses a resync in recovery mode (exit 6) and records the refusal', async () => {
    const modes = env.runtime.services.modes;
    const normal = await modes.get();
    await modes.set({ mode: 'recovery', changedAt: clock.now().toISOString(), rollbackId: 'rb-vision-lake-test', reason: 'test', previous: 'normal' });
    try {
      const refused = await resync(true).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(ConflictError);
      const audit = await env.runtime.services.audit.list({ limit: 5 });
      expect(audit.find((r) => r.action === 'vision-lake.resync')).toMatchObject({ outcome: 'refused', actor: TEST_ADMIN.WING_ADMIN_USERNAME });
    } finally {
      await modes.set(normal);
    }
  });

  it('POST /api/vision-lake/resync: an administrator\'s session and the password again, then the same resync', async () => {
    let deps: Promise<AdminApiDeps> | undefined;
    const depsOf = () => (deps ??= localAdminApiDeps(env.runtime, ops, () => undefined));
    const handlers = { sessions: routeGroupHandler(sessionRoutes, depsOf), visionLake: routeGroupHandler(visionLakeRoutes, depsOf) };
    const call = async (handler: keyof typeof handlers, request: ApiRequest): Promise<{ status: number; body: Record<string, unknown> }> => {
      const result = await handlers[handler](apiGatewayEvent(request), { awsRequestId: 'test' } as Context);
      return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> };
    };
    clock.advance(TOTP_STEP_SECONDS * 1000);
    const signedIn = await call('sessions', { method: 'POST', path: '/api/sessions', body: { username: TEST_ADMIN.WING_ADMIN_USERNAME, password: TEST_ADMIN.WING_ADMIN_PASSWORD, totp: totpCode(TEST_ADMIN.WING_ADMIN_TOTP_SECRET, clock.now()) } });
    expect(signedIn.status).toBe(201);
    const token = String(signedIn.body.token);
    const entry = await entryAt(6);
    await deleteEntry(entry);
    try {
      const wrong = await call('visionLake', { method: 'POST', path: '/api/vision-lake/resync', token, body: { password: 'not the password' } });
      // A wrong confirmation is 403 (the session stays), audited under the resync's action.
      expect(wrong.status).toBe(403);
      expect(await getEntry(entry.pk?.S ?? '')).toBeUndefined();
      expect((await env.runtime.services.audit.list({ limit: 3 })).find((r) => r.action === 'vision-lake.resync')).toMatchObject({ outcome: 'refused' });

      const done = await call('visionLake', { method: 'POST', path: '/api/vision-lake/resync', token, body: { password: TEST_ADMIN.WING_ADMIN_PASSWORD, reason: 'api test' } });
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ success: true, component: 'vision-lake', created: 1, updated: 0, orphansKept: 0 });
      expect(await visionLakeHealth()).toBe('healthy');
      const audit = await env.runtime.services.audit.list({ limit: 5 });
      expect(audit.find((r) => r.action === 'vision-lake.resync')).toMatchObject({ outcome: 'succeeded', detail: expect.stringContaining('api test: vision-lake: 1 entr(ies) created') as unknown });
    } finally {
      await putEntry(entry);
    }
  });

  it('status counts what changed since the last backup, per index items and documents', async () => {
    const changed = await entryAt(4);
    const removed = await entryAt(5);
    const changedBody = await saveBody(changed.bodyKey?.S ?? '');
    const removedBody = await saveBody(removed.bodyKey?.S ?? '');
    const newBody = Buffer.concat([Buffer.from(changedBody.body), Buffer.from('\nAn edit since the backup.\n')]);
    const newDigest = createHash('sha256').update(newBody).digest('hex');
    await putBody({ ...changedBody, body: newBody });
    await putEntry({ ...changed, digest: { S: newDigest } });
    await deleteBody(removedBody.key);
    await deleteEntry(removed);
    try {
      const status = await maintenance.status();

      const count = (await entries()).length;
      expect(status.inSync).toBe(true);
      expect(status.drift).toEqual({
        items: { added: 0, changed: 1, deleted: 1, unchanged: count - 1 },
        documents: { added: 0, changed: 1, deleted: 1, unchanged: count - 1 },
      });
    } finally {
      await putBody(changedBody);
      await putEntry(changed);
      await putBody(removedBody);
      await putEntry(removed);
    }
    expect((await maintenance.status()).drift?.documents).toMatchObject({ added: 0, changed: 0, deleted: 0 });
  });
});
