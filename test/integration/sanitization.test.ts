import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePkSkTable } from '../../src/adapters/pk-sk-table.js';
import { ZstdCompressor } from '../../src/adapters/zstd-compressor.js';
import { decodeItem, encodeValue } from '../../src/core/canonical-item.js';
import { sha256Hex } from '../../src/core/digest.js';
import { parsePlan } from '../../src/core/plan.js';
import { SnapshotReader } from '../../src/core/snapshot/snapshot-reader.js';
import { VaultReader } from '../../src/core/snapshot/vault-reader.js';
import { createBucket } from '../../src/local/demo/demo-loader.js';
import { openLocalRuntime, type LocalRuntime } from '../../src/local/local-runtime.js';
import { startLocalServices, type RunningServices } from '../../src/local/local-services.js';

const TABLE = 'wing-profiles';
const plan = parsePlan({
  components: [
    {
      name: 'profiles',
      sources: [{ type: 'dynamodb', tableName: TABLE }],
      sanitize: [
        { field: 'ssn', action: 'omit' },
        { field: 'email', action: 'hash' },
        { field: 'apiToken', action: 'mask' },
      ],
    },
  ],
});

type Item = Record<string, AttributeValue>;

/** A profile whose sensitive values carry a marker, so that any plaintext copy is easy to find. */
const profile = (id: string, name: string, secrets = `PLAIN-${id}`): Item => ({
  pk: { S: `USER#${id}` },
  sk: { S: 'PROFILE' },
  name: { S: name },
  ssn: { S: `ssn-${secrets}` },
  email: { S: `email-${secrets}@example.com` },
  apiToken: { S: `token-${secrets}` },
});

describe('sanitization rules on the local services', () => {
  let home: string;
  let services: RunningServices;
  let runtime: LocalRuntime;
  const put = (item: Item): Promise<unknown> => runtime.dynamo.send(new PutItemCommand({ TableName: TABLE, Item: item }));
  const get = async (id: string): Promise<Item | undefined> =>
    (await runtime.dynamo.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `USER#${id}` }, sk: { S: 'PROFILE' } }, ConsistentRead: true }))).Item;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'wing-sanitize-'));
    services = await startLocalServices({ home });
    runtime = await openLocalRuntime({ home, endpoints: services.endpoints, createKey: true, plan });
    await runtime.systemTable.ensure();
    await createBucket(runtime.s3, plan.vaultBucket);
    await ensurePkSkTable(runtime.dynamo, TABLE);
  });
  afterAll(async () => {
    await runtime.close();
    await services.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('stores no plaintext of sanitized fields; a restore keeps their live values, and verification passes', async () => {
    // Arrange: a point of four profiles.
    for (const id of ['a', 'b', 'c', 'd']) await put(profile(id, `name-${id}`));
    const point = await runtime.backups.createRecoveryPoint();
    expect(point.status).toBe('Completed');
    const ref = point.snapshots[0];
    if (!ref) throw new Error('no snapshot');

    // The vault, read back and decrypted by the engine's own read path, holds no sensitive value.
    const vault = new VaultReader({ store: runtime.vaultStore, keys: runtime.keys, compressor: new ZstdCompressor() });
    const reader = new SnapshotReader(vault);
    const summary = await vault.readSummary('profiles', ref.snapshotId);
    for (const packId of summary.packs) {
      const { data } = await reader.loadPack('profiles', packId);
      expect(data.toString('utf8')).not.toContain('PLAIN');
    }
    const stored = [];
    for (const stream of summary.streams) {
      for await (const batch of reader.streamRecords(summary, stream)) stored.push(...batch.map((r) => decodeItem(r.body)));
    }
    const storedD = stored.find((i) => i.pk !== undefined && 'S' in i.pk && i.pk.S === 'USER#d');
    expect(storedD).toEqual({
      pk: { S: 'USER#d' },
      sk: { S: 'PROFILE' },
      name: { S: 'name-d' },
      email: { S: `sha256:${sha256Hex(encodeValue({ S: 'email-PLAIN-d@example.com' }))}` },
      apiToken: { S: '***' },
    });

    // Act: after the point, a is edited (name and secrets), b deleted, c gets new secrets only, e is new.
    await put(profile('a', 'renamed-a', 'NEW-a'));
    await runtime.dynamo.send(new DeleteItemCommand({ TableName: TABLE, Key: { pk: { S: 'USER#b' }, sk: { S: 'PROFILE' } } }));
    await put(profile('c', 'name-c', 'NEW-c'));
    await put(profile('e', 'name-e'));
    const planned = await runtime.backups.planRestore(point.recoveryPointId);
    const run = await runtime.backups.restoreComponentRun('profiles', ref.snapshotId, { mode: 'differential', restoreId: 'rollback-test' });
    const verification = await runtime.backups.verifyComponent('profiles', ref.snapshotId, run.continuation.expectedDigests);

    // Assert: only a and b are written, e deleted; c (new secrets) and d (real values live, hashes stored) are unchanged.
    expect(planned).toEqual([{ component: 'profiles', write: 2, delete: 1, unchanged: 2 }]);
    expect(run.done).toBe(true);
    expect([run.continuation.written, run.continuation.deleted, run.continuation.unchanged]).toEqual([2, 1, 2]);
    expect(verification.every((v) => v.ok)).toBe(true);
    expect(await get('a')).toEqual({ ...profile('a', 'renamed-a', 'NEW-a'), name: { S: 'name-a' } });
    expect(await get('b')).toEqual({ pk: { S: 'USER#b' }, sk: { S: 'PROFILE' }, name: { S: 'name-b' } });
    expect(await get('c')).toEqual(profile('c', 'name-c', 'NEW-c'));
    expect(await get('d')).toEqual(profile('d', 'name-d'));
    expect(await get('e')).toBeUndefined();

    // A full restore of the same point rewrites everything, changes nothing, and verifies too.
    const [full] = await runtime.backups.restoreRecoveryPoint(point.recoveryPointId, { mode: 'full' });
    expect(full?.verified).toBe(true);
    expect(await get('a')).toEqual({ ...profile('a', 'renamed-a', 'NEW-a'), name: { S: 'name-a' } });
    expect(await get('d')).toEqual(profile('d', 'name-d'));
  });
});
