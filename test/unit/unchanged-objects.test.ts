/**
 * Backups of a source that lists fingerprints (an S3 prefix) read only the objects whose key and
 * fingerprint the parent did not store, and the snapshot is the one a full read would have made.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../src/adapters/fs-object-store.js';
import { LocalKeyService } from '../../src/adapters/local-key-service.js';
import { ZstdCompressor } from '../../src/adapters/zstd-compressor.js';
import { encodeObject, objectRecordKey } from '../../src/core/canonical-object.js';
import { systemClock } from '../../src/core/ports.js';
import type { LiveFingerprint, RecordStream, SnapshotRecord } from '../../src/core/snapshot/record-stream.js';
import { SnapshotReader } from '../../src/core/snapshot/snapshot-reader.js';
import type { SnapshotSummary } from '../../src/core/snapshot/snapshot-summary.js';
import { SnapshotWriter } from '../../src/core/snapshot/snapshot-writer.js';
import { VaultReader, type VaultDeps } from '../../src/core/snapshot/vault-reader.js';

interface LiveObject {
  readonly body: Buffer;
  readonly fingerprint: Buffer;
}

/** A bucket prefix in memory that counts what is read: whole listings, and objects by key. */
class FakePrefix implements RecordStream {
  readonly descriptor = { type: 's3' as const, name: 's3://docs/p/', bucketName: 'docs', prefix: 'p/' };
  wholeReads = 0;
  readonly keysRead: string[] = [];

  constructor(readonly objects: Map<string, LiveObject>) {}

  private record(key: string): SnapshotRecord {
    const o = this.objects.get(key);
    if (!o) throw new Error(`no ${key}`);
    return { key: objectRecordKey(key), fingerprint: o.fingerprint, body: encodeObject({ key, body: o.body, contentType: 'text/markdown', metadata: {} }) };
  }

  private sortedKeys(): string[] {
    return [...this.objects.keys()].sort();
  }

  async *read(): AsyncGenerator<readonly SnapshotRecord[]> {
    this.wholeReads += 1;
    const keys = this.sortedKeys();
    for (let i = 0; i < keys.length; i += 50) yield keys.slice(i, i + 50).map((k) => this.record(k));
    await Promise.resolve();
  }

  async *scanFingerprints(): AsyncGenerator<readonly LiveFingerprint[]> {
    const keys = this.sortedKeys();
    for (let i = 0; i < keys.length; i += 64) yield keys.slice(i, i + 64).map((k) => ({ key: objectRecordKey(k), fingerprint: this.objects.get(k)?.fingerprint ?? Buffer.alloc(0) }));
    await Promise.resolve();
  }

  readKeys(keys: readonly Buffer[]): Promise<SnapshotRecord[]> {
    const out: SnapshotRecord[] = [];
    for (const k of keys) {
      const key = k.toString('utf8');
      this.keysRead.push(key);
      // Deleted between the listing and the read: not returned, as S3Prefix does.
      if (this.objects.has(key)) out.push(this.record(key));
    }
    return Promise.resolve(out);
  }
}

let version = 0;
function written(body: Buffer): LiveObject {
  version += 1;
  return { body, fingerprint: Buffer.from(`"${randomBytes(8).toString('hex')}"|${String(body.length)}|${String(1_700_000_000 + version)}`) };
}

describe('backups of unchanged objects', () => {
  let dir: string;
  let deps: VaultDeps;
  let writer: SnapshotWriter;
  let n = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'unchanged-'));
    deps = { store: new FsObjectStore(dir), keys: LocalKeyService.fromKey(randomBytes(32)), compressor: new ZstdCompressor() };
    writer = new SnapshotWriter(deps, { clock: systemClock, packTargetBytes: 16 * 1024 });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function snapshot(stream: RecordStream, type: 'full' | 'incremental', parent: SnapshotSummary | null): Promise<SnapshotSummary> {
    n += 1;
    return writer.write({ component: 'docs', snapshotId: `snap-${String(n)}`, purpose: 'recovery-point', type, recoveryPointId: null, parent, streams: [stream] });
  }

  async function contents(summary: SnapshotSummary): Promise<Map<string, string>> {
    const reader = new SnapshotReader(new VaultReader(deps));
    const out = new Map<string, string>();
    for (const stream of summary.streams) {
      for await (const batch of reader.streamRecords(summary, stream)) for (const r of batch) out.set(r.key.toString('utf8'), r.body.toString('base64'));
    }
    return out;
  }

  it('reads only the changed and added objects, and stores what a full read stores', async () => {
    const objects = new Map<string, LiveObject>();
    for (let i = 0; i < 300; i++) objects.set(`doc-${String(i).padStart(4, '0')}.md`, written(randomBytes(200 + i)));
    const first = await snapshot(new FakePrefix(objects), 'incremental', null);

    // A day of activity: 3 documents rewritten, 1 rewritten with the same bytes, 1 deleted, 2 added.
    for (const k of ['doc-0007.md', 'doc-0150.md', 'doc-0299.md']) objects.set(k, written(randomBytes(333)));
    objects.set('doc-0042.md', written(objects.get('doc-0042.md')?.body ?? Buffer.alloc(0)));
    objects.delete('doc-0100.md');
    objects.set('doc-0300.md', written(randomBytes(10)));
    objects.set('a-first.md', written(randomBytes(10)));

    const live = new FakePrefix(objects);
    const second = await snapshot(live, 'incremental', first);
    expect(live.wholeReads).toBe(0);
    expect(live.keysRead.sort()).toEqual(['a-first.md', 'doc-0007.md', 'doc-0042.md', 'doc-0150.md', 'doc-0299.md', 'doc-0300.md']);

    // The same snapshot as reading every object: same digest, count and bytes, same records.
    const all = new FakePrefix(objects);
    const full = await snapshot(all, 'full', null);
    expect(all.wholeReads).toBe(1);
    expect(second.streams[0]?.contentDigest).toBe(full.streams[0]?.contentDigest);
    expect(second.itemCount).toBe(301);
    expect(second.logicalBytes).toBe(full.logicalBytes);
    expect(await contents(second)).toEqual(await contents(full));

    // The next backup trusts the fingerprints the second one stored (the rewritten ones included).
    const again = new FakePrefix(objects);
    await snapshot(again, 'incremental', second);
    expect(again.keysRead).toEqual([]);
  });

  it('reads an object whose fingerprint changed even when its bytes did not, and stores its new fingerprint', async () => {
    const objects = new Map<string, LiveObject>([['a.md', written(Buffer.from('same'))]]);
    const first = await snapshot(new FakePrefix(objects), 'incremental', null);
    objects.set('a.md', written(Buffer.from('same')));
    const live = new FakePrefix(objects);
    const second = await snapshot(live, 'incremental', first);
    expect(live.keysRead).toEqual(['a.md']);
    const next = new FakePrefix(objects);
    await snapshot(next, 'incremental', second);
    expect(next.keysRead).toEqual([]);
  });

  it('reads every object of a full backup, and of a source without fingerprints', async () => {
    const objects = new Map<string, LiveObject>([['a.md', written(Buffer.from('x'))], ['b.md', written(Buffer.from('y'))]]);
    const first = await snapshot(new FakePrefix(objects), 'incremental', null);
    const full = new FakePrefix(objects);
    await snapshot(full, 'full', first);
    expect(full.wholeReads).toBe(1);
    const plain = new FakePrefix(objects);
    const withoutListing: RecordStream = { descriptor: plain.descriptor, read: () => plain.read() };
    await snapshot(withoutListing, 'incremental', first);
    expect(plain.wholeReads).toBe(1);
  });
});
