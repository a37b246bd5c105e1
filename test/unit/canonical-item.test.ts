import { describe, expect, it } from 'vitest';
import { decodeItem, decodeItemKey, encodeItem, encodeItemKey, type TypedItem } from '../../src/core/canonical-item.js';
import { ValidationError } from '../../src/core/errors.js';

/** The same attributes, inserted in the opposite order. */
function reversed(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).reverse());
}

describe('encodeItem', () => {
  it.each<{ case: string; item: Record<string, unknown> }>([
    { case: 'flat attributes', item: { pk: { S: 'user#1' }, sk: { S: 'profile' }, age: { N: '42' }, active: { BOOL: true } } },
    { case: 'nested map attributes', item: { pk: { S: 'a' }, doc: { M: { zeta: { S: 'z' }, alpha: { N: '1' }, mid: { NULL: true } } } } },
  ])('does not depend on the order of attributes ($case)', ({ item }) => {
    // Arrange
    const mapReversed = Object.fromEntries(
      Object.entries(reversed(item)).map(([k, v]) => {
        const m = (v as { M?: Record<string, unknown> }).M;
        return [k, m ? { M: reversed(m) } : v];
      }),
    );

    // Act
    const a = encodeItem(item);
    const b = encodeItem(mapReversed);

    // Assert
    expect(b.equals(a)).toBe(true);
  });

  it.each<{ case: string; one: unknown; other: unknown }>([
    { case: 'string set', one: { SS: ['b', 'a', 'c'] }, other: { SS: ['c', 'b', 'a'] } },
    { case: 'number set', one: { NS: ['10', '9', '1.5', '-3'] }, other: { NS: ['-3', '1.5', '10', '9'] } },
    {
      case: 'binary set',
      one: { BS: [Buffer.from([3]), Buffer.from([1, 2]), Buffer.from([0])] },
      other: { BS: [Buffer.from([0]), Buffer.from([3]), Buffer.from([1, 2])] },
    },
  ])('does not depend on the order of a $case', ({ one, other }) => {
    // Act
    const a = encodeItem({ pk: { S: 'k' }, set: one });
    const b = encodeItem({ pk: { S: 'k' }, set: other });

    // Assert
    expect(b.equals(a)).toBe(true);
  });

  it.each([
    { case: 'trailing zero', a: '1.50', b: '1.5' },
    { case: 'leading zero', a: '01', b: '1' },
    { case: 'exponent form', a: '1e2', b: '100' },
    { case: 'beyond double precision', a: '12345678901234567890123', b: '12345678901234567890124' },
  ])('keeps the exact number string ($case: "$a" and "$b" differ)', ({ a, b }) => {
    // Act
    const encodedA = encodeItem({ n: { N: a } });
    const encodedB = encodeItem({ n: { N: b } });

    // Assert
    expect(encodedA.equals(encodedB)).toBe(false);
    expect(decodeItem(encodedA)).toEqual({ n: { N: a } });
  });

  it.each<{ case: string; one: unknown; other: unknown }>([
    { case: 'a string and a number with the same text', one: { S: '1' }, other: { N: '1' } },
    { case: 'NULL and BOOL false', one: { NULL: true }, other: { BOOL: false } },
    { case: 'an empty list and an empty map', one: { L: [] }, other: { M: {} } },
    { case: 'a list in another order', one: { L: [{ S: 'a' }, { S: 'b' }] }, other: { L: [{ S: 'b' }, { S: 'a' }] } },
  ])('distinguishes $case', ({ one, other }) => {
    expect(encodeItem({ v: one }).equals(encodeItem({ v: other }))).toBe(false);
  });

  it('refuses a value of no DynamoDB type', () => {
    expect(() => encodeItem({ v: { X: 'what' } })).toThrow(ValidationError);
  });
});

describe('decodeItem', () => {
  it.each<{ case: string; item: TypedItem }>([
    { case: 'string', item: { v: { S: 'héllo ✓' } } },
    { case: 'empty string', item: { v: { S: '' } } },
    { case: 'number', item: { v: { N: '-0.000123' } } },
    { case: 'binary', item: { v: { B: Buffer.from([0, 255, 1, 128, 10]) } } },
    { case: 'empty binary', item: { v: { B: Buffer.alloc(0) } } },
    { case: 'NULL', item: { v: { NULL: true } } },
    { case: 'BOOL true', item: { v: { BOOL: true } } },
    { case: 'BOOL false', item: { v: { BOOL: false } } },
    { case: 'sorted string set', item: { v: { SS: ['a', 'b'] } } },
    { case: 'sorted number set', item: { v: { NS: ['1', '2.5', '10'] } } },
    { case: 'binary set', item: { v: { BS: [Buffer.from([1]), Buffer.from([2])] } } },
    {
      case: 'nested map and list',
      item: {
        v: {
          M: {
            list: { L: [{ N: '1' }, { NULL: true }, { M: { deep: { B: Buffer.from('xyz') } } }, { L: [{ BOOL: false }] }] },
            name: { S: 'n' },
          },
        },
      },
    },
  ])('round-trips a $case value', ({ item }) => {
    // Act
    const decoded = decodeItem(encodeItem(item));

    // Assert
    expect(decoded).toEqual(item);
  });

  it('gives sets back in canonical order', () => {
    // Act
    const decoded = decodeItem(encodeItem({ ss: { SS: ['c', 'a', 'b'] }, ns: { NS: ['10', '2', '1.5'] } }));

    // Assert
    expect(decoded).toEqual({ ns: { NS: ['1.5', '2', '10'] }, ss: { SS: ['a', 'b', 'c'] } });
  });

  it('encodes a decoded item to the same bytes', () => {
    // Arrange
    const bytes = encodeItem({ pk: { S: 'a' }, b: { B: Buffer.from([9, 8]) }, m: { M: { y: { N: '2' }, x: { NULL: true } } } });

    // Act
    const again = encodeItem(decodeItem(bytes));

    // Assert
    expect(again.equals(bytes)).toBe(true);
  });
});

describe('encodeItemKey', () => {
  const item = { sk: { S: 'profile' }, pk: { S: 'user#1' }, other: { N: '7' } };

  it('encodes only the key attributes, in key-schema order', () => {
    // Act
    const hashFirst = encodeItemKey(item, ['pk', 'sk']);
    const rangeFirst = encodeItemKey(item, ['sk', 'pk']);

    // Assert
    expect(hashFirst.toString('utf8')).toBe('{"pk":{"S":"user#1"},"sk":{"S":"profile"}}');
    expect(rangeFirst.toString('utf8')).toBe('{"sk":{"S":"profile"},"pk":{"S":"user#1"}}');
    expect(decodeItemKey(hashFirst)).toEqual({ pk: { S: 'user#1' }, sk: { S: 'profile' } });
  });

  it('does not depend on the order of attributes in the item', () => {
    expect(encodeItemKey(reversed(item), ['pk', 'sk']).equals(encodeItemKey(item, ['pk', 'sk']))).toBe(true);
  });

  it.each([
    { case: 'the hash key', keyNames: ['id'] },
    { case: 'the range key', keyNames: ['pk', 'missing'] },
  ])('refuses an item that lacks $case', ({ keyNames }) => {
    // Act
    const act = (): Buffer => encodeItemKey(item, keyNames);

    // Assert
    expect(act).toThrow(ValidationError);
    expect(act).toThrow(/lacks key attribute/);
  });
});

describe('attribute names that are special in JavaScript', () => {
  it('keeps an attribute named __proto__ through encode and decode', () => {
    const item = JSON.parse('{"pk":{"S":"a"},"__proto__":{"S":"x"}}') as TypedItem;
    const bytes = encodeItem(item);
    expect(bytes.toString('utf8')).toContain('"__proto__":{"S":"x"}');
    expect(Object.keys(decodeItem(bytes))).toContain('__proto__');
  });
});
