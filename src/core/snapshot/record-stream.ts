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

/**
 * What a source that can list without reading bodies offers (an S3 prefix): keys with
 * fingerprints from the listing, and the records of chosen keys. Backups read only the records
 * whose fingerprint changed since the parent; differential restores compare listings.
 */
export interface FingerprintListing {
  /** Keys and fingerprints of the live records, without reading bodies. */
  scanFingerprints?(): AsyncIterable<readonly LiveFingerprint[]>;
  /** Reads the live records of these keys (those that exist), in the order given. */
  readKeys?(keys: readonly Buffer[]): Promise<SnapshotRecord[]>;
}

/** A record's key and the sha256 of its canonical bytes. */
export interface RecordDigest {
  readonly key: Buffer;
  readonly digest: Buffer;
}

/** A source of records, read in batches. */
export interface RecordStream extends FingerprintListing {
  readonly descriptor: SourceDescriptor;
  /** About how many records the stream holds, when the source can tell cheaply (progress, ETA). */
  readonly estimatedCount?: number | undefined;
  read(): AsyncIterable<readonly SnapshotRecord[]>;
}

/** Where restored records go and how the live state is read back. Writes and deletes are idempotent. */
export interface RestoreTarget extends FingerprintListing {
  readonly descriptor: SourceDescriptor;
  /** The live records, in any order. */
  scan(): AsyncIterable<readonly SnapshotRecord[]>;
  write(records: readonly SnapshotRecord[]): Promise<void>;
  delete(keys: readonly Buffer[]): Promise<void>;
  /** Object keys and body digests, for targets that can tell them without reading unchanged bodies again. */
  scanDigests?(): AsyncIterable<readonly ObjectDigest[]>;
  /** Record keys and record digests, for targets that can tell them without reading unchanged records again. */
  scanRecordDigests?(): AsyncIterable<readonly RecordDigest[]>;
}
