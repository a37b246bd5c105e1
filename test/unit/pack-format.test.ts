import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/core/digest.js';
import { IntegrityError } from '../../src/core/errors.js';
import { decodePackIndex, encodePackIndex, newPackId, PACK_ID_BYTES } from '../../src/core/pack-format.js';

function entry(key: string, length: number): { key: Buffer; digest: Buffer; length: number } {
  return { key: Buffer.from(key), digest: sha256(Buffer.from(`${key}:${length}`)), length };
}

const entries = [entry('user#1', 120), entry('user#2', 0), entry('', 7), entry('doc/very/long/key'.repeat(20), 300_000), entry('é', 1)];

describe('pack indexes', () => {
  it('round-trips keys, digests and lengths, deriving each offset from the lengths before it', () => {
    // Act
    const index = decodePackIndex(encodePackIndex(entries));
    const positions = entries.map((_, i) => i);

    // Assert
    expect(index.count).toBe(entries.length);
    expect(positions.map((i) => index.key(i).toString())).toEqual(entries.map((e) => e.key.toString()));
    expect(positions.map((i) => index.digest(i).toString('hex'))).toEqual(entries.map((e) => e.digest.toString('hex')));
    expect(positions.map((i) => index.length(i))).toEqual([120, 0, 7, 300_000, 1]);
    expect(positions.map((i) => index.offset(i))).toEqual([0, 120, 120, 127, 300_127]);
    expect(index.packLength).toBe(300_128);
  });

  it.each([
    { start: 0, count: 1, offset: 0, end: 120 },
    { start: 1, count: 2, offset: 120, end: 127 },
    { start: 2, count: 3, offset: 120, end: 300_128 },
    { start: 0, count: 5, offset: 0, end: 300_128 },
  ])('gives the byte span of $count records from position $start', ({ start, count, offset, end }) => {
    // Arrange
    const index = decodePackIndex(encodePackIndex(entries));

    // Act
    const span = index.span(start, count);

    // Assert
    expect(span).toEqual({ offset, end });
  });

  it('round-trips an empty index', () => {
    // Act
    const index = decodePackIndex(encodePackIndex([]));

    // Assert
    expect(index.count).toBe(0);
    expect(index.packLength).toBe(0);
  });

  it('refuses an index cut at any byte with an IntegrityError', () => {
    // Arrange
    const bytes = encodePackIndex(entries);

    // Act / Assert
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => decodePackIndex(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(IntegrityError);
    }
  });

  it.each([
    { case: 'one trailing byte', extra: Buffer.from([0]) },
    { case: 'a whole extra entry', extra: encodePackIndex([entry('x', 1)]).subarray(1) },
  ])('refuses an index with $case with an IntegrityError', ({ extra }) => {
    // Arrange
    const bytes = Buffer.concat([encodePackIndex(entries), extra]);

    // Act / Assert
    expect(() => decodePackIndex(bytes)).toThrow(IntegrityError);
    expect(() => decodePackIndex(bytes)).toThrow(/trailing bytes/);
  });

  it('refuses an index claiming more entries than it holds', () => {
    // Arrange: generation 0, count 3, one entry.
    const one = encodePackIndex([entry('a', 1)]);
    const bytes = Buffer.concat([one.subarray(0, 1), Buffer.from([3]), one.subarray(2)]);

    // Act / Assert
    expect(() => decodePackIndex(bytes)).toThrow(IntegrityError);
  });
});

describe('newPackId', () => {
  it('is a fresh hex id of the pack id size', () => {
    // Act
    const ids = new Set(Array.from({ length: 50 }, () => newPackId()));

    // Assert
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(new RegExp(`^[0-9a-f]{${PACK_ID_BYTES * 2}}$`));
  });
});

describe('pack index sanity', () => {
  it('refuses an index claiming more entries than it can hold, before allocating for them', () => {
    const claim = Buffer.from([0x00, 0x80, 0x80, 0x80, 0x80, 0x01]); // generation 0, count 2^28
    expect(() => decodePackIndex(claim)).toThrow(IntegrityError);
  });
});

describe('repacked indexes', () => {
  it('keeps positions stable: empty slots where pruned records were, and the generation', () => {
    const digest = Buffer.alloc(32, 7);
    const index = decodePackIndex(encodePackIndex([{ key: Buffer.from('a'), digest, length: 3 }, { dead: true }, { key: Buffer.from('c'), digest, length: 5 }], 2));
    expect(index.generation).toBe(2);
    expect(index.count).toBe(3);
    expect([index.isLive(0), index.isLive(1), index.isLive(2)]).toEqual([true, false, true]);
    expect(index.key(2).toString()).toBe('c');
    expect(index.offset(2)).toBe(3);
    expect(index.packLength).toBe(8);
  });
});
