/**
 * Packs and their indexes. A pack is a group of records (a few MiB before compression), stored as
 * one sealed object: zstd of the concatenated record bytes. Its index, a separate sealed object,
 * lists each record's key, digest and length in pack order; a record is addressed by (pack id,
 * position). Indexes are small and read without the packs: a backup loads the parent snapshot's
 * indexes to know which digests are stored already, a restore loads them to map the manifest to
 * keys and digests before it fetches any pack.
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
    readonly count: number,
    private readonly keyBytes: Buffer,
    private readonly keyOffsets: Uint32Array,
    private readonly digests: Buffer,
    /** Record offsets within the pack, count + 1 entries (the last is the pack's length). */
    private readonly offsets: Float64Array,
  ) {}

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

/** Encodes index entries (offsets are implied by the running sum of lengths). */
export function encodePackIndex(entries: readonly { key: Buffer; digest: Buffer; length: number }[]): Buffer {
  const w = new ByteWriter();
  w.varint(entries.length);
  for (const e of entries) {
    w.lengthPrefixed(e.key);
    w.bytes(e.digest);
    w.varint(e.length);
  }
  return w.toBuffer();
}

export function decodePackIndex(bytes: Buffer): PackIndex {
  const r = new ByteReader(bytes);
  const count = r.varint();
  // Each entry takes at least a key length, a digest and a record length.
  if (count > bytes.length / (DIGEST_BYTES + 2)) throw new IntegrityError('pack index claims more entries than it holds');
  const keys: Buffer[] = [];
  const keyOffsets = new Uint32Array(count + 1);
  const digests = Buffer.allocUnsafe(count * DIGEST_BYTES);
  const offsets = new Float64Array(count + 1);
  let keyTotal = 0;
  for (let i = 0; i < count; i++) {
    const key = r.lengthPrefixed();
    keys.push(key);
    keyTotal += key.length;
    keyOffsets[i + 1] = keyTotal;
    r.bytes(DIGEST_BYTES).copy(digests, i * DIGEST_BYTES);
    offsets[i + 1] = (offsets[i] ?? 0) + r.varint();
  }
  if (!r.done) throw new IntegrityError('pack index has trailing bytes');
  return new PackIndex(count, Buffer.concat(keys, keyTotal), keyOffsets, digests, offsets);
}
