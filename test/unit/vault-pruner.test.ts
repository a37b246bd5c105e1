import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../src/adapters/fs-object-store.js';
import { LocalKeyService } from '../../src/adapters/local-key-service.js';
import { ZstdCompressor } from '../../src/adapters/zstd-compressor.js';
import type { Catalog } from '../../src/core/catalog.js';
import { systemClock } from '../../src/core/ports.js';
import type { RecordStream, SnapshotRecord } from '../../src/core/snapshot/record-stream.js';
import { SnapshotReader } from '../../src/core/snapshot/snapshot-reader.js';
import type { SnapshotSummary } from '../../src/core/snapshot/snapshot-summary.js';
import { SnapshotVerifier } from '../../src/core/snapshot/snapshot-verifier.js';
import { SnapshotWriter } from '../../src/core/snapshot/snapshot-writer.js';
import { VaultReader, type VaultDeps } from '../../src/core/snapshot/vault-reader.js';
import { vaultLayout } from '../../src/core/vault-layout.js';
import { VaultPruner } from '../../src/rollback/vault-pruner.js';

function records(versions: readonly number[]): SnapshotRecord[] {
  // Incompressible bodies so that pack sizes follow the records' sizes.
  return versions.map((v, i) => ({ key: Buffer.from(`item-${String(i)}`), body: Buffer.concat([Buffer.from(`item-${String(i)} v${String(v)} `), randomBytes(2000)]) }));
}

function stream(recs: readonly SnapshotRecord[]): RecordStream {
  return {
    descriptor: { type: 'file', name: 'items' },
    async *read() {
      yield recs;
      await Promise.resolve();
    },
  };
}

/** The catalog only loses snapshot records during a prune; nothing else is called. */
function catalogDouble(deleted: string[]): Catalog {
  const unused = (): never => {
    throw new Error('not used by prune');
  };
  return {
    putRecoveryPoint: unused,
    getRecoveryPoint: unused,
    listRecoveryPoints: unused,
    deleteRecoveryPoint: unused,
    putSnapshot: unused,
    getSnapshot: unused,
    listSnapshots: unused,
    deleteSnapshot: (_c, id) => {
      deleted.push(id);
      return Promise.resolve();
    },
    getCheckpoint: unused,
    putCheckpoint: unused,
    deleteCheckpoint: unused,
    putBackupLease: unused,
    deleteBackupLease: unused,
    listBackupLeases: unused,
  };
}

async function vaultKeys(store: FsObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list('')) keys.push(o.key);
  return keys;
}

describe('VaultPruner', () => {
  let dir: string;
  let store: FsObjectStore;
  let deps: VaultDeps;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pruner-'));
    store = new FsObjectStore(dir);
    deps = { store, keys: LocalKeyService.fromKey(randomBytes(32)), compressor: new ZstdCompressor() };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('repacks a mostly dead pack so the kept snapshot still verifies, restores and deduplicates', async () => {
    const writer = new SnapshotWriter(deps, { clock: systemClock, packTargetBytes: 1 << 20 });
    const first = records(new Array<number>(100).fill(1));
    const a = await writer.write({ component: 'c', snapshotId: 'snap-a', purpose: 'recovery-point', type: 'full', recoveryPointId: 'rp-a', parent: null, streams: [stream(first)] });
    // 80 of 100 records change: A's pack keeps only 20 records B needs.
    const second = first.map((r, i) => (i < 80 ? records([2])[0] ?? r : r)).map((r, i) => ({ key: Buffer.from(`item-${String(i)}`), body: r.body }));
    const b = await writer.write({ component: 'c', snapshotId: 'snap-b', purpose: 'recovery-point', type: 'incremental', recoveryPointId: 'rp-b', parent: a, streams: [stream(second)] });
    const deleted: string[] = [];
    const pruner = new VaultPruner(deps, catalogDouble(deleted));

    const result = await pruner.prune(new Set(['rp-b']), Date.now());

    expect(deleted).toEqual(['snap-a']);
    expect(result.repackedPacks).toBe(1);
    const reader = new VaultReader(deps);
    const index = await reader.readPackIndex('c', a.newPacks[0] ?? '');
    expect(index.generation).toBe(1);
    expect(await new SnapshotVerifier(new VaultReader(deps)).verify(b)).toEqual([]);
    const restored: Buffer[] = [];
    for await (const batch of new SnapshotReader(new VaultReader(deps)).streamRecords(b, b.streams[0] ?? never())) restored.push(...batch.map((r) => r.body));
    expect(restored).toEqual(second.map((r) => r.body));
    // A later backup deduplicates against the repacked pack.
    const c: SnapshotSummary = await writer.write({ component: 'c', snapshotId: 'snap-c', purpose: 'recovery-point', type: 'incremental', recoveryPointId: 'rp-c', parent: b, streams: [stream(second)] });
    expect(c.newPacks).toEqual([]);

    // The superseded generation stays for readers that loaded the old index, and goes next time.
    const packKey = vaultLayout.pack('c', a.newPacks[0] ?? '');
    expect(await vaultKeys(store)).toContain(packKey);
    const again = await pruner.prune(new Set(['rp-b', 'rp-c']), Date.now());
    expect(again.repackedPacks).toBe(0);
    expect(await vaultKeys(store)).not.toContain(packKey);
    expect(await new SnapshotVerifier(new VaultReader(deps)).verify(b)).toEqual([]);
  });

  it('deletes packs, indexes, chunks and summaries that no kept snapshot references', async () => {
    const writer = new SnapshotWriter(deps, { clock: systemClock });
    const a = await writer.write({ component: 'c', snapshotId: 'snap-a', purpose: 'recovery-point', type: 'full', recoveryPointId: 'rp-a', parent: null, streams: [stream(records([1, 1, 1]))] });
    await writer.write({ component: 'c', snapshotId: 'snap-b', purpose: 'recovery-point', type: 'full', recoveryPointId: 'rp-b', parent: null, streams: [stream(records([2, 2, 2]))] });

    await new VaultPruner(deps, catalogDouble([])).prune(new Set(['rp-b']), Date.now());

    const keys = await vaultKeys(store);
    expect(keys.filter((k) => k.includes('snap-a') || a.newPacks.some((p) => k.includes(p)))).toEqual([]);
    expect(keys.some((k) => k.includes('snap-b'))).toBe(true);
  });
});

function never(): never {
  throw new Error('missing stream');
}
