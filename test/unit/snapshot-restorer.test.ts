import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../src/adapters/fs-object-store.js';
import { LocalKeyService } from '../../src/adapters/local-key-service.js';
import { ZstdCompressor } from '../../src/adapters/zstd-compressor.js';
import { systemClock } from '../../src/core/ports.js';
import type { LiveFingerprint, RestoreTarget, SnapshotRecord } from '../../src/core/snapshot/record-stream.js';
import { SnapshotRestorer } from '../../src/core/snapshot/snapshot-restorer.js';
import { SnapshotWriter } from '../../src/core/snapshot/snapshot-writer.js';
import { VaultReader, type VaultDeps } from '../../src/core/snapshot/vault-reader.js';

/** A live target in memory: records by key, each with a fingerprint like an object store's. */
class MemoryTarget implements RestoreTarget {
  readonly descriptor = { type: 's3' as const, name: 'memory' };
  readonly live = new Map<string, SnapshotRecord>();
  bodyScans = 0;
  writes = 0;

  async *scan(): AsyncGenerator<readonly SnapshotRecord[]> {
    this.bodyScans += 1;
    yield [...this.live.values()];
    await Promise.resolve();
  }
  async *scanFingerprints(): AsyncGenerator<readonly LiveFingerprint[]> {
    yield [...this.live.values()].map((r) => ({ key: r.key, fingerprint: r.fingerprint ?? Buffer.alloc(0) }));
    await Promise.resolve();
  }
  write(records: readonly SnapshotRecord[]): Promise<void> {
    for (const r of records) {
      this.writes += 1;
      this.live.set(r.key.toString(), { ...r, fingerprint: randomBytes(8) });
    }
    return Promise.resolve();
  }
  delete(keys: readonly Buffer[]): Promise<void> {
    for (const k of keys) this.live.delete(k.toString());
    return Promise.resolve();
  }
  read(): AsyncGenerator<readonly SnapshotRecord[]> {
    return this.scan();
  }
  /** Bodies of single keys, counted apart from whole scans. */
  readKeys(keys: readonly Buffer[]): Promise<SnapshotRecord[]> {
    this.keyReads += keys.length;
    return Promise.resolve(keys.flatMap((k) => {
      const r = this.live.get(k.toString());
      return r ? [r] : [];
    }));
  }
  keyReads = 0;
}

describe('SnapshotRestorer with fingerprints', () => {
  let dir: string;
  let deps: VaultDeps;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'restorer-'));
    deps = { store: new FsObjectStore(dir), keys: LocalKeyService.fromKey(randomBytes(32)), compressor: new ZstdCompressor() };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('recognises unchanged records from the listing alone and writes only the changed ones', async () => {
    const target = new MemoryTarget();
    for (let i = 0; i < 50; i++) {
      target.live.set(`k${String(i)}`, { key: Buffer.from(`k${String(i)}`), body: randomBytes(100), fingerprint: Buffer.from(`fp-${String(i)}`) });
    }
    const summary = await new SnapshotWriter(deps, { clock: systemClock }).write({
      component: 'c', snapshotId: 's1', purpose: 'component', type: 'full', recoveryPointId: null, parent: null,
      streams: [{ descriptor: target.descriptor, read: () => target.read() }],
    });
    const stream = summary.streams[0];
    if (!stream) throw new Error('no stream');
    await target.write([{ key: Buffer.from('k3'), body: randomBytes(100) }]);
    target.live.delete('k7');
    target.live.set('extra', { key: Buffer.from('extra'), body: randomBytes(10), fingerprint: Buffer.from('fp-extra') });
    target.writes = 0;
    target.bodyScans = 0;
    const restorer = new SnapshotRestorer(new VaultReader(deps));

    const result = await restorer.restoreStream(summary, stream, target, { mode: 'differential' });

    expect(target.bodyScans).toBe(0);
    // Only the one record whose fingerprint changed is read, to compare its content.
    expect(target.keyReads).toBe(1);
    expect({ written: result.written, deleted: result.deleted, unchanged: result.unchanged }).toEqual({ written: 2, deleted: 1, unchanged: 48 });
    expect((await restorer.verifyStream(stream, target)).ok).toBe(true);
  });

  it('a record rewritten with the same content (a new fingerprint) is read, found equal and left alone', async () => {
    const target = new MemoryTarget();
    for (let i = 0; i < 10; i++) {
      target.live.set(`k${String(i)}`, { key: Buffer.from(`k${String(i)}`), body: Buffer.from(`body-${String(i)}`), fingerprint: Buffer.from(`fp-${String(i)}`) });
    }
    const summary = await new SnapshotWriter(deps, { clock: systemClock }).write({
      component: 'c', snapshotId: 's2', purpose: 'component', type: 'full', recoveryPointId: null, parent: null,
      streams: [{ descriptor: target.descriptor, read: () => target.read() }],
    });
    const stream = summary.streams[0];
    if (!stream) throw new Error('no stream');
    // Same bytes, new fingerprint: what an earlier restore leaves behind on S3 (a new modification time).
    await target.write([{ key: Buffer.from('k4'), body: Buffer.from('body-4') }]);
    target.writes = 0;
    const result = await new SnapshotRestorer(new VaultReader(deps)).restoreStream(summary, stream, target, { mode: 'differential' });
    expect({ written: result.written, deleted: result.deleted, unchanged: result.unchanged }).toEqual({ written: 0, deleted: 0, unchanged: 10 });
    expect(target.writes).toBe(0);
  });
});
