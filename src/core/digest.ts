/**
 * Digests. A record's digest is the sha256 of its canonical bytes. A stream's content digest must
 * not depend on the order records are read in (a parallel scan interleaves segments differently
 * each time), so it is a multiset hash: the sum, modulo 2^256, of sha256(key-length, key, digest)
 * over all records. Adding is commutative, so the live state scanned in any order after a restore
 * yields the same value as the snapshot when, and only when, the same records are present.
 * Tampering is caught by the authenticated encryption and the summary's MAC, not by this sum.
 */
import { createHash } from 'node:crypto';

export const DIGEST_BYTES = 32;
const MOD = 1n << 256n;

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Order-independent digest of a set of (key, record digest) pairs, with a count. */
export class ContentDigest {
  private sum = 0n;
  private items = 0;

  add(key: Uint8Array, digest: Uint8Array): void {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(key.length);
    const h = createHash('sha256').update(len).update(key).update(digest).digest('hex');
    this.sum = (this.sum + BigInt(`0x${h}`)) % MOD;
    this.items += 1;
  }

  get count(): number {
    return this.items;
  }

  /** Hex form, prefixed with the count so that two empty-ish states never compare equal by chance. */
  value(): string {
    return `${this.items}:${this.sum.toString(16).padStart(64, '0')}`;
  }
}

/** Combines the content digests of a component's streams, in the plan's source order. */
export function combineDigests(parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\n');
  return h.digest('hex');
}
