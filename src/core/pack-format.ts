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

export interface PackIndexEntry {
  readonly key: Buffer;
  readonly digest: Buffer;
  readonly offset: number;
  readonly length: number;
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

export function decodePackIndex(bytes: Buffer): PackIndexEntry[] {
  const r = new ByteReader(bytes);
  const count = r.varint();
  const entries: PackIndexEntry[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const key = r.lengthPrefixed();
    const digest = r.bytes(DIGEST_BYTES);
    const length = r.varint();
    entries.push({ key, digest, offset, length });
    offset += length;
  }
  if (!r.done) throw new IntegrityError('pack index has trailing bytes');
  return entries;
}
