/**
 * Reads a snapshot's records back. Two access patterns:
 * - in manifest order (`streamRuns`, `streamRecords`), for restoring a whole stream: packs are
 *   fetched ahead of use and dropped after their last use, so memory holds a handful of packs,
 *   not the snapshot. A run's records are contiguous in their pack, so a run is handed out as one
 *   slice as well as record by record;
 * - by location (`fetchRecords`), for a differential restore that needs a scattered few: each
 *   needed pack is fetched once, and each record is re-hashed against its digest.
 * Streaming does not re-hash: a pack's bytes are authenticated by AES-GCM as a whole, and its
 * index, from which the digests come, was written from the same bytes. Verification re-hashes.
 */
import { IntegrityError } from '../errors.js';
import type { Run } from '../manifest-format.js';
import type { PackIndex } from '../pack-format.js';
import { vaultLayout } from '../vault-layout.js';
import type { SnapshotRecord } from './record-stream.js';
import type { SnapshotSummary, StreamSummary } from './snapshot-summary.js';
import { checkRecordDigest, VaultReader } from './vault-reader.js';

/** One record the snapshot holds, with where its bytes are. */
export interface ExpectedRecord {
  readonly key: Buffer;
  readonly digest: Buffer;
  readonly packId: string;
  readonly position: number;
  readonly fingerprint: Buffer | undefined;
}

/** The records of one manifest run: contiguous bytes of one pack. */
export interface RunSlice {
  readonly run: Run;
  readonly index: PackIndex;
  /** The run's records back to back, exactly as stored. */
  readonly bytes: Buffer;
  /** The run's records one by one. */
  records(): SnapshotRecord[];
}

interface LoadedPack {
  readonly data: Buffer;
  readonly index: PackIndex;
}

export interface SnapshotReaderOptions {
  /** Packs fetched ahead of use when streaming in order. */
  readonly prefetchPacks?: number;
}

export class SnapshotReader {
  constructor(
    private readonly vault: VaultReader,
    private readonly options: SnapshotReaderOptions = {},
  ) {}

  /** The runs of one stream, checked against the stream's item count. */
  async runs(summary: SnapshotSummary, stream: StreamSummary): Promise<Run[]> {
    const runs = await this.vault.readRuns(summary.component, stream.manifestChunks);
    const total = runs.reduce((n, r) => n + r.count, 0);
    if (total !== stream.itemCount) {
      throw new IntegrityError(
        `snapshot ${summary.snapshotId}: manifest lists ${total} records, summary says ${stream.itemCount}`,
        vaultLayout.snapshotSummary(summary.component, summary.snapshotId),
      );
    }
    return runs;
  }

  /** Every record of a stream with its key and digest, in manifest order, without reading packs. */
  async *expectedRecords(summary: SnapshotSummary, stream: StreamSummary): AsyncGenerator<ExpectedRecord> {
    for (const run of await this.runs(summary, stream)) {
      const index = await this.vault.readPackIndex(summary.component, run.packId);
      this.checkRun(summary.component, run, index);
      for (let p = run.start; p < run.start + run.count; p++) {
        yield { key: index.key(p), digest: index.digest(p), packId: run.packId, position: p, fingerprint: index.fingerprint(p) };
      }
    }
  }

  /** The runs of a stream in manifest order, each as a slice of its pack. `fromRun` skips runs already restored. */
  async *streamRuns(summary: SnapshotSummary, stream: StreamSummary, fromRun = 0): AsyncGenerator<RunSlice> {
    const runs = (await this.runs(summary, stream)).slice(fromRun);
    const lastUse = new Map<string, number>();
    runs.forEach((r, i) => lastUse.set(r.packId, i));
    const cache = new Map<string, Promise<LoadedPack>>();
    const ahead = Math.max(1, this.options.prefetchPacks ?? 3);
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i];
      if (!run) continue;
      // Keep the next `ahead` distinct packs of the manifest loading. Packs used all along (the
      // new records of an incremental snapshot) stay cached without taking a prefetch slot.
      const upcoming = new Set<string>();
      for (let j = i; j < runs.length && upcoming.size < ahead; j++) {
        const next = runs[j];
        if (!next || upcoming.has(next.packId)) continue;
        upcoming.add(next.packId);
        if (!cache.has(next.packId)) cache.set(next.packId, prefetched(this.loadPack(summary.component, next.packId)));
      }
      // The scan above always starts with this run's own pack.
      const pending = cache.get(run.packId) ?? this.loadPack(summary.component, run.packId);
      const { data, index } = await pending;
      this.checkRun(summary.component, run, index);
      if (lastUse.get(run.packId) === i) cache.delete(run.packId);
      const span = index.span(run.start, run.count);
      yield {
        run,
        index,
        bytes: data.subarray(span.offset, span.end),
        records: () => {
          const out: SnapshotRecord[] = [];
          for (let p = run.start; p < run.start + run.count; p++) {
            out.push({ key: index.key(p), body: data.subarray(index.offset(p), index.offset(p) + index.length(p)) });
          }
          return out;
        },
      };
    }
  }

  /** The records of a stream in manifest order, one batch per run. */
  async *streamRecords(summary: SnapshotSummary, stream: StreamSummary, fromRun = 0): AsyncGenerator<SnapshotRecord[]> {
    for await (const slice of this.streamRuns(summary, stream, fromRun)) yield slice.records();
  }

  /** The bodies of the given records, fetching each needed pack once and re-hashing each record. */
  async *fetchRecords(component: string, wanted: readonly ExpectedRecord[]): AsyncGenerator<{ record: ExpectedRecord; body: Buffer }[]> {
    const byPack = new Map<string, ExpectedRecord[]>();
    for (const w of wanted) {
      const list = byPack.get(w.packId);
      if (list) list.push(w);
      else byPack.set(w.packId, [w]);
    }
    const packIds = [...byPack.keys()];
    let next: Promise<LoadedPack> | undefined;
    for (let i = 0; i < packIds.length; i++) {
      const packId = packIds[i] ?? '';
      const current = next ?? this.loadPack(component, packId);
      const following = packIds[i + 1];
      next = following === undefined ? undefined : prefetched(this.loadPack(component, following));
      const { data, index } = await current;
      const storeKey = vaultLayout.pack(component, packId, index.generation);
      const out: { record: ExpectedRecord; body: Buffer }[] = [];
      for (const record of byPack.get(packId) ?? []) {
        if (record.position >= index.count || !index.isLive(record.position)) {
          throw new IntegrityError(`damaged object ${storeKey}: no record at position ${String(record.position)}`, storeKey);
        }
        const body = data.subarray(index.offset(record.position), index.offset(record.position) + index.length(record.position));
        checkRecordDigest(body, index.digest(record.position), storeKey);
        out.push({ record, body });
      }
      yield out;
    }
  }

  /** A pack and its index, checked to describe each other. The index names the pack's generation. */
  async loadPack(component: string, packId: string): Promise<LoadedPack> {
    const index = await this.vault.readPackIndex(component, packId);
    const data = await this.vault.readPack(component, packId, index.generation);
    if (index.packLength !== data.length) {
      const storeKey = vaultLayout.pack(component, packId, index.generation);
      throw new IntegrityError(`damaged object ${storeKey}: size does not match its index`, storeKey);
    }
    return { data, index };
  }

  private checkRun(component: string, run: Run, index: PackIndex): void {
    const storeKey = vaultLayout.packIndex(component, run.packId);
    if (run.start + run.count > index.count) {
      throw new IntegrityError(`damaged object ${storeKey}: manifest points past the end of the pack`, storeKey);
    }
    for (let p = run.start; p < run.start + run.count; p++) {
      if (!index.isLive(p)) throw new IntegrityError(`damaged object ${storeKey}: manifest points at a pruned record`, storeKey);
    }
  }
}

/**
 * A pack loaded ahead of its use. When the reading stops first (a damaged pack before it, a
 * consumer that breaks off), nobody awaits it: its failure is observed here so that it is not an
 * unhandled rejection, while whoever awaits it still gets the error.
 */
function prefetched<T>(load: Promise<T>): Promise<T> {
  load.catch(() => undefined);
  return load;
}
