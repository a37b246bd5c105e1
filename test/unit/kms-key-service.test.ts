import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KmsKeyService } from '../../src/adapters/kms-key-service.js';
import { IntegrityError } from '../../src/core/errors.js';
import type { KeyContext } from '../../src/core/ports.js';

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
