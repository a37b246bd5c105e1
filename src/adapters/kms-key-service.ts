/**
 * KMS envelope encryption: GenerateDataKey and Decrypt with the encryption context
 * {backupId, component}, which KMS records in CloudTrail and requires again to decrypt.
 */
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { IntegrityError } from '../core/errors.js';
import type { DataKey, KeyContext, KeyService } from '../core/ports.js';

function encryptionContext(context: KeyContext): Record<string, string> {
  return { backupId: context.backupId, component: context.component };
}

export class KmsKeyService implements KeyService {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async generateDataKey(context: KeyContext): Promise<DataKey> {
    const out = await this.kms.send(
      new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: encryptionContext(context) }),
    );
    if (!out.Plaintext || !out.CiphertextBlob) throw new IntegrityError('KMS returned no data key');
    return { plaintext: Buffer.from(out.Plaintext), wrapped: Buffer.from(out.CiphertextBlob), keyId: out.KeyId ?? this.keyId };
  }

  async decryptDataKey(wrapped: Buffer, context: KeyContext): Promise<Buffer> {
    const out = await this.kms.send(
      new DecryptCommand({ CiphertextBlob: wrapped, KeyId: this.keyId, EncryptionContext: encryptionContext(context) }),
    );
    if (!out.Plaintext) throw new IntegrityError('KMS returned no plaintext for a data key');
    return Buffer.from(out.Plaintext);
  }
}
