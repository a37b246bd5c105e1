/**
 * Digests. A record's digest is the sha256 of its canonical bytes. A stream's content digest must
 * not depend on the order records are read in (a parallel scan interleaves segments differently
 * each time), so it is a multiset hash: the sum, modulo 2^256, of sha256(key-length, key, digest)
 * over all records. Adding is commutative, so the live state scanned in any order after a restore
 * yields the same value as the snapshot when the same records are present.
 * Tampering is caught by the authenticated encryption and the summary's MAC, not by this sum.
 */
import { createHash, hash } from 'node:crypto';

export const DIGEST_BYTES = 32;

export function sha256(data: Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}

export function sha256Hex(data: Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/**
 * Order-independent digest of a multiset of (key, record digest) pairs, with a count. The sum is
 * kept in eight 32-bit lanes with carries (a 256-bit little-endian number), so adding a record
 * costs one small hash and a few integer additions.
 */
export class ContentDigest {
  private readonly lanes = new Float64Array(8);
  private items = 0;
  private readonly scratch = Buffer.alloc(4 + 256);

  add(key: Uint8Array, digest: Uint8Array): void {
    let input: Uint8Array;
    if (key.length <= 256 - 32) {
      this.scratch.writeUInt32BE(key.length, 0);
      this.scratch.set(key, 4);
      this.scratch.set(digest, 4 + key.length);
      input = this.scratch.subarray(0, 4 + key.length + digest.length);
    } else {
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32BE(key.length);
      input = Buffer.concat([len, key, digest]);
    }
    const h = hash('sha256', input, 'buffer');
    let carry = 0;
    for (let i = 0; i < 8; i++) {
      // Lane i holds bits 32i..32i+31; the hash is read as a big-endian 256-bit number.
      const v = (this.lanes[i] ?? 0) + h.readUInt32BE(28 - 4 * i) + carry;
      carry = v >= 0x1_0000_0000 ? 1 : 0;
      this.lanes[i] = v - carry * 0x1_0000_0000;
    }
    this.items += 1;
  }

  get count(): number {
    return this.items;
  }

  /** Hex form, prefixed with the count so that two empty-ish states never compare equal by chance. */
  value(): string {
    let hex = '';
    for (let i = 7; i >= 0; i--) hex += (this.lanes[i] ?? 0).toString(16).padStart(8, '0');
    return `${this.items}:${hex}`;
  }
}

/** Combines the content digests of a component's streams, in the plan's source order. */
export function combineDigests(parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\n');
  return h.digest('hex');
}
