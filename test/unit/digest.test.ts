import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ContentDigest, combineDigests, sha256, sha256Hex } from '../../src/core/digest.js';

interface Rec {
  key: string;
  body: string;
}

const records: Rec[] = Array.from({ length: 25 }, (_, i) => ({ key: `item#${i}`, body: `body of ${i}` }));

function digestOf(recs: readonly Rec[]): ContentDigest {
  const d = new ContentDigest();
  for (const r of recs) d.add(Buffer.from(r.key), sha256(Buffer.from(r.body)));
  return d;
}

describe('ContentDigest', () => {
  it.each([
    { case: 'reversed', reorder: (r: Rec[]): Rec[] => [...r].reverse() },
    { case: 'interleaved', reorder: (r: Rec[]): Rec[] => [...r.filter((_, i) => i % 2 === 1), ...r.filter((_, i) => i % 2 === 0)] },
    { case: 'rotated', reorder: (r: Rec[]): Rec[] => [...r.slice(7), ...r.slice(0, 7)] },
  ])('does not depend on the order records are added in ($case)', ({ reorder }) => {
    // Act
    const inOrder = digestOf(records).value();
    const reordered = digestOf(reorder(records)).value();

    // Assert
    expect(reordered).toBe(inOrder);
  });

  it('counts duplicates: a record added twice differs from it added once', () => {
    // Arrange
    const once = digestOf(records);
    const twice = digestOf([...records, records[3] ?? { key: '', body: '' }]);

    // Act / Assert
    expect(twice.count).toBe(once.count + 1);
    expect(twice.value()).not.toBe(once.value());
  });

  it('treats its records as a multiset: {a, a, b} equals {a, b, a} but not {a, b, b}', () => {
    // Arrange
    const a = { key: 'a', body: '1' };
    const b = { key: 'b', body: '2' };

    // Act
    const aab = digestOf([a, a, b]).value();
    const aba = digestOf([a, b, a]).value();
    const abb = digestOf([a, b, b]).value();

    // Assert
    expect(aba).toBe(aab);
    expect(abb).not.toBe(aab);
  });

  it.each([
    { case: 'one record has another body', change: (r: Rec[]): Rec[] => r.map((x, i) => (i === 12 ? { ...x, body: 'changed' } : x)) },
    { case: 'one record has another key', change: (r: Rec[]): Rec[] => r.map((x, i) => (i === 12 ? { ...x, key: 'item#x' } : x)) },
    { case: 'one record is missing', change: (r: Rec[]): Rec[] => r.filter((_, i) => i !== 12) },
    { case: 'one record is extra', change: (r: Rec[]): Rec[] => [...r, { key: 'new', body: 'new' }] },
  ])('differs when $case', ({ change }) => {
    // Act
    const original = digestOf(records).value();
    const changed = digestOf(change(records)).value();

    // Assert
    expect(changed).not.toBe(original);
  });

  it('binds the key to its digest: swapping the bodies of two keys changes the value', () => {
    // Arrange
    const a = { key: 'a', body: '1' };
    const b = { key: 'b', body: '2' };

    // Act / Assert
    expect(digestOf([{ ...a, body: b.body }, { ...b, body: a.body }]).value()).not.toBe(digestOf([a, b]).value());
  });

  it('does not let key and digest bytes slide into each other', () => {
    // Arrange: key "ab" + digest "c…" against key "a" + digest "bc…", same concatenated bytes.
    const digest = Buffer.alloc(32, 7);
    const one = new ContentDigest();
    one.add(Buffer.from('ab'), digest);
    const other = new ContentDigest();
    other.add(Buffer.from('a'), Buffer.concat([Buffer.from('b'), digest.subarray(0, 31)]));

    // Act / Assert
    expect(other.value()).not.toBe(one.value());
  });

  it('starts at count 0 with a zero sum, prefixed by the count', () => {
    // Act
    const empty = new ContentDigest();

    // Assert
    expect(empty.count).toBe(0);
    expect(empty.value()).toBe(`0:${'0'.repeat(64)}`);
    expect(digestOf(records).value()).toMatch(/^25:[0-9a-f]{64}$/);
  });
});

/** The multiset sum as documented: sum mod 2^256 of sha256(u32be key length, key, digest), as BigInt. */
function referenceValue(pairs: readonly { key: Buffer; digest: Buffer }[]): string {
  let sum = 0n;
  for (const { key, digest } of pairs) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(key.length);
    sum = (sum + BigInt(`0x${createHash('sha256').update(len).update(key).update(digest).digest('hex')}`)) % (1n << 256n);
  }
  return `${pairs.length}:${sum.toString(16).padStart(64, '0')}`;
}

describe('ContentDigest against the documented definition', () => {
  it.each([
    { case: 'one short key', keyLengths: [5] },
    { case: 'keys around the in-place buffer limit', keyLengths: [223, 224, 225, 256, 1000] },
    { case: 'an empty key', keyLengths: [0] },
    { case: 'many records, so that the 256-bit sum wraps', keyLengths: Array.from({ length: 600 }, (_, i) => i % 300) },
  ])('equals sum mod 2^256 of sha256(length, key, digest) for $case', ({ keyLengths }) => {
    // Arrange
    const pairs = keyLengths.map((n, i) => ({ key: Buffer.alloc(n, i % 251), digest: sha256(Buffer.from(`record ${i}`)) }));
    const d = new ContentDigest();

    // Act
    for (const p of pairs) d.add(p.key, p.digest);

    // Assert
    expect(d.value()).toBe(referenceValue(pairs));
  });
});

describe('combineDigests', () => {
  it('depends on the order of its parts', () => {
    expect(combineDigests(['1:aa', '2:bb'])).not.toBe(combineDigests(['2:bb', '1:aa']));
  });

  it('is deterministic and differs when one part differs', () => {
    expect(combineDigests(['1:aa', '2:bb'])).toBe(combineDigests(['1:aa', '2:bb']));
    expect(combineDigests(['1:aa', '2:bb'])).not.toBe(combineDigests(['1:aa', '2:bc']));
  });

  it('separates its parts: ["ab"] differs from ["a", "b"]', () => {
    expect(combineDigests(['ab'])).not.toBe(combineDigests(['a', 'b']));
  });
});

describe('sha256', () => {
  it('matches the standard test vector in both forms', () => {
    const expected = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(sha256Hex(Buffer.from('abc'))).toBe(expected);
    expect(sha256(Buffer.from('abc')).toString('hex')).toBe(expected);
  });
});
