import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyService } from '../../src/adapters/local-key-service.js';
import { IntegrityError, ValidationError } from '../../src/core/errors.js';
import type { KeyContext } from '../../src/core/ports.js';
import {
  hmacHex,
  KeyRing,
  openObject,
  SealedKind,
  sealObject,
  summaryMacKey,
  type SealedKindValue,
  type SnapshotKey,
} from '../../src/core/sealed-object.js';

const CONTEXT: KeyContext = { backupId: 'rp-20260101T000000000Z-abcd', component: 'agents' };
const OBJECT_ID = 'a'.repeat(32);
const STORE_KEY = `components/agents/packs/aa/${OBJECT_ID}`;

let keys: LocalKeyService;
let snapshotKey: SnapshotKey;

async function newSnapshotKey(service: LocalKeyService, context: KeyContext): Promise<SnapshotKey> {
  const dk = await service.generateDataKey(context);
  return { plaintext: dk.plaintext, wrapped: dk.wrapped, keyId: dk.keyId, context };
}

/** Opens and returns the error it rejects with (fails the test when it opens). */
async function openError(bytes: Buffer, expected: { kind: SealedKindValue; id: string; storeKey: string }, ring: KeyRing): Promise<unknown> {
  try {
    await openObject(bytes, expected, ring);
  } catch (err) {
    return err;
  }
  throw new Error('expected openObject to reject');
}

beforeAll(async () => {
  keys = LocalKeyService.fromKey(randomBytes(32));
  snapshotKey = await newSnapshotKey(keys, CONTEXT);
});

describe('sealObject and openObject', () => {
  it.each([
    { case: 'a pack', kind: SealedKind.Pack, plaintext: randomBytes(10_000) },
    { case: 'a pack index', kind: SealedKind.PackIndex, plaintext: Buffer.from('index bytes') },
    { case: 'a manifest chunk', kind: SealedKind.ManifestChunk, plaintext: randomBytes(300) },
    { case: 'an empty object', kind: SealedKind.Pack, plaintext: Buffer.alloc(0) },
  ])('round-trips $case', async ({ kind, plaintext }) => {
    // Arrange
    const sealed = sealObject(kind, OBJECT_ID, snapshotKey, plaintext);

    // Act
    const opened = await openObject(sealed, { kind, id: OBJECT_ID, storeKey: STORE_KEY }, new KeyRing(keys));

    // Assert
    expect(opened.equals(plaintext)).toBe(true);
  });

  it('does not store the plaintext or the data key in the clear', () => {
    // Arrange
    const plaintext = Buffer.from('a very recognisable secret value '.repeat(4));

    // Act
    const sealed = sealObject(SealedKind.Pack, OBJECT_ID, snapshotKey, plaintext);

    // Assert
    expect(sealed.includes(plaintext.subarray(0, 20))).toBe(false);
    expect(sealed.includes(snapshotKey.plaintext)).toBe(false);
    expect(sealed.subarray(0, 4).toString('ascii')).toBe('WRS1');
  });

  it('seals the same plaintext differently each time (fresh nonce)', () => {
    // Arrange
    const plaintext = Buffer.from('same');

    // Act
    const a = sealObject(SealedKind.Pack, OBJECT_ID, snapshotKey, plaintext);
    const b = sealObject(SealedKind.Pack, OBJECT_ID, snapshotKey, plaintext);

    // Assert
    expect(a.equals(b)).toBe(false);
  });

  it.each([
    { mask: 0x01, name: 'the lowest bit' },
    { mask: 0x80, name: 'the highest bit' },
    { mask: 0xff, name: 'every bit' },
  ])('rejects the object when $name of any single byte is flipped, naming its store key', async ({ mask }) => {
    // Arrange
    const sealed = sealObject(SealedKind.ManifestChunk, OBJECT_ID, snapshotKey, randomBytes(40));
    const ring = new KeyRing(keys);
    const expected = { kind: SealedKind.ManifestChunk, id: OBJECT_ID, storeKey: STORE_KEY };
    expect(sealed.length).toBeGreaterThan(250);
    const accepted: number[] = [];
    const wrongErrors: number[] = [];

    // Act
    for (let i = 0; i < sealed.length; i++) {
      const damaged = Buffer.from(sealed);
      damaged[i] = (damaged[i] ?? 0) ^ mask;
      try {
        await openObject(damaged, expected, ring);
        accepted.push(i);
      } catch (err) {
        if (!(err instanceof IntegrityError) || err.objectKey !== STORE_KEY || !err.message.includes(STORE_KEY)) wrongErrors.push(i);
      }
    }

    // Assert
    expect(accepted).toEqual([]);
    expect(wrongErrors).toEqual([]);
  });

  it.each([
    { case: 'a truncated object', damage: (b: Buffer): Buffer => b.subarray(0, b.length - 1) },
    { case: 'an object with a byte appended', damage: (b: Buffer): Buffer => Buffer.concat([b, Buffer.from([0])]) },
    { case: 'only the magic', damage: (b: Buffer): Buffer => b.subarray(0, 4) },
    { case: 'an empty object', damage: (): Buffer => Buffer.alloc(0) },
  ])('rejects $case as an IntegrityError', async ({ damage }) => {
    // Arrange
    const sealed = sealObject(SealedKind.Pack, OBJECT_ID, snapshotKey, Buffer.from('content'));

    // Act
    const err = await openError(damage(sealed), { kind: SealedKind.Pack, id: OBJECT_ID, storeKey: STORE_KEY }, new KeyRing(keys));

    // Assert
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).objectKey).toBe(STORE_KEY);
  });

  it.each([
    { case: 'another id (the object was moved to another name)', kind: SealedKind.Pack, id: 'b'.repeat(32), message: /holds object a{32}/ },
    { case: 'another kind (an index opened as a pack)', kind: SealedKind.PackIndex, id: OBJECT_ID, message: /wrong kind/ },
  ])('rejects an object opened with $case', async ({ kind, id, message }) => {
    // Arrange
    const sealed = sealObject(SealedKind.Pack, OBJECT_ID, snapshotKey, Buffer.from('content'));

    // Act
    const err = await openError(sealed, { kind, id, storeKey: STORE_KEY }, new KeyRing(keys));

    // Assert
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).objectKey).toBe(STORE_KEY);
    expect((err as Error).message).toMatch(message);
  });

  it('rejects an object sealed under another master key', async () => {
    // Arrange
    const sealed = sealObject(SealedKind.Pack, OBJECT_ID, snapshotKey, Buffer.from('content'));
    const otherKeys = LocalKeyService.fromKey(randomBytes(32));

    // Act
    const err = await openError(sealed, { kind: SealedKind.Pack, id: OBJECT_ID, storeKey: STORE_KEY }, new KeyRing(otherKeys));

    // Assert
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(/data key does not unwrap/);
  });
});

describe('LocalKeyService', () => {
  it('unwraps a data key with the context it was made for', async () => {
    // Act
    const plaintext = await keys.decryptDataKey(snapshotKey.wrapped, CONTEXT);

    // Assert
    expect(plaintext.equals(snapshotKey.plaintext)).toBe(true);
    expect(plaintext.length).toBe(32);
  });

  it.each<{ case: string; context: KeyContext }>([
    { case: 'another backup', context: { ...CONTEXT, backupId: 'rp-20260101T000000000Z-other' } },
    { case: 'another component', context: { ...CONTEXT, component: 'auth' } },
    { case: 'the two fields swapped', context: { backupId: CONTEXT.component, component: CONTEXT.backupId } },
  ])('refuses to unwrap a data key with the context of $case', async ({ context }) => {
    await expect(keys.decryptDataKey(snapshotKey.wrapped, context)).rejects.toBeInstanceOf(IntegrityError);
  });

  it('refuses a wrapped key of the wrong format', async () => {
    await expect(keys.decryptDataKey(Buffer.from('short'), CONTEXT)).rejects.toThrow(/wrong format/);
  });

  it('refuses a master key that is not 32 bytes', () => {
    expect(() => LocalKeyService.fromKey(randomBytes(16))).toThrow(ValidationError);
  });

  it('names its master key by a fingerprint, never the key itself', () => {
    // Arrange
    const master = randomBytes(32);

    // Act
    const service = LocalKeyService.fromKey(master);

    // Assert
    expect(service.keyId).toMatch(/^local:[0-9a-f]{16}$/);
    expect(service.keyId).not.toContain(master.toString('hex').slice(0, 16));
  });
});

describe('KeyRing', () => {
  it('asks the key service once per wrapped key and context', async () => {
    // Arrange
    let calls = 0;
    const counting = {
      generateDataKey: keys.generateDataKey.bind(keys),
      decryptDataKey: (wrapped: Buffer, context: KeyContext): Promise<Buffer> => {
        calls += 1;
        return keys.decryptDataKey(wrapped, context);
      },
    };
    const ring = new KeyRing(counting);

    // Act
    const results = await Promise.all([1, 2, 3].map(() => ring.unwrap(snapshotKey.wrapped, CONTEXT)));

    // Assert
    expect(calls).toBe(1);
    for (const r of results) expect(r.equals(snapshotKey.plaintext)).toBe(true);
  });

  it('does not remember a failed unwrap', async () => {
    // Arrange
    let calls = 0;
    const failing = {
      generateDataKey: keys.generateDataKey.bind(keys),
      decryptDataKey: (): Promise<Buffer> => {
        calls += 1;
        return Promise.reject(new IntegrityError('no'));
      },
    };
    const ring = new KeyRing(failing);

    // Act
    await expect(ring.unwrap(snapshotKey.wrapped, CONTEXT)).rejects.toThrow('no');
    await expect(ring.unwrap(snapshotKey.wrapped, CONTEXT)).rejects.toThrow('no');

    // Assert
    expect(calls).toBe(2);
  });
});

describe('summary MAC key', () => {
  it('is derived from the data key, never the data key itself, and keyed by it', () => {
    // Arrange
    const dataKey = randomBytes(32);

    // Act
    const macKey = summaryMacKey(dataKey);

    // Assert
    expect(macKey.length).toBe(32);
    expect(macKey.equals(dataKey)).toBe(false);
    expect(summaryMacKey(dataKey).equals(macKey)).toBe(true);
    expect(hmacHex(macKey, 'body')).not.toBe(hmacHex(summaryMacKey(randomBytes(32)), 'body'));
  });
});

/** The object with its header edited (and the header length fixed), as someone moving it would. */
function withHeader(sealed: Buffer, edit: (header: Record<string, unknown>) => Record<string, unknown>): Buffer {
  const headerLength = sealed.readUInt16BE(5);
  const header = JSON.parse(sealed.subarray(7, 7 + headerLength).toString('utf8')) as Record<string, unknown>;
  const edited = Buffer.from(JSON.stringify(edit(header)), 'utf8');
  const prefix = Buffer.from(sealed.subarray(0, 7));
  prefix.writeUInt16BE(edited.length, 5);
  return Buffer.concat([prefix, edited, sealed.subarray(7 + headerLength)]);
}

describe('the encryption context binds a sealed object to its snapshot', () => {
  const OTHER: KeyContext = { backupId: 'snap-20260102T000000000Z-other', component: 'agents' };

  it.each([
    { case: "claims the other snapshot's context", edit: (h: Record<string, unknown>, other: SnapshotKey) => ({ ...h, kc: other.context }), message: /data key does not unwrap/ },
    { case: "carries the other snapshot's wrapped key", edit: (h: Record<string, unknown>, other: SnapshotKey) => ({ ...h, wk: other.wrapped.toString('base64') }), message: /data key does not unwrap/ },
    {
      case: "carries the other snapshot's wrapped key and context",
      edit: (h: Record<string, unknown>, other: SnapshotKey) => ({ ...h, kc: other.context, wk: other.wrapped.toString('base64') }),
      message: /authentication failed/,
    },
  ])('an object moved under another snapshot that $case does not open: IntegrityError, exit 5', async ({ edit, message }) => {
    // Arrange
    const other = await newSnapshotKey(keys, OTHER);
    const moved = withHeader(sealObject(SealedKind.Pack, OBJECT_ID, snapshotKey, Buffer.from('content')), (h) => edit(h, other));

    // Act
    const err = await openError(moved, { kind: SealedKind.Pack, id: OBJECT_ID, storeKey: STORE_KEY }, new KeyRing(keys));

    // Assert
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).exitCode).toBe(5);
    expect((err as IntegrityError).objectKey).toBe(STORE_KEY);
    expect((err as Error).message).toMatch(message);
  });

  it('the header edit alone is what fails: the same object, header rewritten unchanged, still opens', async () => {
    // Arrange
    const sealed = sealObject(SealedKind.Pack, OBJECT_ID, snapshotKey, Buffer.from('content'));

    // Act
    const opened = await openObject(withHeader(sealed, (h) => h), { kind: SealedKind.Pack, id: OBJECT_ID, storeKey: STORE_KEY }, new KeyRing(keys));

    // Assert
    expect(opened.toString()).toBe('content');
  });
});
