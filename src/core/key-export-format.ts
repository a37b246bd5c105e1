/**
 * The export format of the local master key (`keys:export`, `keys:import`): the key wrapped under
 * a passphrase, as a small JSON document an operator keeps off the machine.
 *
 * scrypt stretches the passphrase into an AES-256 key (memory-hard: every guess at the passphrase
 * of a stolen file costs the same memory and time); AES-256-GCM encrypts the master key under it.
 * Every other field (format version, kind, creation time, fingerprint, scrypt parameters and
 * salt) is GCM additional authenticated data, so a file edited anywhere does not open, whatever
 * the passphrase: a wrong passphrase and a tampered file are the same IntegrityError.
 *
 *   { formatVersion, kind, created, fingerprint, kdf: { name: "scrypt", N, r, p, salt },
 *     cipher: "aes-256-gcm", iv, tag, ciphertext }          (binary fields base64)
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';
import { IntegrityError, ValidationError } from './errors.js';

export const KEY_EXPORT_FORMAT_VERSION = 1;
export const KEY_EXPORT_KIND = 'wing-rollback-master-key';
/** Shorter passphrases are refused: the file is meant to leave the machine. */
export const MIN_PASSPHRASE_LENGTH = 12;

const MASTER_KEY_BYTES = 32;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface ScryptParameters {
  /** Cost (a power of two). */
  readonly N: number;
  /** Block size. */
  readonly r: number;
  /** Parallelism. */
  readonly p: number;
}

/** OWASP's recommendation for scrypt: 128 MiB and about half a second per derivation. */
export const DEFAULT_SCRYPT: ScryptParameters = { N: 2 ** 17, r: 8, p: 1 };

/**
 * Parameters a file may ask for. The reader takes them from the file, so they are bounded: a
 * file must not make an import allocate gigabytes, nor carry a trivially cheap derivation.
 */
const SCRYPT_BOUNDS = { minN: 2 ** 14, maxN: 2 ** 20, maxR: 32, maxP: 16 } as const;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const documentSchema = z.strictObject({
  formatVersion: z.literal(KEY_EXPORT_FORMAT_VERSION),
  kind: z.literal(KEY_EXPORT_KIND),
  created: z.iso.datetime({ offset: true }),
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/),
  kdf: z.strictObject({
    name: z.literal('scrypt'),
    N: z.number().int(),
    r: z.number().int(),
    p: z.number().int(),
    salt: base64,
  }),
  cipher: z.literal('aes-256-gcm'),
  iv: base64,
  tag: base64,
  ciphertext: base64,
});

export type KeyExportDocument = z.infer<typeof documentSchema>;

/** How a master key is named where the key itself must not appear: the first 16 hex of its SHA-256. */
export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Refuses a passphrase too short to protect a key kept off the machine. */
export function assertPassphraseStrength(passphrase: string): void {
  // Characters as a person counts them (an accented letter or an emoji is one).
  if (Array.from(new Intl.Segmenter().segment(passphrase)).length < MIN_PASSPHRASE_LENGTH) {
    throw new ValidationError(`the passphrase must have at least ${String(MIN_PASSPHRASE_LENGTH)} characters`);
  }
}

function assertScryptBounds(params: ScryptParameters): void {
  const { N, r, p } = params;
  const powerOfTwo = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N < SCRYPT_BOUNDS.minN || N > SCRYPT_BOUNDS.maxN || r < 1 || r > SCRYPT_BOUNDS.maxR || p < 1 || p > SCRYPT_BOUNDS.maxP) {
    throw new ValidationError(`scrypt parameters N=${String(N)} r=${String(r)} p=${String(p)} are outside what a key export uses`);
  }
}

function deriveKey(passphrase: string, salt: Buffer, params: ScryptParameters): Promise<Buffer> {
  // Node refuses more than 32 MiB by default; scrypt needs 128 * N * r bytes, plus headroom.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 128 * params.N * params.r * 2 };
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, MASTER_KEY_BYTES, options, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** The fields GCM authenticates besides the ciphertext, in a fixed order. */
function additionalData(doc: Pick<KeyExportDocument, 'formatVersion' | 'kind' | 'created' | 'fingerprint' | 'kdf' | 'cipher'>): Buffer {
  return Buffer.from(JSON.stringify([doc.formatVersion, doc.kind, doc.created, doc.fingerprint, doc.kdf.name, doc.kdf.N, doc.kdf.r, doc.kdf.p, doc.kdf.salt, doc.cipher]), 'utf8');
}

/** Wraps a master key under a passphrase; returns the document as JSON text (one object, newline-terminated). */
export async function wrapMasterKey(masterKey: Buffer, passphrase: string, options: { now?: Date; scrypt?: ScryptParameters } = {}): Promise<string> {
  if (masterKey.length !== MASTER_KEY_BYTES) throw new ValidationError(`a master key is ${String(MASTER_KEY_BYTES)} bytes`);
  assertPassphraseStrength(passphrase);
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  assertScryptBounds(params);
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const header = {
    formatVersion: KEY_EXPORT_FORMAT_VERSION,
    kind: KEY_EXPORT_KIND,
    created: (options.now ?? new Date()).toISOString(),
    fingerprint: keyFingerprint(masterKey),
    kdf: { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt: salt.toString('base64') },
    cipher: 'aes-256-gcm',
  } as const;
  const cipher = createCipheriv('aes-256-gcm', await deriveKey(passphrase, salt, params), iv);
  cipher.setAAD(additionalData(header));
  const ciphertext = Buffer.concat([cipher.update(masterKey), cipher.final()]);
  const doc: KeyExportDocument = { ...header, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * Reads a key export document without opening it (before asking for the passphrase). Anything
 * that is not this format is a ValidationError naming `source`.
 */
export function parseKeyExport(text: string, source: string): KeyExportDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError(`${source} is not a WING master key export (not JSON)`);
  }
  const parsed = documentSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw new ValidationError(`${source} is not a WING master key export (format version ${String(KEY_EXPORT_FORMAT_VERSION)}): ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'}`);
  }
  assertScryptBounds(parsed.data.kdf);
  return parsed.data;
}

/**
 * Opens a key export with its passphrase. A wrong passphrase or any edit of the file is an
 * IntegrityError (GCM cannot tell them apart, and neither should an attacker).
 */
export async function unwrapMasterKey(doc: KeyExportDocument, passphrase: string, source: string): Promise<{ key: Buffer; fingerprint: string; created: string }> {
  const iv = Buffer.from(doc.iv, 'base64');
  const tag = Buffer.from(doc.tag, 'base64');
  const ciphertext = Buffer.from(doc.ciphertext, 'base64');
  const refused = (cause?: unknown): IntegrityError =>
    new IntegrityError(`${source} does not open with this passphrase: the passphrase is wrong or the file was altered`, undefined, { cause });
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES || ciphertext.length !== MASTER_KEY_BYTES) throw refused();
  const wrappingKey = await deriveKey(passphrase, Buffer.from(doc.kdf.salt, 'base64'), doc.kdf);
  let key: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', wrappingKey, iv);
    decipher.setAAD(additionalData(doc));
    decipher.setAuthTag(tag);
    key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (err) {
    throw refused(err);
  }
  // Authenticated above, so this only fails for a file written by a faulty exporter.
  if (keyFingerprint(key) !== doc.fingerprint) throw new IntegrityError(`${source} holds a key whose fingerprint is not ${doc.fingerprint}`);
  return { key, fingerprint: doc.fingerprint, created: doc.created };
}
