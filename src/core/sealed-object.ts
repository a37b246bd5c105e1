/**
 * Sealed objects: how every data-bearing object of the vault (pack, pack index, manifest chunk) is
 * stored. Envelope encryption: the object is encrypted with AES-256-GCM under a per-snapshot data
 * key; only the data key wrapped by the KeyService (KMS, or the local master key) is stored, in the
 * object's own header together with the encryption context that binds it to its snapshot. The
 * header, including the object's kind and id, is the GCM additional authenticated data, so an
 * object moved to another name, or a header edited, fails to open.
 *
 *   "WRS1" | kind u8 | header length u16 | header JSON | ciphertext | tag (16)
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { IntegrityError } from './errors.js';
import type { KeyContext, KeyService } from './ports.js';

const MAGIC = Buffer.from('WRS1', 'ascii');
const TAG_BYTES = 16;

export const SealedKind = { Pack: 1, PackIndex: 2, ManifestChunk: 3 } as const;
export type SealedKindValue = (typeof SealedKind)[keyof typeof SealedKind];

interface SealedHeader {
  /** Object id (pack id or chunk id). */
  id: string;
  /** Encryption context of the data key. */
  kc: KeyContext;
  /** Wrapped data key, base64. */
  wk: string;
  /** Key id of the wrapping key. */
  kid: string;
  /** GCM nonce, base64. */
  iv: string;
}

/** A data key in memory with what is needed to store it wrapped. */
export interface SnapshotKey {
  readonly plaintext: Buffer;
  readonly wrapped: Buffer;
  readonly keyId: string;
  readonly context: KeyContext;
}

export function sealObject(kind: SealedKindValue, id: string, key: SnapshotKey, plaintext: Buffer): Buffer {
  const iv = randomBytes(12);
  const header: SealedHeader = {
    id,
    kc: key.context,
    wk: key.wrapped.toString('base64'),
    kid: key.keyId,
    iv: iv.toString('base64'),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.allocUnsafe(MAGIC.length + 3);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt8(kind, MAGIC.length);
  prefix.writeUInt16BE(headerBytes.length, MAGIC.length + 1);
  const aad = Buffer.concat([prefix, headerBytes]);
  const cipher = createCipheriv('aes-256-gcm', key.plaintext, iv);
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([aad, body, final, cipher.getAuthTag()]);
}

/** Unwraps data keys once per wrapped key: one KMS Decrypt per snapshot, not per object. */
export class KeyRing {
  private readonly cache = new Map<string, Promise<Buffer>>();
  constructor(private readonly keys: KeyService) {}

  unwrap(wrapped: Buffer, context: KeyContext): Promise<Buffer> {
    const cacheKey = `${context.backupId}|${context.component}|${wrapped.toString('base64')}`;
    let found = this.cache.get(cacheKey);
    if (!found) {
      found = this.keys.decryptDataKey(wrapped, context);
      found.catch(() => this.cache.delete(cacheKey));
      this.cache.set(cacheKey, found);
    }
    return found;
  }
}

/**
 * Opens a sealed object, checking its kind, its id and its authentication tag. Any failure is an
 * IntegrityError naming the object's store key.
 */
export async function openObject(
  bytes: Buffer,
  expect: { kind: SealedKindValue; id: string; storeKey: string },
  ring: KeyRing,
): Promise<Buffer> {
  const fail = (why: string, cause?: unknown): IntegrityError =>
    new IntegrityError(`damaged object ${expect.storeKey}: ${why}`, expect.storeKey, { cause });
  if (bytes.length < MAGIC.length + 3 + TAG_BYTES || !bytes.subarray(0, 4).equals(MAGIC)) {
    throw fail('not a sealed object');
  }
  const kind = bytes.readUInt8(4);
  const headerLength = bytes.readUInt16BE(5);
  const headerEnd = 7 + headerLength;
  if (kind !== expect.kind || headerEnd + TAG_BYTES > bytes.length) throw fail('wrong kind or truncated');
  let header: SealedHeader;
  try {
    header = JSON.parse(bytes.subarray(7, headerEnd).toString('utf8')) as SealedHeader;
  } catch (err) {
    throw fail('unreadable header', err);
  }
  if (header.id !== expect.id) throw fail(`holds object ${header.id}`);
  let dataKey: Buffer;
  try {
    dataKey = await ring.unwrap(Buffer.from(header.wk, 'base64'), header.kc);
  } catch (err) {
    throw fail('its data key does not unwrap', err);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(header.iv, 'base64'));
    decipher.setAAD(bytes.subarray(0, headerEnd));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const out = decipher.update(bytes.subarray(headerEnd, bytes.length - TAG_BYTES));
    const last = decipher.final();
    // GCM is a stream mode: final() is empty, and a concat would only copy the whole object again.
    return last.length === 0 ? out : Buffer.concat([out, last]);
  } catch (err) {
    throw fail('authentication failed', err);
  }
}

/**
 * The data key a sealed object was sealed with, unwrapped: a repack reseals a pack's next
 * generation under the same snapshot key, so the key's encryption context stays that snapshot's.
 */
export async function sealedObjectKey(bytes: Buffer, storeKey: string, ring: KeyRing): Promise<SnapshotKey> {
  if (bytes.length < 7 || !bytes.subarray(0, 4).equals(MAGIC)) throw new IntegrityError(`damaged object ${storeKey}: not a sealed object`, storeKey);
  const headerEnd = 7 + bytes.readUInt16BE(5);
  let header: SealedHeader;
  try {
    header = JSON.parse(bytes.subarray(7, headerEnd).toString('utf8')) as SealedHeader;
  } catch (err) {
    throw new IntegrityError(`damaged object ${storeKey}: unreadable header`, storeKey, { cause: err });
  }
  const wrapped = Buffer.from(header.wk, 'base64');
  return { plaintext: await ring.unwrap(wrapped, header.kc), wrapped, keyId: header.kid, context: header.kc };
}

/** HMAC key for summaries, derived from the snapshot's data key (never the data key itself). */
export function summaryMacKey(dataKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'wing-rollback summary mac', 32));
}

export function hmacHex(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('hex');
}
