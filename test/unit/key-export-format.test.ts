import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { IntegrityError, ValidationError } from '../../src/core/errors.js';
import { DEFAULT_SCRYPT, keyFingerprint, parseKeyExport, unwrapMasterKey, wrapMasterKey, type KeyExportDocument } from '../../src/core/key-export-format.js';

const PASSPHRASE = 'a long enough passphrase';
/** The cheapest parameters the format accepts: the tests check the format, not scrypt's cost. */
const FAST = { N: 2 ** 14, r: 8, p: 1 };
const SOURCE = 'master-key.json';

function open(text: string, passphrase = PASSPHRASE): ReturnType<typeof unwrapMasterKey> {
  return unwrapMasterKey(parseKeyExport(text, SOURCE), passphrase, SOURCE);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

/** One export shared by the tests that only edit or misuse it (each derivation costs scrypt's time). */
let sample: KeyExportDocument;
beforeAll(async () => {
  sample = JSON.parse(await wrapMasterKey(randomBytes(32), PASSPHRASE, { scrypt: FAST })) as KeyExportDocument;
});

describe('the master key export format', () => {
  it('round-trips a key, and says what it holds without holding the key in clear', async () => {
    // Arrange
    const key = randomBytes(32);

    // Act
    const text = await wrapMasterKey(key, PASSPHRASE, { now: new Date('2026-03-01T12:00:00Z'), scrypt: FAST });
    const opened = await open(text);

    // Assert
    expect(opened.key.equals(key)).toBe(true);
    const doc = JSON.parse(text) as KeyExportDocument;
    expect(doc).toMatchObject({
      formatVersion: 1,
      kind: 'wing-rollback-master-key',
      created: '2026-03-01T12:00:00.000Z',
      fingerprint: createHash('sha256').update(key).digest('hex').slice(0, 16),
      kdf: { name: 'scrypt', ...FAST },
      cipher: 'aes-256-gcm',
    });
    expect(opened.fingerprint).toBe(keyFingerprint(key));
    // Exports use OWASP's scrypt parameters unless told otherwise (the CLI tests use them).
    expect(DEFAULT_SCRYPT).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    expect(Buffer.from(doc.kdf.salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(doc.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(doc.tag, 'base64')).toHaveLength(16);
    for (const clear of [key.toString('base64'), key.toString('hex')]) expect(text).not.toContain(clear);
    expect(text).not.toContain(PASSPHRASE);
  });

  it('refuses a wrong passphrase as an IntegrityError (exit 5) naming the file', async () => {
    // Act
    const err = await rejection(open(JSON.stringify(sample), 'another long passphrase'));

    // Assert
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).exitCode).toBe(5);
    expect((err as Error).message).toBe(`${SOURCE} does not open with this passphrase: the passphrase is wrong or the file was altered`);
  });

  it.each<{ case: string; edit: (doc: KeyExportDocument) => KeyExportDocument }>([
    { case: 'a ciphertext byte', edit: (d) => ({ ...d, ciphertext: flipFirstByte(d.ciphertext) }) },
    { case: 'the tag', edit: (d) => ({ ...d, tag: flipFirstByte(d.tag) }) },
    { case: 'the iv', edit: (d) => ({ ...d, iv: flipFirstByte(d.iv) }) },
    { case: 'the fingerprint', edit: (d) => ({ ...d, fingerprint: '0123456789abcdef' }) },
    { case: 'the creation time', edit: (d) => ({ ...d, created: '2020-01-01T00:00:00.000Z' }) },
    { case: 'the salt', edit: (d) => ({ ...d, kdf: { ...d.kdf, salt: flipFirstByte(d.kdf.salt) } }) },
    { case: 'the scrypt cost', edit: (d) => ({ ...d, kdf: { ...d.kdf, r: 4 } }) },
  ])('refuses a file with $case altered as an IntegrityError, even with the right passphrase', async ({ edit }) => {
    // Act
    const err = await rejection(open(JSON.stringify(edit(sample))));

    // Assert
    expect(err).toBeInstanceOf(IntegrityError);
  });

  it.each([
    { case: 'not JSON', text: 'master key', message: /is not a WING master key export \(not JSON\)/ },
    { case: 'another format version', text: '{"formatVersion":2}', message: /is not a WING master key export \(format version 1\): formatVersion/ },
    { case: 'a missing field', text: '{"formatVersion":1,"kind":"wing-rollback-master-key"}', message: /created/ },
  ])('refuses $case as a ValidationError before any passphrase is tried', ({ text, message }) => {
    expect(() => parseKeyExport(text, SOURCE)).toThrow(ValidationError);
    expect(() => parseKeyExport(text, SOURCE)).toThrow(message);
  });

  it('refuses scrypt parameters a file must not impose (memory) and a passphrase shorter than 12 characters', async () => {
    expect(() => parseKeyExport(JSON.stringify({ ...sample, kdf: { ...sample.kdf, N: 2 ** 30 } }), SOURCE)).toThrow(/outside what a key export uses/);
    expect(() => parseKeyExport(JSON.stringify({ ...sample, kdf: { ...sample.kdf, N: 3000 } }), SOURCE)).toThrow(ValidationError);
    await expect(wrapMasterKey(randomBytes(32), 'elevenchars')).rejects.toThrow(new ValidationError('the passphrase must have at least 12 characters'));
    await expect(wrapMasterKey(randomBytes(16), PASSPHRASE)).rejects.toThrow(ValidationError);
  });
});

function flipFirstByte(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}
