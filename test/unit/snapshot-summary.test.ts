import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyService } from '../../src/adapters/local-key-service.js';
import { IntegrityError } from '../../src/core/errors.js';
import type { KeyContext } from '../../src/core/ports.js';
import { KeyRing } from '../../src/core/sealed-object.js';
import { FORMAT_VERSION, openSummary, sealSummary, type SnapshotSummary } from '../../src/core/snapshot/snapshot-summary.js';

const STORE_KEY = 'components/auth/snapshots/snap-1.json';
const CONTEXT: KeyContext = { backupId: 'rp-1', component: 'auth' };

let keys: LocalKeyService;
let dataKey: Buffer;
let summary: SnapshotSummary;

function makeSummary(wrapped: Buffer, keyId: string): SnapshotSummary {
  return {
    formatVersion: FORMAT_VERSION,
    snapshotId: 'snap-1',
    component: 'auth',
    purpose: 'recovery-point',
    type: 'incremental',
    recoveryPointId: 'rp-1',
    createdAt: '2026-01-02T03:04:05.006Z',
    parentSnapshotId: 'snap-0',
    key: { wrapped: wrapped.toString('base64'), keyId, context: CONTEXT },
    streams: [
      {
        source: { type: 'dynamodb', name: 'wing-auth' },
        itemCount: 1234,
        contentDigest: `1234:${'ab'.repeat(32)}`,
        logicalBytes: 98_765,
        manifestChunks: ['c1'.repeat(32), 'c2'.repeat(32)],
      },
    ],
    packs: ['p1'.repeat(16), 'p2'.repeat(16)],
    newPacks: ['p2'.repeat(16)],
    newManifestChunks: ['c2'.repeat(32)],
    itemCount: 1234,
    contentDigest: 'ef'.repeat(32),
    logicalBytes: 98_765,
    storedBytes: 4321,
    labels: { history: 'demo' },
  };
}

/** Opens and returns the error it rejects with (fails the test when it opens). */
async function openError(bytes: Buffer, ring: KeyRing): Promise<unknown> {
  try {
    await openSummary(bytes, STORE_KEY, ring);
  } catch (err) {
    return err;
  }
  throw new Error('expected openSummary to reject');
}

/** The sealed summary with its body edited by `edit` and the original MAC kept. */
function withEditedBody(sealed: Buffer, edit: (body: Record<string, unknown>) => void): Buffer {
  const [body, mac] = sealed.toString('utf8').split('\n');
  const parsed = JSON.parse(body ?? '') as Record<string, unknown>;
  edit(parsed);
  return Buffer.from(`${JSON.stringify(parsed)}\n${mac ?? ''}\n`, 'utf8');
}

beforeAll(async () => {
  keys = LocalKeyService.fromKey(randomBytes(32));
  const dk = await keys.generateDataKey(CONTEXT);
  dataKey = dk.plaintext;
  summary = makeSummary(dk.wrapped, dk.keyId);
});

describe('sealSummary and openSummary', () => {
  it('round-trips a summary', async () => {
    // Arrange
    const sealed = sealSummary(summary, dataKey);

    // Act
    const opened = await openSummary(sealed, STORE_KEY, new KeyRing(keys));

    // Assert
    expect(opened).toEqual(summary);
  });

  it('stores readable JSON, a newline and a hex MAC', () => {
    // Act
    const lines = sealSummary(summary, dataKey).toString('utf8').split('\n');

    // Assert
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ formatVersion: FORMAT_VERSION, snapshotId: 'snap-1' });
    expect(lines[1]).toMatch(/^[0-9a-f]{64}$/);
    expect(lines[2]).toBe('');
  });

  it('defaults missing labels to none', async () => {
    // Arrange
    const withoutLabels: Partial<SnapshotSummary> = { ...summary };
    delete withoutLabels.labels;
    const sealed = sealSummary(withoutLabels as SnapshotSummary, dataKey);

    // Act
    const opened = await openSummary(sealed, STORE_KEY, new KeyRing(keys));

    // Assert
    expect(opened.labels).toEqual({});
  });

  it('rejects a change to any single byte of the sealed summary, naming the store key', async () => {
    // Arrange
    const sealed = sealSummary(summary, dataKey);
    const ring = new KeyRing(keys);
    const accepted: string[] = [];
    const wrongErrors: string[] = [];

    // Act
    for (const mask of [0x01, 0x20, 0xff]) {
      for (let i = 0; i < sealed.length; i++) {
        const damaged = Buffer.from(sealed);
        damaged[i] = (damaged[i] ?? 0) ^ mask;
        try {
          await openSummary(damaged, STORE_KEY, ring);
          accepted.push(`${i}^${mask}`);
        } catch (err) {
          if (!(err instanceof IntegrityError) || err.objectKey !== STORE_KEY) wrongErrors.push(`${i}^${mask}`);
        }
      }
    }

    // Assert
    expect(accepted).toEqual([]);
    expect(wrongErrors).toEqual([]);
  });

  it.each<{ case: string; damage: (sealed: Buffer) => Buffer }>([
    { case: 'an edited item count', damage: (s) => withEditedBody(s, (b) => { b.itemCount = 1235; }) },
    { case: 'an edited content digest', damage: (s) => withEditedBody(s, (b) => { b.contentDigest = 'ee'.repeat(32); }) },
    {
      case: 'a dropped manifest chunk',
      damage: (s) => withEditedBody(s, (b) => { (b.streams as { manifestChunks: string[] }[])[0]?.manifestChunks.pop(); }),
    },
    { case: 'an extra pack', damage: (s) => withEditedBody(s, (b) => { (b.packs as string[]).push('p3'.repeat(16)); }) },
    { case: 'another recovery point', damage: (s) => withEditedBody(s, (b) => { b.recoveryPointId = 'rp-2'; }) },
    { case: 'an added unknown field', damage: (s) => withEditedBody(s, (b) => { b.note = 'x'; }) },
    {
      case: 'the same content re-serialised with spaces',
      damage: (s) => {
        const [body, mac] = s.toString('utf8').split('\n');
        return Buffer.from(`${JSON.stringify(JSON.parse(body ?? ''), null, 1).replace(/\n/g, ' ')}\n${mac ?? ''}\n`);
      },
    },
  ])('rejects a summary with $case that still parses (the MAC fails)', async ({ damage }) => {
    // Arrange
    const damaged = damage(sealSummary(summary, dataKey));

    // Act
    const err = await openError(damaged, new KeyRing(keys));

    // Assert
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).objectKey).toBe(STORE_KEY);
    expect((err as Error).message).toMatch(/signature mismatch/);
  });

  it.each<{ case: string; bytes: () => Buffer; message: RegExp }>([
    { case: 'no signature line', bytes: () => Buffer.from(JSON.stringify(summary)), message: /without signature/ },
    { case: 'a body that is not JSON', bytes: () => Buffer.from(`not json\n${'0'.repeat(64)}\n`), message: /unreadable/ },
    {
      case: 'a body of another format version',
      bytes: () => sealSummary({ ...summary, formatVersion: 2 } as unknown as SnapshotSummary, dataKey),
      message: /unreadable/,
    },
    { case: 'an empty MAC', bytes: () => Buffer.from(`${JSON.stringify(summary)}\n\n`), message: /signature mismatch/ },
    { case: 'a blank line after the MAC', bytes: () => Buffer.concat([sealSummary(summary, dataKey), Buffer.from('\n')]), message: /signature mismatch/ },
    { case: 'a MAC without its final newline', bytes: () => sealSummary(summary, dataKey).subarray(0, -1), message: /signature mismatch/ },
    {
      case: 'the MAC in upper case',
      bytes: () => Buffer.from(sealSummary(summary, dataKey).toString('utf8').replace(/\n([0-9a-f]+)\n$/, (_m, mac: string) => `\n${mac.toUpperCase()}\n`)),
      message: /signature mismatch/,
    },
  ])('rejects $case as an IntegrityError', async ({ bytes, message }) => {
    // Act
    const err = await openError(bytes(), new KeyRing(keys));

    // Assert
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(message);
  });

  it('rejects a summary signed under another data key', async () => {
    // Arrange
    const sealed = sealSummary(summary, randomBytes(32));

    // Act
    const err = await openError(sealed, new KeyRing(keys));

    // Assert
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(/signature mismatch/);
  });

  it('rejects a summary whose key context was changed to another snapshot', async () => {
    // Arrange
    const damaged = withEditedBody(sealSummary(summary, dataKey), (b) => {
      (b.key as { context: KeyContext }).context = { backupId: 'rp-2', component: 'auth' };
    });

    // Act
    const err = await openError(damaged, new KeyRing(keys));

    // Assert
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(/data key does not unwrap/);
  });
});
