/**
 * Ports: the interfaces through which the domain reaches the outside world. Adapters in
 * `src/adapters` implement them for AWS and for local mode; they take their clients in the
 * constructor so tests can pass an emulator-backed or mocked client.
 */

/** Injectable time source, so tests never wait for a real 30-second TOTP step or a 24 h window. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(to: Date): void {
    this.current = new Date(to.getTime());
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** One object of an object store listing. */
export interface StoredObjectInfo {
  readonly key: string;
  readonly size: number;
}

/**
 * Where packs, indexes, manifests and summaries live (S3 on AWS and locally through s3rver; a plain
 * filesystem for the benchmark). Contract: `put` is atomic for readers (an object is whole or
 * absent) and idempotent; `get` of a missing key throws NotFoundError; `list` yields every key under
 * the prefix, in lexicographic order.
 */
export interface ObjectStore {
  put(key: string, body: Uint8Array): Promise<void>;
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  list(prefix: string): AsyncIterable<StoredObjectInfo>;
  delete(keys: readonly string[]): Promise<void>;
}

/** Encryption context binding a data key to the snapshot it protects. */
export interface KeyContext {
  readonly backupId: string;
  readonly component: string;
}

/** A fresh data key: the plaintext is used in memory only, the wrapped form is stored. */
export interface DataKey {
  readonly plaintext: Buffer;
  readonly wrapped: Buffer;
  readonly keyId: string;
}

/**
 * Envelope encryption: KMS GenerateDataKey / Decrypt on AWS, a master key file locally (same
 * stored format). A wrapped key only unwraps with the context it was generated with.
 */
export interface KeyService {
  generateDataKey(context: KeyContext): Promise<DataKey>;
  decryptDataKey(wrapped: Buffer, context: KeyContext): Promise<Buffer>;
}

/** Compression off the main thread (zstd on libuv's threadpool). */
export interface Compressor {
  compress(data: Buffer): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}
