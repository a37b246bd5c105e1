import { DeleteItemCommand, GetItemCommand, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Prefix } from '../../src/adapters/s3-prefix.js';
import { ZstdCompressor } from '../../src/adapters/zstd-compressor.js';
import { VaultReader } from '../../src/core/snapshot/vault-reader.js';
import { defaultResourceNames as names } from '../../src/core/plan.js';
import { vaultLayout } from '../../src/core/vault-layout.js';
import { mutateDemoData } from '../../src/local/demo/demo-loader.js';
import { openLocalRuntime } from '../../src/local/local-runtime.js';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { startLocalTestEnv, tableState, type LocalTestEnv } from '../support/local-env.js';

const tables = [names.visionLakeTable, names.authTable, names.agentsTable, names.squadronsTable];


async function liveState(env: LocalTestEnv): Promise<Record<string, Map<string, string>>> {
  const state: Record<string, Map<string, string>> = {};
  for (const t of tables) state[t] = await tableState(env, t);
  const docs = new Map<string, string>();
  for await (const batch of new S3Prefix(env.runtime.s3, names.visionLakeBucket, '').scan()) {
    for (const r of batch) docs.set(r.key.toString('utf8'), r.body.toString('base64'));
  }
  state.documents = docs;
  return state;
}

/** Updates, deletes and inserts items in every component and document bodies. */
async function mutateEverything(env: LocalTestEnv): Promise<void> {
  const { dynamo, s3 } = env.runtime;
  for (const table of tables) {
    const page = await dynamo.send(new ScanCommand({ TableName: table, Limit: 60 }));
    // In auth, sessions: the kinds a rollback copies back as they were (see auth reconciliation).
    const items = (page.Items ?? []).filter((i) => table !== names.authTable || i.kind?.S === 'session');
    const [first, second] = items;
    if (first) await dynamo.send(new PutItemCommand({ TableName: table, Item: { ...first, mutated: { N: '1.50' }, tags: { SS: ['x', 'y'] } } }));
    if (second) await dynamo.send(new DeleteItemCommand({ TableName: table, Key: { pk: second.pk as AttributeValue, sk: second.sk as AttributeValue } }));
    await dynamo.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'INSERTED#1' }, sk: { S: 'META' }, blob: { B: new Uint8Array([0, 1, 2]) }, nothing: { NULL: true } } }));
  }
  const docs = await dynamo.send(new ScanCommand({ TableName: names.visionLakeTable, Limit: 3 }));
  const keys = (docs.Items ?? []).map((i) => i.bodyKey?.S).filter((k): k is string => k !== undefined);
  if (keys[0]) {
    const current = await s3.send(new GetObjectCommand({ Bucket: names.visionLakeBucket, Key: keys[0] }));
    await s3.send(new PutObjectCommand({ Bucket: names.visionLakeBucket, Key: keys[0], Body: 'changed body', ContentType: current.ContentType, Metadata: { 'doc-id': 'changed' } }));
  }
  if (keys[1]) await s3.send(new DeleteObjectCommand({ Bucket: names.visionLakeBucket, Key: keys[1] }));
  await s3.send(new PutObjectCommand({ Bucket: names.visionLakeBucket, Key: 'docs/new-document.md', Body: '# new', ContentType: 'text/markdown' }));
}

describe('snapshot engine on the local services', () => {
  let env: LocalTestEnv;

  beforeAll(async () => {
    env = await startLocalTestEnv({ scale: 0.01 });
  });
  afterAll(async () => {
    await env.dispose();
  });

  it('builds a verified, backdated demo history of eight recovery points', async () => {
    const points = await env.runtime.backups.listRecoveryPoints();
    expect(points).toHaveLength(8);
    for (const p of points) {
      expect(p.status).toBe('Completed');
      expect(p.verifiedAt).not.toBeNull();
      expect(p.snapshots.map((s) => s.component)).toEqual(['vision-lake', 'auth', 'agents', 'squadrons']);
      expect(p.checks.every((c) => c.ok)).toBe(true);
    }
  });

  it('restores all four components and the document bodies exactly after updates, deletes and inserts', async () => {
    const point = await env.runtime.backups.createRecoveryPoint();
    expect(point.status).toBe('Completed');
    const before = await liveState(env);
    await mutateEverything(env);
    const changed = await liveState(env);
    expect(changed).not.toEqual(before);

    const results = await env.runtime.backups.restoreRecoveryPoint(point.recoveryPointId, { mode: 'differential' });

    expect(results.map((r) => r.component)).toEqual(['vision-lake', 'auth', 'agents', 'squadrons']);
    expect(results.every((r) => r.verified)).toBe(true);
    expect(await liveState(env)).toEqual(before);
    // 3 changes per table plus 3 document changes: a differential restore touches only those.
    const touched = results.reduce((n, r) => n + r.written + r.deleted, 0);
    expect(touched).toBe(tables.length * 3 + 3);
  });

  it('after a 1 % day of activity, a differential restore writes and deletes at most 1.5x the changed items', async () => {
    const point = await env.runtime.backups.createRecoveryPoint();
    const changes = await mutateDemoData({ dynamo: env.runtime.dynamo, s3: env.runtime.s3, seed: 3, day: 30, percent: 1, now: new Date() });
    // A document is two records: its index item and its body.
    const changed = Object.entries(changes).reduce((n, [c, v]) => n + (v.updated + v.added + v.deleted) * (c === 'vision-lake' ? 2 : 1), 0);

    const results = await env.runtime.backups.restoreRecoveryPoint(point.recoveryPointId, { mode: 'differential' });

    const touched = results.reduce((n, r) => n + r.written + r.deleted, 0);
    expect(results.every((r) => r.verified)).toBe(true);
    expect(touched).toBeGreaterThan(0);
    expect(touched).toBeLessThanOrEqual(1.5 * changed);
  });

  it('reconciles auth on restore: revocations, emergency credentials and new passwords survive; new sessions go; disabled or deleted users come back for review', async () => {
    const { dynamo } = env.runtime;
    const table = names.authTable;
    const put = (item: Record<string, AttributeValue>): Promise<unknown> => dynamo.send(new PutItemCommand({ TableName: table, Item: item }));
    const get = async (pk: string, sk: string): Promise<Record<string, AttributeValue> | undefined> =>
      (await dynamo.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }))).Item;
    await put({ pk: { S: 'USER#rec-a' }, sk: { S: 'PROFILE' }, kind: { S: 'user' }, passwordHash: { S: 'old' }, mfaSecret: { S: 'OLD' }, email: { S: 'a@x' }, disabled: { BOOL: false } });
    await put({ pk: { S: 'USER#rec-b' }, sk: { S: 'PROFILE' }, kind: { S: 'user' }, passwordHash: { S: 'b' }, disabled: { BOOL: false } });
    await put({ pk: { S: 'USER#rec-c' }, sk: { S: 'PROFILE' }, kind: { S: 'user' }, passwordHash: { S: 'c' }, disabled: { BOOL: false } });
    await put({ pk: { S: 'USER#rec-a' }, sk: { S: 'SESSION#old' }, kind: { S: 'session' } });
    await put({ pk: { S: 'EMERGENCY#rec' }, sk: { S: 'CREDENTIAL' }, kind: { S: 'emergency-credential' }, secretHash: { S: 'v1' } });
    const point = await env.runtime.backups.createRecoveryPoint();
    // After the point: a compromise is handled.
    await put({ pk: { S: 'USER#rec-a' }, sk: { S: 'PROFILE' }, kind: { S: 'user' }, passwordHash: { S: 'new' }, mfaSecret: { S: 'NEW' }, email: { S: 'changed@x' }, disabled: { BOOL: false } });
    await put({ pk: { S: 'USER#rec-b' }, sk: { S: 'PROFILE' }, kind: { S: 'user' }, passwordHash: { S: 'b' }, disabled: { BOOL: true } });
    await dynamo.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'USER#rec-c' }, sk: { S: 'PROFILE' } } }));
    await put({ pk: { S: 'REVOCATION#old' }, sk: { S: 'META' }, kind: { S: 'revocation' } });
    await put({ pk: { S: 'USER#rec-a' }, sk: { S: 'SESSION#attacker' }, kind: { S: 'session' } });
    await put({ pk: { S: 'EMERGENCY#rec' }, sk: { S: 'CREDENTIAL' }, kind: { S: 'emergency-credential' }, secretHash: { S: 'v2' } });

    const results = await env.runtime.backups.restoreRecoveryPoint(point.recoveryPointId, { mode: 'differential' });

    expect(results.find((r) => r.component === 'auth')?.verified).toBe(true);
    const a = await get('USER#rec-a', 'PROFILE');
    expect([a?.passwordHash?.S, a?.mfaSecret?.S, a?.email?.S]).toEqual(['new', 'NEW', 'a@x']);
    expect([(await get('USER#rec-b', 'PROFILE'))?.disabled?.BOOL, (await get('USER#rec-b', 'PROFILE'))?.reviewRequired?.BOOL]).toEqual([true, true]);
    expect([(await get('USER#rec-c', 'PROFILE'))?.disabled?.BOOL, (await get('USER#rec-c', 'PROFILE'))?.reviewRequired?.BOOL]).toEqual([true, true]);
    expect(await get('REVOCATION#old', 'META')).toBeDefined();
    expect(await get('USER#rec-a', 'SESSION#old')).toBeDefined();
    expect(await get('USER#rec-a', 'SESSION#attacker')).toBeUndefined();
    expect((await get('EMERGENCY#rec', 'CREDENTIAL'))?.secretHash?.S).toBe('v2');
  });

  it('plans a restore without changing anything, and the restore then does exactly what the plan said', async () => {
    const point = await env.runtime.backups.createRecoveryPoint();
    await mutateDemoData({ dynamo: env.runtime.dynamo, s3: env.runtime.s3, seed: 5, day: 40, percent: 2, now: new Date() });
    await mutateEverything(env);
    const before = await liveState(env);

    const plan = await env.runtime.backups.planRestore(point.recoveryPointId);

    expect(await liveState(env)).toEqual(before);
    const results = await env.runtime.backups.restoreRecoveryPoint(point.recoveryPointId, { mode: 'differential' });
    expect(results.map((r) => ({ component: r.component, write: r.written, delete: r.deleted }))).toEqual(
      plan.map((p) => ({ component: p.component, write: p.write, delete: p.delete })),
    );
    expect(plan.some((p) => p.write + p.delete > 0)).toBe(true);
  });

  it('restores exactly in full mode too', async () => {
    const point = await env.runtime.backups.createRecoveryPoint();
    const before = await liveState(env);
    await mutateEverything(env);
    const results = await env.runtime.backups.restoreRecoveryPoint(point.recoveryPointId, { mode: 'full' });
    expect(results.every((r) => r.verified)).toBe(true);
    expect(await liveState(env)).toEqual(before);
  });

  it('detects one changed byte in a stored pack and names the object', async () => {
    const point = await env.runtime.backups.createRecoveryPoint({ type: 'full' });
    const snapshot = point.snapshots.find((s) => s.component === 'auth');
    if (!snapshot) throw new Error('no auth snapshot');
    const summary = await new VaultReader({ store: env.runtime.vaultStore, keys: env.runtime.keys, compressor: new ZstdCompressor() }).readSummary('auth', snapshot.snapshotId);
    const packKey = vaultLayout.pack('auth', summary.newPacks[0] ?? '');
    const original = await env.runtime.vaultStore.get(packKey);
    const damaged = Buffer.from(original);
    damaged[damaged.length - 40] = (damaged[damaged.length - 40] ?? 0) ^ 0x01;
    await env.runtime.vaultStore.put(packKey, damaged);

    const outcome = await env.runtime.backups.verifyRecoveryPoint(point.recoveryPointId);

    expect(outcome.ok).toBe(false);
    expect(outcome.status).toBe('Corrupt');
    expect(outcome.problems.map((p) => p.objectKey)).toContain(packKey);
    await env.runtime.vaultStore.put(packKey, original);
    const again = await env.runtime.backups.verifyRecoveryPoint(point.recoveryPointId);
    expect(again.ok).toBe(true);
    expect(again.status).toBe('Completed');
  });

  it('detects a changed byte in every object a recovery point references, naming each', async () => {
    const point = await env.runtime.backups.createRecoveryPoint();
    const reader = new VaultReader({ store: env.runtime.vaultStore, keys: env.runtime.keys, compressor: new ZstdCompressor() });
    const keys = [vaultLayout.recoveryPoint(point.recoveryPointId)];
    for (const ref of point.snapshots) {
      const summary = await reader.readSummary(ref.component, ref.snapshotId);
      keys.push(vaultLayout.snapshotSummary(ref.component, ref.snapshotId));
      for (const p of summary.packs) keys.push(vaultLayout.pack(ref.component, p), vaultLayout.packIndex(ref.component, p));
      for (const stream of summary.streams) for (const c of stream.manifestChunks) keys.push(vaultLayout.manifestChunk(ref.component, c));
    }
    expect(keys.length).toBeGreaterThan(10);
    let seed = 7;
    for (const key of new Set(keys)) {
      const original = await env.runtime.vaultStore.get(key);
      const damaged = Buffer.from(original);
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const at = seed % damaged.length;
      damaged[at] = (damaged[at] ?? 0) ^ (1 << (seed % 8));
      await env.runtime.vaultStore.put(key, damaged);
      const outcome = await env.runtime.backups.verifyRecoveryPoint(point.recoveryPointId);
      await env.runtime.vaultStore.put(key, original);
      expect(outcome.ok, `byte ${at} of ${key}`).toBe(false);
      expect(outcome.problems.map((p) => p.objectKey), `byte ${at} of ${key}`).toContain(key);
    }
    expect((await env.runtime.backups.verifyRecoveryPoint(point.recoveryPointId)).ok).toBe(true);
  });

  it('refuses to create a new master key over a vault that holds backups', async () => {
    const keyFile = join(env.home, 'keys', 'master.key');
    await rename(keyFile, `${keyFile}.away`);
    try {
      await expect(openLocalRuntime({ home: env.home, endpoints: env.runtime.endpoints, createKey: true })).rejects.toThrow(/holds backups but .*master.key is missing/);
    } finally {
      await rename(`${keyFile}.away`, keyFile);
    }
  });

  it('rebuilds the catalog from the vault alone', async () => {
    const before = await env.runtime.backups.listRecoveryPoints();
    for (const p of before) await env.runtime.catalog.deleteRecoveryPoint(p.recoveryPointId);
    const rebuilt = await env.runtime.backups.rebuildCatalog();
    expect(rebuilt.recoveryPoints).toBe(before.length);
    const after = await env.runtime.backups.listRecoveryPoints();
    expect(after.map((p) => p.recoveryPointId)).toEqual(before.map((p) => p.recoveryPointId));
  });
});
