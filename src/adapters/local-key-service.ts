/**
 * The local stand-in for KMS: data keys are wrapped with AES-256-GCM under a master key kept in a
 * file of the state folder (mode 0600). The encryption context is the additional authenticated
 * data, exactly as KMS binds it: a wrapped key only unwraps with the context it was made for.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { IntegrityError, ValidationError } from '../core/errors.js';
import { keyFingerprint } from '../core/key-export-format.js';
import type { DataKey, KeyContext, KeyService } from '../core/ports.js';
import { loadSecretFile } from './secret-file.js';

const MAGIC = Buffer.from('WRK1', 'ascii');

function contextBytes(context: KeyContext): Buffer {
  return Buffer.from(JSON.stringify({ backupId: context.backupId, component: context.component }), 'utf8');
}

/**
 * The master key's bytes from its file (refused when others can read it, or missing unless
 * `create`): the key service's, and what `keys:export` wraps.
 */
export function readMasterKeyFile(path: string, options: { create: boolean }): Promise<Buffer> {
  return loadSecretFile(path, { bytes: 32, create: options.create, what: 'master key', missing: `no master key at ${path}: run "npx wing init" first, or "npx wing keys:import" to restore a saved one` });
}

export class LocalKeyService implements KeyService {
  readonly keyId: string;

  private constructor(private readonly masterKey: Buffer) {
    this.keyId = `local:${keyFingerprint(masterKey)}`;
  }

  /** Uses a master key already in memory (tests, the benchmark). */
  static fromKey(masterKey: Buffer): LocalKeyService {
    if (masterKey.length !== 32) throw new ValidationError('a master key is 32 bytes');
    return new LocalKeyService(masterKey);
  }

  /** Loads the master key file, creating it (0600, durably: losing it loses every backup) when it does not exist yet. */
  static async fromFile(path: string, options: { create: boolean }): Promise<LocalKeyService> {
    return LocalKeyService.fromKey(await readMasterKeyFile(path, options));
  }

  generateDataKey(context: KeyContext): Promise<DataKey> {
    const plaintext = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    cipher.setAAD(contextBytes(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const wrapped = Buffer.concat([MAGIC, iv, body, cipher.getAuthTag()]);
    return Promise.resolve({ plaintext, wrapped, keyId: this.keyId });
  }

  decryptDataKey(wrapped: Buffer, context: KeyContext): Promise<Buffer> {
    if (wrapped.length !== 4 + 12 + 32 + 16 || !wrapped.subarray(0, 4).equals(MAGIC)) {
      return Promise.reject(new IntegrityError('wrapped data key has the wrong format'));
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.masterKey, wrapped.subarray(4, 16));
      decipher.setAAD(contextBytes(context));
      decipher.setAuthTag(wrapped.subarray(48));
      return Promise.resolve(Buffer.concat([decipher.update(wrapped.subarray(16, 48)), decipher.final()]));
    } catch (err) {
      return Promise.reject(new IntegrityError('data key does not unwrap under this master key and context', undefined, { cause: err }));
    }
  }
}
