import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../src/core/errors.js';
import { ByteReader, ByteWriter } from '../../src/core/varint.js';

function encodeVarint(value: number): Buffer {
  const w = new ByteWriter();
  w.varint(value);
  return w.toBuffer();
}

describe('varints', () => {
  it.each([
    { value: 0, bytes: 1 },
    { value: 1, bytes: 1 },
    { value: 127, bytes: 1 },
    { value: 128, bytes: 2 },
    { value: 300, bytes: 2 },
    { value: 16_383, bytes: 2 },
    { value: 16_384, bytes: 3 },
    { value: 2 ** 31 - 1, bytes: 5 },
    { value: 2 ** 32, bytes: 5 },
    { value: 2 ** 35, bytes: 6 },
    { value: 2 ** 40 - 1, bytes: 6 },
    { value: 2 ** 40, bytes: 6 },
    { value: Number.MAX_SAFE_INTEGER, bytes: 8 },
  ])('round-trips $value in $bytes bytes', ({ value, bytes }) => {
    // Act
    const encoded = encodeVarint(value);
    const reader = new ByteReader(encoded);
    const decoded = reader.varint();

    // Assert
    expect(encoded.length).toBe(bytes);
    expect(decoded).toBe(value);
    expect(reader.done).toBe(true);
  });

  it('uses the standard LEB128 layout (300 is ac 02)', () => {
    expect(encodeVarint(300).toString('hex')).toBe('ac02');
  });

  it('reads a sequence of values written one after another', () => {
    // Arrange
    const values = [0, 5, 128, 2 ** 20, 2 ** 40, 77];
    const w = new ByteWriter();
    for (const v of values) w.varint(v);
    const r = new ByteReader(w.toBuffer());

    // Act
    const read = values.map(() => r.varint());

    // Assert
    expect(read).toEqual(values);
    expect(r.done).toBe(true);
  });

  it.each([
    { case: 'an empty buffer', bytes: Buffer.alloc(0) },
    { case: 'a continuation byte at the end', bytes: Buffer.from([0x80]) },
    { case: 'a value cut after two of three bytes', bytes: encodeVarint(2 ** 20).subarray(0, 2) },
  ])('refuses $case as a truncated varint', ({ bytes }) => {
    expect(() => new ByteReader(bytes).varint()).toThrow(IntegrityError);
  });

  it('refuses a varint longer than a safe integer', () => {
    expect(() => new ByteReader(Buffer.alloc(12, 0xff)).varint()).toThrow(/varint too long/);
  });
});

describe('ByteWriter and ByteReader', () => {
  it('round-trips raw and length-prefixed bytes, growing past its initial buffer', () => {
    // Arrange
    const big = Buffer.alloc(5000, 0xab);
    const w = new ByteWriter();
    w.lengthPrefixed(Buffer.from('key'));
    w.bytes(Buffer.from([1, 2, 3]));
    w.lengthPrefixed(big);
    w.lengthPrefixed(Buffer.alloc(0));
    const r = new ByteReader(w.toBuffer());

    // Act
    const key = r.lengthPrefixed();
    const raw = r.bytes(3);
    const back = r.lengthPrefixed();
    const empty = r.lengthPrefixed();

    // Assert
    expect(key.toString()).toBe('key');
    expect([...raw]).toEqual([1, 2, 3]);
    expect(back.equals(big)).toBe(true);
    expect(empty.length).toBe(0);
    expect(r.done).toBe(true);
  });

  it.each([
    { case: 'more raw bytes than remain', read: (r: ByteReader): unknown => r.bytes(4), bytes: Buffer.from([1, 2, 3]) },
    { case: 'a length prefix longer than the data', read: (r: ByteReader): unknown => r.lengthPrefixed(), bytes: Buffer.from([5, 1, 2]) },
  ])('refuses to read $case with an IntegrityError', ({ read, bytes }) => {
    expect(() => read(new ByteReader(bytes))).toThrow(IntegrityError);
  });
});
