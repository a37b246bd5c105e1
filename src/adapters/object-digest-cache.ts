/**
 * The sha256 of S3 object bodies, remembered by bucket, key and fingerprint (ETag, size, last
 * modified: see objectFingerprint). A health check compares every vision-lake document with the
 * digest its index entry records; with this cache it reads again only the documents whose
 * fingerprint changed since they were last read (by a check, a snapshot or a verification in the
 * same process), instead of every body every 15 minutes. Verification after a restore likewise
 * reads only the objects written since (the restored ones among them), by the digest of the
 * object's canonical record. Any write to an object changes its fingerprint, so an entry is never
 * stale; memory is bounded by evicting the oldest entries.
 */
interface CachedDigests {
  readonly fingerprint: string;
  /** sha256 (hex) of the body. */
  readonly digest: string;
  /** sha256 of the object's canonical record (body and headers), once a record was made of it. */
  readonly recordDigest?: Buffer;
}

export class ObjectDigestCache {
  private readonly entries = new Map<string, CachedDigests>();

  constructor(private readonly maxEntries = 200_000) {}

  get(bucket: string, key: string, fingerprint: Buffer): string | undefined {
    return this.entry(bucket, key, fingerprint)?.digest;
  }

  /** The digest of the object's canonical record, if it was read with this fingerprint. */
  getRecordDigest(bucket: string, key: string, fingerprint: Buffer): Buffer | undefined {
    return this.entry(bucket, key, fingerprint)?.recordDigest;
  }

  private entry(bucket: string, key: string, fingerprint: Buffer): CachedDigests | undefined {
    const entry = this.entries.get(`${bucket}/${key}`);
    return entry && entry.fingerprint === fingerprint.toString('utf8') ? entry : undefined;
  }

  set(bucket: string, key: string, fingerprint: Buffer, digest: string, recordDigest?: Buffer): void {
    const id = `${bucket}/${key}`;
    // Re-inserted at the end: Map order is insertion order, so the first key is the oldest.
    this.entries.delete(id);
    this.entries.set(id, { fingerprint: fingerprint.toString('utf8'), digest, ...(recordDigest ? { recordDigest } : {}) });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
