/**
 * The vault on S3 (AWS, and s3rver locally). Objects are written whole with PutObject, which S3
 * makes visible atomically; deletes go in batches of 1,000.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { NotFoundError, WingError } from '../core/errors.js';
import type { ObjectStore, StoredObjectInfo } from '../core/ports.js';
import { withRetry } from '../core/retry.js';

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    /** SSE-KMS key for the bucket on AWS (s3rver ignores it). */
    private readonly kmsKeyId?: string,
  ) {}

  async put(key: string, body: Uint8Array): Promise<void> {
    await withRetry(() =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ...(this.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.kmsKeyId } : {}),
        }),
      ),
    );
  }

  async get(key: string): Promise<Buffer> {
    try {
      const out = await withRetry(() => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })));
      return Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(`no object ${key}`, { cause: err });
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObjectInfo> {
    let token: string | undefined;
    do {
      const page = await withRetry(() =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key, size: o.Size ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const objects = keys.slice(i, i + 1000).map((Key) => ({ Key }));
      const out = await withRetry(() => this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objects, Quiet: true } })));
      // Quiet mode still reports the keys it could not delete; a prune must not count them as gone.
      const failed = out.Errors?.[0];
      if (failed) throw new WingError(`could not delete ${failed.Key ?? '?'} from ${this.bucket}: ${failed.Code ?? ''} ${failed.Message ?? ''}`.trim());
    }
  }
}
