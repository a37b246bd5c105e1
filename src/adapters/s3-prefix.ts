/**
 * An S3 bucket prefix as a snapshot source and a restore target: objects listed in key order, each
 * read whole with its metadata (vision-lake documents are kilobytes, not gigabytes), a bounded
 * number of GETs in flight. Keys are recorded relative to the prefix.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { decodeObject, encodeObject, objectRecordKey } from '../core/canonical-object.js';
import { sha256, sha256Hex } from '../core/digest.js';
import { WingError } from '../core/errors.js';
import { forEachLimit, withRetry } from '../core/retry.js';
import type { SourceDescriptor } from '../core/snapshot/snapshot-summary.js';
import type { LiveFingerprint, ObjectDigest, RecordDigest, RestoreTarget, SnapshotRecord } from '../core/snapshot/record-stream.js';
import type { ObjectDigestCache } from './object-digest-cache.js';

/**
 * An object's fingerprint: ETag, size and last-modified second. Any write to the object changes
 * its last-modified time, and the ETag follows the content, so an equal fingerprint means the
 * object was not rewritten since it was read. (Seconds: GetObject reports whole seconds, listings
 * may report milliseconds.)
 */
export function objectFingerprint(etag: string | undefined, size: number | undefined, lastModified: Date | undefined): Buffer {
  const seconds = lastModified ? Math.floor(lastModified.getTime() / 1000) : -1;
  return Buffer.from(`${etag ?? ''}|${String(size ?? -1)}|${String(seconds)}`, 'utf8');
}

export class S3Prefix implements RestoreTarget {
  readonly descriptor: SourceDescriptor;

  constructor(
    private readonly client: S3Client,
    readonly bucketName: string,
    readonly prefix: string,
    private readonly concurrency = 16,
    /** Body digests already known by fingerprint: every object read is remembered in it. */
    private readonly digests?: ObjectDigestCache,
  ) {
    this.descriptor = { type: 's3', name: `s3://${bucketName}/${prefix}`, bucketName, prefix };
  }

  read(): AsyncIterable<readonly SnapshotRecord[]> {
    return this.scan();
  }

  async *scan(): AsyncGenerator<readonly SnapshotRecord[]> {
    let token: string | undefined;
    do {
      const page = await withRetry(() =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucketName, Prefix: this.prefix, ContinuationToken: token, MaxKeys: 500 })),
      );
      const keys = (page.Contents ?? []).map((o) => o.Key).filter((k): k is string => k !== undefined);
      const records: SnapshotRecord[] = new Array<SnapshotRecord>(keys.length);
      await forEachLimit(keys.entries(), this.concurrency, async ([i, key]) => {
        records[i] = await this.readObject(key);
      });
      if (records.length > 0) yield records;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Keys and fingerprints from the listing alone: no object is read. */
  async *scanFingerprints(): AsyncGenerator<readonly LiveFingerprint[]> {
    let token: string | undefined;
    do {
      const page = await withRetry(() =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucketName, Prefix: this.prefix, ContinuationToken: token })),
      );
      const batch: LiveFingerprint[] = [];
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        batch.push({ key: objectRecordKey(o.Key.slice(this.prefix.length)), fingerprint: objectFingerprint(o.ETag, o.Size, o.LastModified) });
      }
      if (batch.length > 0) yield batch;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Each object's key (relative to the prefix) and body digest. With a digest cache, an object
   * whose listed fingerprint is the one it had when last read is not read again.
   */
  async *scanDigests(): AsyncGenerator<readonly ObjectDigest[]> {
    let token: string | undefined;
    do {
      const page = await withRetry(() =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucketName, Prefix: this.prefix, ContinuationToken: token, MaxKeys: 500 })),
      );
      const listed = (page.Contents ?? []).filter((o): o is typeof o & { Key: string } => o.Key !== undefined);
      const batch: ObjectDigest[] = new Array<ObjectDigest>(listed.length);
      await forEachLimit(listed.entries(), this.concurrency, async ([i, o]) => {
        const known = this.digests?.get(this.bucketName, o.Key, objectFingerprint(o.ETag, o.Size, o.LastModified));
        batch[i] = { key: o.Key.slice(this.prefix.length), digest: known ?? (await this.fetch(o.Key)).digest };
      });
      if (batch.length > 0) yield batch;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async readKeys(keys: readonly Buffer[]): Promise<SnapshotRecord[]> {
    const records: (SnapshotRecord | undefined)[] = new Array<SnapshotRecord | undefined>(keys.length);
    await forEachLimit(keys.entries(), this.concurrency, async ([i, key]) => {
      try {
        records[i] = await this.readObject(this.prefix + key.toString('utf8'));
      } catch (err) {
        if ((err as { name?: string }).name !== 'NoSuchKey') throw err;
      }
    });
    return records.filter((r): r is SnapshotRecord => r !== undefined);
  }

  /**
   * One object as a record, with its body's digest. Both digests (body and record) are remembered
   * in the digest cache under the object's fingerprint.
   */
  private async fetch(key: string): Promise<{ record: SnapshotRecord & { fingerprint: Buffer }; digest: string }> {
    const out = await withRetry(() => this.client.send(new GetObjectCommand({ Bucket: this.bucketName, Key: key })));
    const body = Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
    const fingerprint = objectFingerprint(out.ETag, out.ContentLength, out.LastModified);
    const relative = key.slice(this.prefix.length);
    const record = {
      key: objectRecordKey(relative),
      fingerprint,
      body: encodeObject({
        key: relative,
        body,
        contentType: out.ContentType,
        contentEncoding: out.ContentEncoding,
        cacheControl: out.CacheControl,
        contentDisposition: out.ContentDisposition,
        contentLanguage: out.ContentLanguage,
        metadata: out.Metadata ?? {},
      }),
    };
    const digest = sha256Hex(body);
    this.digests?.set(this.bucketName, key, fingerprint, digest, sha256(record.body));
    return { record, digest };
  }

  private async readObject(key: string): Promise<SnapshotRecord> {
    return (await this.fetch(key)).record;
  }

  /**
   * Record keys and the digests of their canonical records, as a verification compares them: an
   * object read earlier in this process with the same fingerprint is not read again.
   */
  async *scanRecordDigests(): AsyncGenerator<readonly RecordDigest[]> {
    for await (const listed of this.scanFingerprints()) {
      const batch: RecordDigest[] = new Array<RecordDigest>(listed.length);
      await forEachLimit(listed.entries(), this.concurrency, async ([i, l]) => {
        const key = this.prefix + l.key.toString('utf8');
        const known = this.digests?.getRecordDigest(this.bucketName, key, l.fingerprint);
        batch[i] = { key: l.key, digest: known ?? sha256((await this.readObject(key)).body) };
      });
      if (batch.length > 0) yield batch;
    }
  }

  async write(records: readonly SnapshotRecord[]): Promise<void> {
    await forEachLimit(records, this.concurrency, async (record) => {
      const obj = decodeObject(record.body);
      await withRetry(() =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucketName,
            Key: this.prefix + obj.key,
            Body: obj.body,
            ContentType: obj.contentType,
            ContentEncoding: obj.contentEncoding,
            CacheControl: obj.cacheControl,
            ContentDisposition: obj.contentDisposition,
            ContentLanguage: obj.contentLanguage,
            Metadata: { ...obj.metadata },
          }),
        ),
      );
    });
  }

  async delete(keys: readonly Buffer[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const objects = keys.slice(i, i + 1000).map((k) => ({ Key: this.prefix + k.toString('utf8') }));
      const out = await withRetry(() => this.client.send(new DeleteObjectsCommand({ Bucket: this.bucketName, Delete: { Objects: objects, Quiet: true } })));
      // Quiet mode still reports the keys it could not delete; a restore must not believe them gone.
      const failed = out.Errors?.[0];
      if (failed) throw new WingError(`could not delete ${failed.Key ?? '?'} from ${this.bucketName}: ${failed.Code ?? ''} ${failed.Message ?? ''}`.trim());
    }
  }
}
