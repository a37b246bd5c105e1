/**
 * What the snapshot engine reads from and restores to: streams of records. A record is a key
 * (empty for positional streams such as the benchmark's files) and its canonical bytes.
 */
import type { SourceDescriptor } from './snapshot-summary.js';

export interface SnapshotRecord {
  readonly key: Buffer;
  readonly body: Buffer;
  /** A cheap identity of the live record (see PackIndex.fingerprint), when the source has one. */
  readonly fingerprint?: Buffer | undefined;
}

/** A live record's key and fingerprint, from a listing that does not read bodies. */
export interface LiveFingerprint {
  readonly key: Buffer;
  readonly fingerprint: Buffer;
}

/** An object's key (relative to its stream's prefix) and the sha256 (hex) of its body. */
export interface ObjectDigest {
  readonly key: string;
  readonly digest: string;
}

/** A source of records, read in batches. */
export interface RecordStream {
  readonly descriptor: SourceDescriptor;
  /** About how many records the stream holds, when the source can tell cheaply (progress, ETA). */
  readonly estimatedCount?: number | undefined;
  read(): AsyncIterable<readonly SnapshotRecord[]>;
}

/** Where restored records go and how the live state is read back. Writes and deletes are idempotent. */
export interface RestoreTarget {
  readonly descriptor: SourceDescriptor;
  /** The live records, in any order. */
  scan(): AsyncIterable<readonly SnapshotRecord[]>;
  write(records: readonly SnapshotRecord[]): Promise<void>;
  delete(keys: readonly Buffer[]): Promise<void>;
  /** Keys and fingerprints of the live records, for targets that can list without reading bodies. */
  scanFingerprints?(): AsyncIterable<readonly LiveFingerprint[]>;
  /** Object keys and body digests, for targets that can tell them without reading unchanged bodies again. */
  scanDigests?(): AsyncIterable<readonly ObjectDigest[]>;
  /** Reads the live records of these keys (those that exist), for targets that list by fingerprint. */
  readKeys?(keys: readonly Buffer[]): Promise<SnapshotRecord[]>;
}
