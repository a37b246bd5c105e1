/**
 * The audit bucket on S3 (AWS, and s3rver locally): one object per audit record.
 *
 * On AWS the bucket has Object Lock, and each copy is written with its own retention (COMPLIANCE
 * mode, until the record's time plus the plan's `auditRetentionDays`). S3 refuses an Object Lock
 * put without an integrity header (Content-MD5 or an x-amz-checksum-*), and this SDK adds a
 * checksum only when the client computes them WHEN_SUPPORTED, which local clients turn off
 * (TOOLCHAIN.md, s3rver): so the SHA-256 is computed here and sent, whatever the client's setting.
 * s3rver has no Object Lock: the lock parameters are sent only when the mirror is told the bucket
 * has it (`objectLockDays`).
 *
 * `IfNoneMatch: '*'` makes a copy write-once on S3 (s3rver ignores it): a second write of the same
 * number, such as a back-fill racing the original append, finds the copy there and is accepted
 * only if it holds the same record.
 */
import { createHash } from 'node:crypto';
import { ListObjectsV2Command, PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { AUDIT_MIRROR_PREFIX, auditMirrorBody, auditMirrorKey, seqOfAuditMirrorKey, type AuditMirror, type AuditMirrorCopy } from '../core/audit-mirror.js';
import type { AuditRecord } from '../core/audit-trail.js';
import { IntegrityError, NotFoundError, WingError } from '../core/errors.js';
import { withRetry } from '../core/retry.js';
import { S3ObjectStore } from './s3-object-store.js';

const DAY_MS = 86_400_000;
/** Copies read at once by `all()`: enough to hide the latency of one GET each, few enough for s3rver. */
const READ_CONCURRENCY = 16;

export interface S3AuditMirrorOptions {
  /** The bucket has Object Lock: lock each copy for this many days after its record's time. */
  readonly objectLockDays?: number;
}

function isPreconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'PreconditionFailed' || e?.$metadata?.httpStatusCode === 412;
}

export class S3AuditMirror implements AuditMirror {
  private readonly store: S3ObjectStore;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly options: S3AuditMirrorOptions = {},
  ) {
    this.store = new S3ObjectStore(client, bucket);
  }

  private putInput(record: AuditRecord): PutObjectCommandInput {
    const body = Buffer.from(auditMirrorBody(record), 'utf8');
    const days = this.options.objectLockDays;
    return {
      Bucket: this.bucket,
      Key: auditMirrorKey(record.seq),
      Body: body,
      ContentType: 'application/json',
      IfNoneMatch: '*',
      ...(days === undefined
        ? {}
        : {
            ObjectLockMode: 'COMPLIANCE',
            ObjectLockRetainUntilDate: new Date(Date.parse(record.time) + days * DAY_MS),
            ChecksumAlgorithm: 'SHA256',
            ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
          }),
    };
  }

  async put(record: AuditRecord): Promise<void> {
    try {
      await withRetry(() => this.client.send(new PutObjectCommand(this.putInput(record))));
    } catch (err) {
      if (!isPreconditionFailed(err)) throw this.explained(err);
      const key = auditMirrorKey(record.seq);
      const existing = (await this.store.get(key)).toString('utf8');
      if (existing !== auditMirrorBody(record)) {
        throw new IntegrityError(`the audit bucket ${this.bucket} already holds a different copy of record ${String(record.seq)}`, key);
      }
    }
  }

  /** A state folder made before the audit bucket existed: init is idempotent and adds it. */
  private explained(err: unknown): unknown {
    if ((err as { name?: string } | undefined)?.name !== 'NoSuchBucket') return err;
    return new WingError(`the audit bucket ${this.bucket} does not exist: run "npx wing init" locally, or deploy the stack`, { cause: err });
  }

  private async readIfPresent(key: string): Promise<Buffer | undefined> {
    try {
      return await this.store.get(key);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * A listing rather than a HEAD: S3 answers a HEAD on a missing bucket with a bare 404, the same
   * as for a missing copy, and an append would then look back through every record for nothing.
   */
  async has(seq: number): Promise<boolean> {
    const key = auditMirrorKey(seq);
    try {
      const out = await withRetry(() => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 })));
      return out.Contents?.[0]?.Key === key;
    } catch (err) {
      throw this.explained(err);
    }
  }

  async all(): Promise<AuditMirrorCopy[]> {
    const keys: { key: string; position: number }[] = [];
    try {
      for await (const object of this.store.list(AUDIT_MIRROR_PREFIX)) {
        const position = seqOfAuditMirrorKey(object.key);
        if (position !== undefined) keys.push({ key: object.key, position });
      }
    } catch (err) {
      throw this.explained(err);
    }
    const copies: AuditMirrorCopy[] = [];
    for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
      const batch = keys.slice(i, i + READ_CONCURRENCY);
      // A copy deleted between the listing and its read is simply missing.
      const bodies = await Promise.all(batch.map((k) => this.readIfPresent(k.key)));
      batch.forEach((k, j) => {
        const body = bodies[j];
        if (body !== undefined) copies.push({ position: k.position, body: body.toString('utf8') });
      });
    }
    return copies;
  }
}
