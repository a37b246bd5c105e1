/**
 * Packs and their indexes. A pack is a group of records (a few MiB before compression), stored as
 * one sealed object: zstd of the concatenated record bytes. Its index, a separate sealed object,
 * lists each record's key, digest and length in pack order; a record is addressed by (pack id,
 * position). Indexes are small and read without the packs: a backup loads the parent snapshot's
 * indexes to know which digests are stored already, a restore loads them to map the manifest to
 * keys and digests before it fetches any pack.
 *
 * Prune rewrites a pack that is mostly dead (no kept snapshot references most of its records) as
 * the pack's next generation: the live records stay at their positions, dead positions become
 * empty slots, so manifests that point into the pack stay valid unchanged. The index names the
 * pack's current generation; it is replaced after the new generation's pack is written.
 */
import { randomBytes } from 'node:crypto';
import { DIGEST_BYTES } from './digest.js';
import { IntegrityError } from './errors.js';
import { ByteReader, ByteWriter } from './varint.js';

export const PACK_ID_BYTES = 16;

/**
 * A decoded pack index, held compactly (one buffer of keys, one of digests, typed arrays of
 * offsets) because a restore or an incremental backup keeps every index of a snapshot in memory.
 */
export class PackIndex {
  constructor(
    /** Which generation of the pack this index describes (0 until a prune repacks it). */
    readonly generation: number,
    readonly count: number,
    private readonly keyBytes: Buffer,
    private readonly keyOffsets: Uint32Array,
    private readonly digests: Buffer,
    /** Record offsets within the pack, count + 1 entries (the last is the pack's length). */
    private readonly offsets: Float64Array,
    /** 1 for a position whose record a prune removed. */
    private readonly dead?: Uint8Array,
    /** Source fingerprints of records that have one (S3 objects: ETag, size, last modified). */
    private readonly fingerprints?: readonly (Buffer | undefined)[],
  ) {}

  /**
   * The fingerprint the source gave the record when it was read, if any: a cheap identity (for
   * an S3 object its ETag, size and last-modified second) that a live listing can be compared
   * with, so a differential restore need not read unchanged objects.
   */
  fingerprint(i: number): Buffer | undefined {
    return this.fingerprints?.[i];
  }

  /** False for a position whose record was pruned (an empty slot). */
  isLive(i: number): boolean {
    return this.dead?.[i] !== 1;
  }

  key(i: number): Buffer {
    return this.keyBytes.subarray(this.keyOffsets[i] ?? 0, this.keyOffsets[i + 1] ?? 0);
  }

  digest(i: number): Buffer {
    return this.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
  }

  offset(i: number): number {
    return this.offsets[i] ?? 0;
  }

  length(i: number): number {
    return (this.offsets[i + 1] ?? 0) - (this.offsets[i] ?? 0);
  }

  /** Bytes of the pack's records from position `start` for `count` records. */
  span(start: number, count: number): { readonly offset: number; readonly end: number } {
    return { offset: this.offsets[start] ?? 0, end: this.offsets[start + count] ?? 0 };
  }

  /** Length of the decompressed pack this index describes. */
  get packLength(): number {
    return this.offsets[this.count] ?? 0;
  }
}

export function newPackId(): string {
  return randomBytes(PACK_ID_BYTES).toString('hex');
}

/** An index entry to encode: a record, or an empty slot left by a prune. */
export type PackIndexInput =
  | { readonly key: Buffer; readonly digest: Buffer; readonly length: number; readonly fingerprint?: Buffer | undefined }
  | { readonly dead: true };

/**
 * Builds an index entry by entry straight into bytes: a pack being filled holds no object per
 * record, so nothing per record outlives the young generation of the garbage collector.
 * Layout: the generation, the count, then per entry a flag (0 record, 1 empty slot, 2 record
 * with a fingerprint) and for a record its key, digest and length (offsets are the running sum of
 * lengths), then the fingerprint when flagged.
 */
export class PackIndexBuilder {
  private readonly entries = new ByteWriter();
  private entryCount = 0;

  get count(): number {
    return this.entryCount;
  }

  add(key: Uint8Array, digest: Uint8Array, length: number, fingerprint?: Uint8Array): void {
    this.entries.varint(fingerprint ? 2 : 0);
    this.entries.lengthPrefixed(key);
    this.entries.bytes(digest);
    this.entries.varint(length);
    if (fingerprint) this.entries.lengthPrefixed(fingerprint);
    this.entryCount += 1;
  }

  addEmptySlot(): void {
    this.entries.varint(1);
    this.entryCount += 1;
  }

  encode(generation = 0): Buffer {
    const head = new ByteWriter();
    head.varint(generation);
    head.varint(this.entryCount);
    return Buffer.concat([head.toBuffer(), this.entries.toBuffer()]);
  }
}

/** Encodes a whole index at once (see PackIndexBuilder for the layout). */
export function encodePackIndex(entries: readonly PackIndexInput[], generation = 0): Buffer {
  const builder = new PackIndexBuilder();
  for (const e of entries) {
    if ('dead' in e) builder.addEmptySlot();
    else builder.add(e.key, e.digest, e.length, e.fingerprint);
  }
  return builder.encode(generation);
}

export function decodePackIndex(bytes: Buffer): PackIndex {
  const r = new ByteReader(bytes);
  const generation = r.varint();
  const count = r.varint();
  // Each entry takes at least its flag byte.
  if (count > bytes.length) throw new IntegrityError('pack index claims more entries than it holds');
  const keys: Buffer[] = [];
  const keyOffsets = new Uint32Array(count + 1);
  const digests = Buffer.allocUnsafe(count * DIGEST_BYTES);
  const offsets = new Float64Array(count + 1);
  let keyTotal = 0;
  let dead: Uint8Array | undefined;
  let fingerprints: (Buffer | undefined)[] | undefined;
  for (let i = 0; i < count; i++) {
    const flag = r.varint();
    if (flag === 1) {
      dead ??= new Uint8Array(count);
      dead[i] = 1;
      keyOffsets[i + 1] = keyTotal;
      digests.fill(0, i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
      offsets[i + 1] = offsets[i] ?? 0;
      continue;
    }
    if (flag !== 0 && flag !== 2) throw new IntegrityError('pack index entry has an unknown flag');
    const key = r.lengthPrefixed();
    keys.push(key);
    keyTotal += key.length;
    keyOffsets[i + 1] = keyTotal;
    r.bytes(DIGEST_BYTES).copy(digests, i * DIGEST_BYTES);
    offsets[i + 1] = (offsets[i] ?? 0) + r.varint();
    if (flag === 2) {
      fingerprints ??= new Array<Buffer | undefined>(count);
      fingerprints[i] = Buffer.from(r.lengthPrefixed());
    }
  }
  if (!r.done) throw new IntegrityError('pack index has trailing bytes');
  return new PackIndex(generation, count, Buffer.concat(keys, keyTotal), keyOffsets, digests, offsets, dead, fingerprints);
}
