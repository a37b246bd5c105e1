import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../src/adapters/fs-object-store.js';
import { LocalKeyService } from '../../src/adapters/local-key-service.js';
import { ZstdCompressor } from '../../src/adapters/zstd-compressor.js';
import { encodeItem, encodeItemKey } from '../../src/core/canonical-item.js';
import { encodeObject } from '../../src/core/canonical-object.js';
import { systemClock } from '../../src/core/ports.js';
import type { RecordStream, SnapshotRecord } from '../../src/core/snapshot/record-stream.js';
import { SnapshotWriter } from '../../src/core/snapshot/snapshot-writer.js';
import type { VaultDeps } from '../../src/core/snapshot/vault-reader.js';
import { generateAuthItems, generateVisionLakeDocuments } from '../../src/local/demo/demo-records.js';
import { SeededRandom } from '../../src/local/demo/random.js';

const SCALE = 0.2;

function itemRecords(items: Iterable<Record<string, unknown>>): SnapshotRecord[] {
  return [...items].map((item) => ({ key: encodeItemKey(item, ['pk', 'sk']), body: encodeItem(item) }));
}

function streamOf(name: string, records: readonly SnapshotRecord[]): RecordStream {
  return {
    descriptor: { type: 'file', name },
    async *read() {
      for (let i = 0; i < records.length; i += 500) yield records.slice(i, i + 500);
      await Promise.resolve();
    },
  };
}

/** 1 % of the records touched, scattered: 92.5 % changed in place, 7.5 % deleted, as many added. */
function mutate(records: readonly SnapshotRecord[], seed: number): { records: SnapshotRecord[]; touched: number } {
  const random = new SeededRandom(seed, 'incremental-cost');
  const touched = Math.round(records.length / 100);
  const picks = random.sample([...records.keys()], touched);
  const deletions = Math.round(touched * 0.075);
  const deleted = new Set(picks.slice(0, deletions));
  const changed = new Set(picks.slice(deletions));
  const out = records
    .map((r, i) => (changed.has(i) ? { key: r.key, body: Buffer.concat([r.body.subarray(0, -10), Buffer.from(random.hex(10))]) } : r))
    .filter((_r, i) => !deleted.has(i));
  for (let n = 0; n < deletions; n++) out.push({ key: Buffer.from(`added-${String(n)}`), body: randomBytes(400) });
  return { records: out, touched };
}

describe('incremental cost', () => {
  let dir: string;
  let deps: VaultDeps;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'incremental-'));
    deps = { store: new FsObjectStore(dir), keys: LocalKeyService.fromKey(randomBytes(32)), compressor: new ZstdCompressor() };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores at most 3 % of the full backup, manifests included, after a 1 % scattered change', async () => {
    const documents = [...generateVisionLakeDocuments({ scale: SCALE, seed: 1 })];
    const index = itemRecords(documents.map((d) => d.indexItem));
    const bodies = documents.map((d) => ({ key: Buffer.from(d.object.key), body: encodeObject({ key: d.object.key, body: d.object.body, contentType: d.object.contentType, metadata: d.object.metadata }) }));
    const auth = itemRecords(generateAuthItems({ scale: SCALE, seed: 1 }));
    const writer = new SnapshotWriter(deps, { clock: systemClock });
    const full = await writer.write({
      component: 'wing', snapshotId: 'snap-full', purpose: 'recovery-point', type: 'full', recoveryPointId: 'rp-1', parent: null,
      streams: [streamOf('index', index), streamOf('bodies', bodies), streamOf('auth', auth)],
    });
    const changed = [mutate(index, 1), mutate(bodies, 2), mutate(auth, 3)];

    const incremental = await writer.write({
      component: 'wing', snapshotId: 'snap-incr', purpose: 'recovery-point', type: 'incremental', recoveryPointId: 'rp-2', parent: full,
      streams: changed.map((c, i) => streamOf(['index', 'bodies', 'auth'][i] ?? '', c.records)),
    });

    const summaryBytes = (await deps.store.get(`components/wing/snapshots/snap-incr.json`)).length;
    const fullSummary = (await deps.store.get(`components/wing/snapshots/snap-full.json`)).length;
    const ratio = (incremental.storedBytes + summaryBytes) / (full.storedBytes + fullSummary);
    // About the changed share itself: neither free nor a re-store of untouched data.
    expect(ratio).toBeGreaterThan(0.002);
    expect(ratio).toBeLessThanOrEqual(0.03);
    expect(incremental.itemCount).toBe(changed.reduce((n, c) => n + c.records.length, 0));
  });
});
