/**
 * In-place restore of a snapshot stream into its live target, and verification of the result.
 *
 * Differential (the default): scan the live target, compare each live record's digest with the
 * snapshot's record of the same key, then delete what the snapshot did not have and write only
 * what differs or is missing, fetching each needed pack once. Its cost follows the size of the
 * change, not of the data. Full: write every record of the snapshot in manifest order, then delete
 * what the snapshot did not have.
 *
 * Both are idempotent, so an interrupted restore is simply run again: a differential rerun computes
 * what is still different; a full rerun resumes after the last run recorded by its checkpoint.
 * Verification is separate: it rescans the live target and compares its content digest with the
 * snapshot's.
 */
import { ContentDigest, sha256 } from '../digest.js';
import type { SnapshotRecord, RestoreTarget } from './record-stream.js';
import { SnapshotReader, type ExpectedRecord } from './snapshot-reader.js';
import type { SnapshotSummary, StreamSummary } from './snapshot-summary.js';
import type { VaultReader } from './vault-reader.js';

export type RestoreMode = 'differential' | 'full';

export interface RestoreProgress {
  readonly source: string;
  readonly phase: 'scan' | 'delete' | 'write' | 'verify';
  readonly done: number;
  readonly total: number;
}

/** Where a full restore records how far it got, so a rerun resumes there. */
export interface RestoreCheckpoint {
  load(): Promise<number | undefined>;
  save(runsDone: number): Promise<void>;
  clear(): Promise<void>;
}

/**
 * Decides, for one key, what the live target must hold after the restore, from the point's record
 * and the live one (canonical bytes; undefined for none). Components whose rollback must not simply
 * copy the point (auth: a revocation made since stays) provide one.
 */
export type RecordReconciler = (point: Buffer | undefined, live: Buffer | undefined) => Buffer | undefined;

export interface RestoreStreamOptions {
  readonly mode: RestoreMode;
  readonly reconcile?: RecordReconciler;
  readonly onProgress?: (p: RestoreProgress) => void;
  readonly checkpoint?: RestoreCheckpoint;
  /** Records per write call. */
  readonly batchSize?: number;
  /**
   * Wall-clock time (ms since the epoch) after which the restore stops at the next batch boundary
   * and returns `complete: false`; a rerun continues (a Lambda run ends before its timeout). A
   * restore through a reconciler ignores it: its decisions need both sides whole.
   */
  readonly deadline?: number;
}

export interface RestoreStreamResult {
  readonly source: string;
  readonly expected: number;
  readonly written: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly restoreMs: number;
  /** Content digest the live target must now have: the snapshot's, or the reconciled state's. */
  readonly expectedDigest: string;
  /** False when the deadline stopped it: run it again (with the same checkpoint) to finish. */
  readonly complete: boolean;
}

export interface DiffPlan {
  readonly toWrite: ExpectedRecord[];
  readonly toDelete: Buffer[];
  readonly unchanged: number;
  readonly expected: number;
}

export interface ReconciledPlan {
  /** Every record the target must hold afterwards. */
  readonly desired: SnapshotRecord[];
  readonly toWrite: SnapshotRecord[];
  readonly toDelete: Buffer[];
  readonly unchanged: number;
  readonly expectedDigest: string;
}

export interface StreamVerification {
  readonly source: string;
  readonly ok: boolean;
  readonly expectedDigest: string;
  readonly liveDigest: string;
  readonly items: number;
  readonly verifyMs: number;
}

export class SnapshotRestorer {
  private readonly reader: SnapshotReader;

  constructor(vault: VaultReader) {
    this.reader = new SnapshotReader(vault);
  }

  /**
   * Compares the live target with the snapshot without changing anything (a dry run). When the
   * target can list fingerprints and the snapshot recorded them, unchanged records are recognised
   * from the listing alone (an S3 prefix: no object is read); otherwise live records are read and
   * their digests compared.
   */
  async diff(summary: SnapshotSummary, stream: StreamSummary, target: RestoreTarget, onProgress?: (p: RestoreProgress) => void): Promise<DiffPlan> {
    const expected = new Map<string, ExpectedRecord>();
    let allFingerprinted = true;
    for await (const record of this.reader.expectedRecords(summary, stream)) {
      expected.set(record.key.toString('latin1'), record);
      if (!record.fingerprint) allFingerprinted = false;
    }
    const seen = new Set<string>();
    const toWrite: ExpectedRecord[] = [];
    const toDelete: Buffer[] = [];
    let unchanged = 0;
    let scanned = 0;
    const compare = (key: Buffer, same: (want: ExpectedRecord) => boolean): void => {
      const k = key.toString('latin1');
      const want = expected.get(k);
      if (!want) {
        toDelete.push(key);
        return;
      }
      seen.add(k);
      if (same(want)) unchanged += 1;
      else toWrite.push(want);
    };
    const live = allFingerprinted && target.readKeys ? target.scanFingerprints?.() : undefined;
    if (live && target.readKeys) {
      // A different fingerprint may still be the same content (an object a restore rewrote has a
      // new modification time): those few are read and compared by digest.
      const suspects: Buffer[] = [];
      for await (const batch of live) {
        for (const l of batch) {
          compare(l.key, (want) => {
            if (want.fingerprint?.equals(l.fingerprint) === true) return true;
            suspects.push(l.key);
            return true;
          });
        }
        scanned += batch.length;
        onProgress?.({ source: stream.source.name, phase: 'scan', done: scanned, total: expected.size });
      }
      unchanged -= suspects.length;
      const present = new Set<string>();
      for (let i = 0; i < suspects.length; i += 256) {
        for (const r of await target.readKeys(suspects.slice(i, i + 256))) {
          const k = r.key.toString('latin1');
          const want = expected.get(k);
          if (!want) continue;
          present.add(k);
          if (sha256(r.body).equals(want.digest)) unchanged += 1;
          else toWrite.push(want);
        }
      }
      // Gone between the listing and the read: written back like any missing record.
      for (const key of suspects) {
        const k = key.toString('latin1');
        const want = expected.get(k);
        if (want && !present.has(k)) toWrite.push(want);
      }
    } else {
      for await (const batch of target.scan()) {
        for (const l of batch) compare(l.key, (want) => sha256(l.body).equals(want.digest));
        scanned += batch.length;
        onProgress?.({ source: stream.source.name, phase: 'scan', done: scanned, total: expected.size });
      }
    }
    for (const [k, want] of expected) if (!seen.has(k)) toWrite.push(want);
    return { toWrite, toDelete, unchanged, expected: expected.size };
  }

  async restoreStream(summary: SnapshotSummary, stream: StreamSummary, target: RestoreTarget, options: RestoreStreamOptions): Promise<RestoreStreamResult> {
    const started = Date.now();
    const source = stream.source.name;
    const batchSize = options.batchSize ?? 500;
    const progress = options.onProgress;
    const overdue = (): boolean => options.deadline !== undefined && Date.now() > options.deadline;
    if (options.reconcile) return this.reconciledRestore(summary, stream, target, options.reconcile, options);
    if (options.mode === 'differential') {
      // A rerun after the deadline computes what still differs, so it needs no checkpoint.
      const plan = await this.diff(summary, stream, target, progress);
      const partial = (written: number, deleted: number): RestoreStreamResult => ({
        source,
        expected: plan.expected,
        written,
        deleted,
        unchanged: plan.unchanged,
        restoreMs: Date.now() - started,
        expectedDigest: stream.contentDigest,
        complete: false,
      });
      for (let i = 0; i < plan.toDelete.length; i += batchSize) {
        await target.delete(plan.toDelete.slice(i, i + batchSize));
        const deleted = Math.min(i + batchSize, plan.toDelete.length);
        progress?.({ source, phase: 'delete', done: deleted, total: plan.toDelete.length });
        if (overdue() && deleted < plan.toDelete.length + plan.toWrite.length) return partial(0, deleted);
      }
      let written = 0;
      for await (const group of this.reader.fetchRecords(summary.component, plan.toWrite)) {
        for (let i = 0; i < group.length; i += batchSize) {
          await target.write(group.slice(i, i + batchSize).map(({ record, body }) => ({ key: record.key, body })));
        }
        written += group.length;
        progress?.({ source, phase: 'write', done: written, total: plan.toWrite.length });
        if (overdue() && written < plan.toWrite.length) return partial(written, plan.toDelete.length);
      }
      return {
        source,
        expected: plan.expected,
        written,
        deleted: plan.toDelete.length,
        unchanged: plan.unchanged,
        restoreMs: Date.now() - started,
        expectedDigest: stream.contentDigest,
        complete: true,
      };
    }

    // Full: rewrite everything in manifest order, resuming after the checkpointed run.
    const fromRun = (await options.checkpoint?.load()) ?? 0;
    let runsDone = fromRun;
    let written = 0;
    let pending: SnapshotRecord[] = [];
    const keys = new Set<string>();
    for await (const record of this.reader.expectedRecords(summary, stream)) keys.add(record.key.toString('latin1'));
    for await (const slice of this.reader.streamRuns(summary, stream, fromRun)) {
      pending.push(...slice.records());
      runsDone += 1;
      if (pending.length >= batchSize) {
        await target.write(pending);
        written += pending.length;
        pending = [];
        await options.checkpoint?.save(runsDone);
        progress?.({ source, phase: 'write', done: written, total: stream.itemCount });
        // Only a checkpointed restore can stop early: without one, a rerun would start over.
        if (options.checkpoint && overdue()) {
          return { source, expected: keys.size, written, deleted: 0, unchanged: 0, restoreMs: Date.now() - started, expectedDigest: stream.contentDigest, complete: false };
        }
      }
    }
    if (pending.length > 0) {
      await target.write(pending);
      written += pending.length;
      await options.checkpoint?.save(runsDone);
    }
    const toDelete: Buffer[] = [];
    for await (const batch of target.scan()) for (const live of batch) if (!keys.has(live.key.toString('latin1'))) toDelete.push(live.key);
    for (let i = 0; i < toDelete.length; i += batchSize) await target.delete(toDelete.slice(i, i + batchSize));
    await options.checkpoint?.clear();
    return { source, expected: keys.size, written, deleted: toDelete.length, unchanged: 0, restoreMs: Date.now() - started, expectedDigest: stream.contentDigest, complete: true };
  }

  /**
   * A restore through a reconciler: every record of the point and of the live target is read
   * (the decision for a key depends on both), the reconciler decides each key, and only what
   * differs from the live target is written or deleted (in full mode every kept record is
   * rewritten). The expected digest is the reconciled state's. Meant for small components such
   * as auth: both sides are held in memory.
   */
  /**
   * The plan of a restore through a reconciler: every record of the point and of the live target
   * is read (the decision for a key depends on both), the reconciler decides each key, and what
   * differs from the live target is to be written or deleted. Meant for small components such as
   * auth: both sides are held in memory.
   */
  async reconciledPlan(summary: SnapshotSummary, stream: StreamSummary, target: RestoreTarget, reconcile: RecordReconciler): Promise<ReconciledPlan> {
    const point = new Map<string, SnapshotRecord>();
    for await (const batch of this.reader.streamRecords(summary, stream)) {
      for (const r of batch) point.set(r.key.toString('latin1'), { key: Buffer.from(r.key), body: Buffer.from(r.body) });
    }
    const live = new Map<string, SnapshotRecord>();
    for await (const batch of target.scan()) for (const r of batch) live.set(r.key.toString('latin1'), r);
    const expected = new ContentDigest();
    const desiredRecords: SnapshotRecord[] = [];
    const toWrite: SnapshotRecord[] = [];
    const toDelete: Buffer[] = [];
    for (const k of new Set([...point.keys(), ...live.keys()])) {
      const p = point.get(k);
      const l = live.get(k);
      const key = (p ?? l)?.key ?? Buffer.from(k, 'latin1');
      const desired = reconcile(p?.body, l?.body);
      if (desired === undefined) {
        if (l) toDelete.push(key);
        continue;
      }
      expected.add(key, sha256(desired));
      desiredRecords.push({ key, body: desired });
      if (!l?.body.equals(desired)) toWrite.push({ key, body: desired });
    }
    return { desired: desiredRecords, toWrite, toDelete, unchanged: desiredRecords.length - toWrite.length, expectedDigest: expected.value() };
  }

  private async reconciledRestore(
    summary: SnapshotSummary,
    stream: StreamSummary,
    target: RestoreTarget,
    reconcile: RecordReconciler,
    options: RestoreStreamOptions,
  ): Promise<RestoreStreamResult> {
    const started = Date.now();
    const source = stream.source.name;
    const batchSize = options.batchSize ?? 500;
    const plan = await this.reconciledPlan(summary, stream, target, reconcile);
    // In full mode every kept record is rewritten, not only those that differ.
    const toWrite = options.mode === 'full' ? plan.desired : plan.toWrite;
    for (let i = 0; i < plan.toDelete.length; i += batchSize) await target.delete(plan.toDelete.slice(i, i + batchSize));
    for (let i = 0; i < toWrite.length; i += batchSize) {
      await target.write(toWrite.slice(i, i + batchSize));
      options.onProgress?.({ source, phase: 'write', done: Math.min(i + batchSize, toWrite.length), total: toWrite.length });
    }
    return {
      source,
      expected: plan.desired.length,
      written: toWrite.length,
      deleted: plan.toDelete.length,
      unchanged: options.mode === 'full' ? 0 : plan.unchanged,
      restoreMs: Date.now() - started,
      expectedDigest: plan.expectedDigest,
      complete: true,
    };
  }

  /**
   * Content digest of the live target, computed as the snapshot's was. A target that knows the
   * digests of records it read before with the same fingerprint (an S3 prefix) reads only the
   * others: the objects a restore rewrote are read back.
   */
  async liveDigest(target: RestoreTarget): Promise<ContentDigest> {
    const digest = new ContentDigest();
    if (target.scanRecordDigests) {
      for await (const batch of target.scanRecordDigests()) for (const live of batch) digest.add(live.key, live.digest);
      return digest;
    }
    for await (const batch of target.scan()) for (const live of batch) digest.add(live.key, sha256(live.body));
    return digest;
  }

  /**
   * Does the live target hold exactly the expected records: the snapshot's, or the reconciled
   * state a restore computed (`expectedDigest` of its result)?
   */
  async verifyStream(stream: StreamSummary, target: RestoreTarget, expectedDigest = stream.contentDigest): Promise<StreamVerification> {
    const started = Date.now();
    const live = await this.liveDigest(target);
    return {
      source: stream.source.name,
      ok: live.value() === expectedDigest,
      expectedDigest,
      liveDigest: live.value(),
      items: live.count,
      verifyMs: Date.now() - started,
    };
  }
}
