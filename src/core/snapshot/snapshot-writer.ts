/**
 * Takes a snapshot of one component: reads its streams, digests every record, packs only the
 * records whose digest is not stored yet, and writes the manifest and the authenticated summary.
 *
 * Deduplication is against the parent snapshot: its pack indexes give every digest already stored
 * and where (pack, position). A record with a known digest costs nothing but its place in a
 * manifest run. A source that lists fingerprints (an S3 prefix) is not even read where an object's
 * key and fingerprint are those the parent stored: like restic's unchanged files, only the
 * objects written since are fetched. New records go into packs of about `packTargetBytes`; a full pack is compressed on
 * libuv's threadpool while the main thread keeps reading and hashing, with a bounded number of
 * packs in flight so memory stays flat whatever the table size.
 *
 * Crash safety: packs, indexes and chunks are written before the summary, and the summary last; a
 * snapshot exists only once its summary does. Anything a crashed run left behind is referenced by
 * no summary and is removed by the next prune.
 */
import { ContentDigest, combineDigests, sha256 } from '../digest.js';
import { DigestTable } from '../digest-table.js';
import { asError } from '../errors.js';
import { forEachLimit } from '../retry.js';
import { chunkId as computeChunkId, chunkRuns, RunBuilder } from '../manifest-format.js';
import { newPackId, PackIndexBuilder } from '../pack-format.js';
import type { Clock, KeyService } from '../ports.js';
import { sealObject, SealedKind, type SnapshotKey } from '../sealed-object.js';
import { vaultLayout } from '../vault-layout.js';
import {
  FORMAT_VERSION,
  sealSummary,
  type SnapshotPurpose,
  type SnapshotSummary,
  type StreamSummary,
} from './snapshot-summary.js';
import type { RecordStream, SnapshotRecord } from './record-stream.js';
import { VaultReader, type VaultDeps } from './vault-reader.js';

export interface SnapshotProgress {
  readonly component: string;
  readonly items: number;
  /** Estimated records of the component, when every stream could estimate its own. */
  readonly estimatedItems: number | undefined;
  readonly logicalBytes: number;
  readonly storedBytes: number;
}

export interface WriteSnapshotRequest {
  readonly component: string;
  readonly snapshotId: string;
  readonly purpose: SnapshotPurpose;
  /** `full` ignores the parent and stores every record anew. */
  readonly type: 'full' | 'incremental';
  readonly recoveryPointId: string | null;
  readonly parent: SnapshotSummary | null;
  readonly streams: readonly RecordStream[];
  readonly labels?: Record<string, string>;
  readonly onProgress?: (p: SnapshotProgress) => void;
}

export interface SnapshotWriterOptions {
  readonly packTargetBytes?: number;
  readonly packsInFlight?: number;
  readonly clock: Clock;
}

interface Location {
  readonly packId: string;
  readonly position: number;
}

/**
 * Accumulates new records into packs and uploads them with bounded concurrency. Records are copied
 * into the pack's own buffer so the reader's chunks are released at once; memory is bounded by
 * (packs in flight + 1) pack buffers.
 */
class PackWriter {
  private id = newPackId();
  private buffer: Buffer;
  private index = new PackIndexBuilder();
  private bytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** Pack buffers whose upload finished, reused so memory does not churn with every pack. */
  private readonly spare: Buffer[] = [];
  private failure: Error | undefined;
  readonly written: string[] = [];
  storedBytes = 0;

  constructor(
    private readonly deps: VaultDeps,
    private readonly component: string,
    private readonly key: SnapshotKey,
    private readonly targetBytes: number,
    private readonly maxInFlight: number,
  ) {
    this.buffer = Buffer.allocUnsafe(targetBytes + (targetBytes >> 2));
  }

  /** Adds a record and returns where it will live. */
  add(key: Buffer, digest: Buffer, body: Buffer, fingerprint: Buffer | undefined): Location {
    const location = { packId: this.id, position: this.index.count };
    if (this.bytes + body.length > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.bytes + body.length));
      this.buffer.copy(grown, 0, 0, this.bytes);
      this.buffer = grown;
    }
    body.copy(this.buffer, this.bytes);
    this.index.add(key, digest, body.length, fingerprint);
    this.bytes += body.length;
    return location;
  }

  get full(): boolean {
    return this.bytes >= this.targetBytes;
  }

  /** Seals the current pack and starts its upload; waits while too many are in flight. */
  async rotate(): Promise<void> {
    if (this.index.count === 0) return;
    const id = this.id;
    const data = this.buffer.subarray(0, this.bytes);
    const index = this.index;
    const full = this.buffer;
    this.id = newPackId();
    this.buffer = this.spare.pop() ?? Buffer.allocUnsafe(this.targetBytes + (this.targetBytes >> 2));
    this.index = new PackIndexBuilder();
    this.bytes = 0;
    const task = this.upload(id, data, index).then(
      () => {
        this.spare.push(full);
      },
      (err: unknown) => {
        this.failure ??= asError(err);
      },
    );
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }

  async finish(): Promise<void> {
    await this.rotate();
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  private async upload(id: string, data: Buffer, index: PackIndexBuilder): Promise<void> {
    const [packData, indexData] = await Promise.all([
      this.deps.compressor.compress(data),
      this.deps.compressor.compress(index.encode()),
    ]);
    const pack = sealObject(SealedKind.Pack, id, this.key, packData);
    const sealedIndex = sealObject(SealedKind.PackIndex, id, this.key, indexData);
    // The index goes last: an index present means its pack is complete.
    await this.deps.store.put(vaultLayout.pack(this.component, id), pack);
    await this.deps.store.put(vaultLayout.packIndex(this.component, id), sealedIndex);
    this.storedBytes += pack.length + sealedIndex.length;
    this.written.push(id);
  }
}

/**
 * What deduplication matches on: the digest, and for a record with a source fingerprint the pair.
 * An object rewritten with the same content (by a restore, say) gets a new fingerprint; storing
 * it once more carries the fresh fingerprint forward, so the next differential restore can still
 * tell it unchanged from a listing. Without this, deduplicated records would keep the fingerprint
 * of their first backup for ever.
 */
function dedupIdentity(digest: Buffer, fingerprint: Buffer | undefined): Buffer {
  return fingerprint ? sha256(Buffer.concat([digest, fingerprint])) : digest;
}

/** A record the parent stored under the same key and source fingerprint: where, its digest and length. */
interface UnchangedRecord {
  readonly location: Location;
  readonly digest: Buffer;
  readonly length: number;
}

/** A listed record that need not be read, as the write loop takes it. */
interface ListedUnchanged extends UnchangedRecord {
  readonly key: Buffer;
}

function isUnchanged(record: SnapshotRecord | ListedUnchanged): record is ListedUnchanged {
  return 'location' in record;
}

/** The lookup key of a record by its key and source fingerprint (the key length first: no two pairs share it). */
function fingerprintIdentity(key: Buffer, fingerprint: Buffer): string {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(key.length);
  return sha256(Buffer.concat([length, key, fingerprint])).toString('latin1');
}

/**
 * The records of a stream as the write loop takes them, in the stream's order: for a source that
 * lists fingerprints, each listed record the parent stored under the same key and fingerprint as
 * it is (unread), the others read by key; any other source read whole. An object deleted between
 * the listing and its read is not in the snapshot, as if the listing had come a moment later.
 */
async function* readChanged(stream: RecordStream, unchanged: ReadonlyMap<string, UnchangedRecord>): AsyncGenerator<readonly (SnapshotRecord | ListedUnchanged)[]> {
  if (unchanged.size === 0 || !stream.scanFingerprints || !stream.readKeys) {
    yield* stream.read();
    return;
  }
  for await (const listed of stream.scanFingerprints()) {
    const known = listed.map((l) => unchanged.get(fingerprintIdentity(l.key, l.fingerprint)));
    const changedKeys = listed.filter((_l, i) => known[i] === undefined).map((l) => l.key);
    const read = new Map((changedKeys.length > 0 ? await stream.readKeys(changedKeys) : []).map((r) => [r.key.toString('latin1'), r]));
    const batch: (SnapshotRecord | ListedUnchanged)[] = [];
    for (const [i, l] of listed.entries()) {
      const hit = known[i];
      const record = hit ? { ...hit, key: l.key } : read.get(l.key.toString('latin1'));
      if (record) batch.push(record);
    }
    if (batch.length > 0) yield batch;
  }
}

export class SnapshotWriter {
  private readonly reader: VaultReader;
  private readonly packTargetBytes: number;
  private readonly packsInFlight: number;

  constructor(
    private readonly deps: VaultDeps & { readonly keys: KeyService },
    private readonly options: SnapshotWriterOptions,
  ) {
    this.reader = new VaultReader(deps);
    this.packTargetBytes = options.packTargetBytes ?? 4 * 1024 * 1024;
    this.packsInFlight = options.packsInFlight ?? 2;
  }

  async write(req: WriteSnapshotRequest): Promise<SnapshotSummary> {
    const context = { backupId: req.snapshotId, component: req.component };
    const dataKey = await this.deps.keys.generateDataKey(context);
    const key: SnapshotKey = { ...dataKey, context };
    const { known, unchanged } = req.type === 'incremental' && req.parent ? await this.knownRecords(req.parent) : { known: new DigestTable(), unchanged: new Map<string, UnchangedRecord>() };
    const parentChunks = new Set(req.parent?.streams.flatMap((s) => s.manifestChunks) ?? []);
    const packs = new PackWriter(this.deps, req.component, key, this.packTargetBytes, this.packsInFlight);
    const referencedPacks = new Set<string>();
    const newChunks = new Set<string>();
    let chunkBytes = 0;
    let items = 0;
    let logicalBytes = 0;
    const streams: StreamSummary[] = [];
    let estimatedItems: number | undefined = 0;
    for (const stream of req.streams) {
      estimatedItems = stream.estimatedCount === undefined || estimatedItems === undefined ? undefined : estimatedItems + stream.estimatedCount;
    }

    for (const stream of req.streams) {
      const runs = new RunBuilder();
      const digest = new ContentDigest();
      let streamBytes = 0;
      for await (const batch of readChanged(stream, unchanged)) {
        for (const record of batch) {
          if (isUnchanged(record)) {
            // Stored by the parent under this key and fingerprint: not read, referenced where it is.
            digest.add(record.key, record.digest);
            referencedPacks.add(record.location.packId);
            runs.add(record.location.packId, record.location.position);
            streamBytes += record.length;
            continue;
          }
          const recordDigest = sha256(record.body);
          digest.add(record.key, recordDigest);
          const identity = dedupIdentity(recordDigest, record.fingerprint);
          let location = known.get(identity);
          if (!location) {
            location = packs.add(record.key, recordDigest, record.body, record.fingerprint);
            known.set(identity, location);
          }
          referencedPacks.add(location.packId);
          runs.add(location.packId, location.position);
          streamBytes += record.body.length;
        }
        items += batch.length;
        if (packs.full) await packs.rotate();
        req.onProgress?.({ component: req.component, items, estimatedItems, logicalBytes: logicalBytes + streamBytes, storedBytes: packs.storedBytes + chunkBytes });
      }
      logicalBytes += streamBytes;
      const chunkIds: string[] = [];
      for (const plain of chunkRuns(runs.finish())) {
        const id = computeChunkId(plain);
        chunkIds.push(id);
        if (parentChunks.has(id) || newChunks.has(id)) continue;
        const sealed = sealObject(SealedKind.ManifestChunk, id, key, await this.deps.compressor.compress(plain));
        await this.deps.store.put(vaultLayout.manifestChunk(req.component, id), sealed);
        newChunks.add(id);
        chunkBytes += sealed.length;
      }
      streams.push({
        source: stream.descriptor,
        itemCount: digest.count,
        contentDigest: digest.value(),
        logicalBytes: streamBytes,
        manifestChunks: chunkIds,
      });
    }
    await packs.finish();

    const summary: SnapshotSummary = {
      formatVersion: FORMAT_VERSION,
      snapshotId: req.snapshotId,
      component: req.component,
      purpose: req.purpose,
      type: req.type,
      recoveryPointId: req.recoveryPointId,
      createdAt: this.options.clock.now().toISOString(),
      parentSnapshotId: req.parent?.snapshotId ?? null,
      key: { wrapped: key.wrapped.toString('base64'), keyId: key.keyId, context },
      streams,
      packs: [...referencedPacks].sort(),
      newPacks: [...packs.written].sort(),
      newManifestChunks: [...newChunks],
      itemCount: items,
      contentDigest: combineDigests(streams.map((s) => s.contentDigest)),
      logicalBytes,
      storedBytes: packs.storedBytes + chunkBytes,
      labels: req.labels ?? {},
    };
    await this.deps.store.put(vaultLayout.snapshotSummary(req.component, req.snapshotId), sealSummary(summary, key.plaintext));
    return summary;
  }

  /**
   * Every record the parent references, with where it is stored; and those with a source
   * fingerprint by key and fingerprint. Indexes are read a few at a time and dropped once their
   * entries are in the tables, so memory holds the compact table (and an entry per fingerprinted
   * record: S3 objects) only.
   */
  private async knownRecords(parent: SnapshotSummary): Promise<{ known: DigestTable; unchanged: Map<string, UnchangedRecord> }> {
    const known = new DigestTable();
    const unchanged = new Map<string, UnchangedRecord>();
    await forEachLimit(parent.packs, 8, async (packId) => {
      const index = await this.reader.loadPackIndex(parent.component, packId);
      for (let position = 0; position < index.count; position++) {
        if (!index.isLive(position)) continue;
        const fingerprint = index.fingerprint(position);
        known.set(dedupIdentity(index.digest(position), fingerprint), { packId, position });
        if (fingerprint) {
          unchanged.set(fingerprintIdentity(index.key(position), fingerprint), { location: { packId, position }, digest: Buffer.from(index.digest(position)), length: index.length(position) });
        }
      }
    });
    return { known, unchanged };
  }

}
