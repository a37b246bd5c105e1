/**
 * Reads a snapshot's records back. Two access patterns:
 * - in manifest order (`streamRecords`), for restoring a whole stream: packs are fetched ahead of
 *   use and dropped after their last use, so memory holds a handful of packs, not the snapshot;
 * - by location (`fetchRecords`), for a differential restore that needs a scattered few: each
 *   needed pack is fetched once.
 * Every record is checked against its digest before it is handed out.
 */
import { IntegrityError } from '../errors.js';
import type { Run } from '../manifest-format.js';
import type { PackIndexEntry } from '../pack-format.js';
import type { SnapshotRecord } from './record-stream.js';
import { vaultLayout } from '../vault-layout.js';
import type { SnapshotSummary, StreamSummary } from './snapshot-summary.js';
import { checkRecordDigest, VaultReader } from './vault-reader.js';

/** One record the snapshot holds, with where its bytes are. */
export interface ExpectedRecord {
  readonly key: Buffer;
  readonly digest: Buffer;
  readonly packId: string;
  readonly position: number;
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
      for (let p = run.start; p < run.start + run.count; p++) {
        const entry = index[p];
        if (!entry) throw this.outOfRange(summary, run.packId);
        yield { key: entry.key, digest: entry.digest, packId: run.packId, position: p };
      }
    }
  }

  /**
   * The records of a stream in manifest order, one batch per run. `fromRun` skips the runs a
   * resumed restore has already written.
   */
  async *streamRecords(summary: SnapshotSummary, stream: StreamSummary, fromRun = 0): AsyncGenerator<SnapshotRecord[]> {
    const runs = (await this.runs(summary, stream)).slice(fromRun);
    const lastUse = new Map<string, number>();
    runs.forEach((r, i) => lastUse.set(r.packId, i));
    const cache = new Map<string, Promise<{ data: Buffer; index: PackIndexEntry[] }>>();
    const limit = Math.max(1, this.options.prefetchPacks ?? 4);
    let ahead = 0;
    const prefetch = (from: number): void => {
      ahead = Math.max(ahead, from);
      while (ahead < runs.length && cache.size < limit) {
        const run = runs[ahead++];
        if (run && !cache.has(run.packId)) cache.set(run.packId, this.loadPack(summary.component, run.packId));
      }
    };
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i];
      if (!run) continue;
      prefetch(i);
      let pending = cache.get(run.packId);
      if (!pending) {
        pending = this.loadPack(summary.component, run.packId);
        cache.set(run.packId, pending);
      }
      const { data, index } = await pending;
      const storeKey = vaultLayout.pack(summary.component, run.packId);
      const out: SnapshotRecord[] = [];
      for (let p = run.start; p < run.start + run.count; p++) {
        const entry = index[p];
        if (!entry) throw this.outOfRange(summary, run.packId);
        const body = data.subarray(entry.offset, entry.offset + entry.length);
        checkRecordDigest(body, entry, storeKey);
        out.push({ key: entry.key, body });
      }
      if (lastUse.get(run.packId) === i) cache.delete(run.packId);
      yield out;
    }
  }

  /** The bodies of the given records, fetching each needed pack once. */
  async *fetchRecords(component: string, wanted: readonly ExpectedRecord[]): AsyncGenerator<{ record: ExpectedRecord; body: Buffer }[]> {
    const byPack = new Map<string, ExpectedRecord[]>();
    for (const w of wanted) {
      const list = byPack.get(w.packId);
      if (list) list.push(w);
      else byPack.set(w.packId, [w]);
    }
    const packIds = [...byPack.keys()];
    let next: Promise<{ data: Buffer; index: PackIndexEntry[] }> | undefined;
    for (let i = 0; i < packIds.length; i++) {
      const packId = packIds[i] ?? '';
      const current = next ?? this.loadPack(component, packId);
      const following = packIds[i + 1];
      next = following === undefined ? undefined : this.loadPack(component, following);
      const { data, index } = await current;
      const storeKey = vaultLayout.pack(component, packId);
      const out: { record: ExpectedRecord; body: Buffer }[] = [];
      for (const record of byPack.get(packId) ?? []) {
        const entry = index[record.position];
        if (!entry) throw new IntegrityError(`damaged object ${storeKey}: position out of range`, storeKey);
        const body = data.subarray(entry.offset, entry.offset + entry.length);
        checkRecordDigest(body, entry, storeKey);
        out.push({ record, body });
      }
      yield out;
    }
  }

  private async loadPack(component: string, packId: string): Promise<{ data: Buffer; index: PackIndexEntry[] }> {
    const [data, index] = await Promise.all([this.vault.readPack(component, packId), this.vault.readPackIndex(component, packId)]);
    const last = index[index.length - 1];
    if (last && last.offset + last.length !== data.length) {
      const storeKey = vaultLayout.pack(component, packId);
      throw new IntegrityError(`damaged object ${storeKey}: size does not match its index`, storeKey);
    }
    return { data, index };
  }

  private outOfRange(summary: SnapshotSummary, packId: string): IntegrityError {
    const storeKey = vaultLayout.packIndex(summary.component, packId);
    return new IntegrityError(`damaged object ${storeKey}: manifest points past the end of the pack`, storeKey);
  }
}
