import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KmsKeyService } from '../../src/adapters/kms-key-service.js';
import { IntegrityError } from '../../src/core/errors.js';
import type { KeyContext } from '../../src/core/ports.js';
import { KeyRing, openObject, SealedKind, sealObject } from '../../src/core/sealed-object.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const CONTEXT: KeyContext = { backupId: 'rp-20260101T000000000Z-abcd', component: 'vision-lake' };
const PLAINTEXT = new Uint8Array(Array.from({ length: 32 }, (_, i) => i));
const WRAPPED = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);

const kms = mockClient(KMSClient);

function service(): KmsKeyService {
  return new KmsKeyService(new KMSClient({ region: 'eu-west-1' }), KEY_ARN);
}

beforeEach(() => {
  kms.reset();
});

afterEach(() => {
  kms.reset();
});

describe('KmsKeyService.generateDataKey', () => {
  it('asks KMS for an AES-256 data key under the key id, bound to {backupId, component}', async () => {
    // Arrange
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: PLAINTEXT, CiphertextBlob: WRAPPED, KeyId: KEY_ARN });

    // Act
    const dk = await service().generateDataKey(CONTEXT);

    // Assert
    const calls = kms.commandCalls(GenerateDataKeyCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      KeyId: KEY_ARN,
      KeySpec: 'AES_256',
      EncryptionContext: { backupId: CONTEXT.backupId, component: CONTEXT.component },
    });
    expect(dk.plaintext.equals(Buffer.from(PLAINTEXT))).toBe(true);
    expect(dk.wrapped.equals(Buffer.from(WRAPPED))).toBe(true);
    expect(dk.keyId).toBe(KEY_ARN);
  });

  it('sends only backupId and component as the context, whatever else the object carries', async () => {
    // Arrange
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: PLAINTEXT, CiphertextBlob: WRAPPED });
    const widened = { ...CONTEXT, extra: 'not part of the context' };

    // Act
    await service().generateDataKey(widened);

    // Assert
    expect(kms.commandCalls(GenerateDataKeyCommand)[0]?.args[0].input.EncryptionContext).toEqual({
      backupId: CONTEXT.backupId,
      component: CONTEXT.component,
    });
  });

  it('falls back to its own key id when KMS does not return one', async () => {
    // Arrange
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: PLAINTEXT, CiphertextBlob: WRAPPED });

    // Act
    const dk = await service().generateDataKey(CONTEXT);

    // Assert
    expect(dk.keyId).toBe(KEY_ARN);
  });

  it.each([
    { case: 'no plaintext', output: { CiphertextBlob: WRAPPED } },
    { case: 'no wrapped key', output: { Plaintext: PLAINTEXT } },
    { case: 'nothing', output: {} },
  ])('refuses a KMS answer with $case as an IntegrityError', async ({ output }) => {
    // Arrange
    kms.on(GenerateDataKeyCommand).resolves(output);

    // Act / Assert
    await expect(service().generateDataKey(CONTEXT)).rejects.toBeInstanceOf(IntegrityError);
  });
});

describe('KmsKeyService.decryptDataKey', () => {
  it('asks KMS to decrypt with the same key id and context it was generated with', async () => {
    // Arrange
    kms.on(DecryptCommand).resolves({ Plaintext: PLAINTEXT, KeyId: KEY_ARN });

    // Act
    const plaintext = await service().decryptDataKey(Buffer.from(WRAPPED), CONTEXT);

    // Assert
    const calls = kms.commandCalls(DecryptCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.KeyId).toBe(KEY_ARN);
    expect(input?.EncryptionContext).toEqual({ backupId: CONTEXT.backupId, component: CONTEXT.component });
    expect(Buffer.from(input?.CiphertextBlob ?? new Uint8Array()).equals(Buffer.from(WRAPPED))).toBe(true);
    expect(plaintext.equals(Buffer.from(PLAINTEXT))).toBe(true);
  });

  it('uses the context given for generation again for decryption', async () => {
    // Arrange
    kms.on(GenerateDataKeyCommand).resolves({ Plaintext: PLAINTEXT, CiphertextBlob: WRAPPED });
    kms.on(DecryptCommand).resolves({ Plaintext: PLAINTEXT });
    const keys = service();

    // Act
    const dk = await keys.generateDataKey(CONTEXT);
    await keys.decryptDataKey(dk.wrapped, CONTEXT);

    // Assert
    expect(kms.commandCalls(DecryptCommand)[0]?.args[0].input.EncryptionContext).toEqual(
      kms.commandCalls(GenerateDataKeyCommand)[0]?.args[0].input.EncryptionContext,
    );
  });

  it('refuses a KMS answer without plaintext as an IntegrityError', async () => {
    // Arrange
    kms.on(DecryptCommand).resolves({ KeyId: KEY_ARN });

    // Act / Assert
    await expect(service().decryptDataKey(Buffer.from(WRAPPED), CONTEXT)).rejects.toThrow(IntegrityError);
    await expect(service().decryptDataKey(Buffer.from(WRAPPED), CONTEXT)).rejects.toThrow(/no plaintext/);
  });

  it('lets a KMS refusal (wrong context) through unchanged', async () => {
    // Arrange
    const refused = Object.assign(new Error('The ciphertext refers to a customer master key that does not exist'), {
      name: 'InvalidCiphertextException',
    });
    kms.on(DecryptCommand).rejects(refused);

    // Act / Assert
    await expect(service().decryptDataKey(Buffer.from(WRAPPED), CONTEXT)).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });
});

describe('sealed objects under KMS', () => {
  /** KMS as it behaves: a ciphertext blob decrypts only with the encryption context it was made with. */
  function kmsThatChecksContext(): void {
    const issued = new Map<string, { plaintext: Buffer; context: Record<string, string> | undefined }>();
    kms.on(GenerateDataKeyCommand).callsFake((input: { EncryptionContext?: Record<string, string> }) => {
      const plaintext = randomBytes(32);
      const blob = randomBytes(48);
      issued.set(blob.toString('base64'), { plaintext, context: input.EncryptionContext });
      return { Plaintext: plaintext, CiphertextBlob: blob, KeyId: KEY_ARN };
    });
    kms.on(DecryptCommand).callsFake((input: { CiphertextBlob?: Uint8Array; EncryptionContext?: Record<string, string> }) => {
      const found = issued.get(Buffer.from(input.CiphertextBlob ?? new Uint8Array()).toString('base64'));
      if (!found || !isDeepStrictEqual(found.context, input.EncryptionContext)) {
        throw Object.assign(new Error('InvalidCiphertextException'), { name: 'InvalidCiphertextException' });
      }
      return { Plaintext: found.plaintext, KeyId: KEY_ARN };
    });
  }

  it('an object moved under another snapshot\'s context fails to open with an IntegrityError (exit 5); KMS was asked with that context', async () => {
    // Arrange
    kmsThatChecksContext();
    const keys = service();
    const dataKey = await keys.generateDataKey(CONTEXT);
    const sealed = sealObject(SealedKind.Pack, 'p1', { ...dataKey, context: CONTEXT }, Buffer.from('content'));
    const expected = { kind: SealedKind.Pack, id: 'p1', storeKey: 'components/vision-lake/packs/p1' };
    const other: KeyContext = { backupId: 'snap-20260102T000000000Z-other', component: 'vision-lake' };
    const headerLength = sealed.readUInt16BE(5);
    const header = JSON.parse(sealed.subarray(7, 7 + headerLength).toString('utf8')) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...header, kc: other }), 'utf8');
    const prefix = Buffer.from(sealed.subarray(0, 7));
    prefix.writeUInt16BE(edited.length, 5);
    const moved = Buffer.concat([prefix, edited, sealed.subarray(7 + headerLength)]);

    // Act
    const opened = await openObject(sealed, expected, new KeyRing(keys));
    const refused = await openObject(moved, expected, new KeyRing(keys)).then(
      () => undefined,
      (err: unknown) => err,
    );

    // Assert
    expect(opened.toString()).toBe('content');
    expect(refused).toBeInstanceOf(IntegrityError);
    expect((refused as IntegrityError).exitCode).toBe(5);
    expect((refused as Error).message).toMatch(/data key does not unwrap/);
    expect(kms.commandCalls(DecryptCommand).map((c) => c.args[0].input.EncryptionContext)).toEqual([
      { backupId: CONTEXT.backupId, component: CONTEXT.component },
      { backupId: other.backupId, component: other.component },
    ]);
  });
});
