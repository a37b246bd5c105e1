import { describe, expect, it } from 'vitest';
import { decodeObject, encodeObject, objectRecordKey, type ObjectRecord } from '../../src/core/canonical-object.js';
import { IntegrityError } from '../../src/core/errors.js';

function record(overrides: Partial<ObjectRecord> = {}): ObjectRecord {
  return { key: 'docs/guide.md', body: Buffer.from('# Guide\n'), metadata: {}, ...overrides };
}

describe('encodeObject and decodeObject', () => {
  it.each<{ case: string; obj: ObjectRecord }>([
    { case: 'key and body only', obj: record() },
    { case: 'empty body', obj: record({ body: Buffer.alloc(0) }) },
    { case: 'binary body', obj: record({ body: Buffer.from([0, 1, 2, 255, 254, 10, 13]) }) },
    { case: 'unicode key', obj: record({ key: 'docs/résumé ✓.txt' }) },
    { case: 'content type', obj: record({ contentType: 'text/markdown; charset=utf-8' }) },
    {
      case: 'every header and user metadata',
      obj: record({
        contentType: 'application/json',
        contentEncoding: 'gzip',
        cacheControl: 'max-age=60',
        contentDisposition: 'attachment; filename="a.json"',
        contentLanguage: 'en',
        metadata: { author: 'ops', 'source-sha': 'abc123' },
      }),
    },
  ])('round-trips an object with $case', ({ obj }) => {
    // Act
    const decoded = decodeObject(encodeObject(obj));

    // Assert
    expect(decoded.key).toBe(obj.key);
    expect(decoded.body.equals(obj.body)).toBe(true);
    expect(decoded.contentType).toBe(obj.contentType);
    expect(decoded.contentEncoding).toBe(obj.contentEncoding);
    expect(decoded.cacheControl).toBe(obj.cacheControl);
    expect(decoded.contentDisposition).toBe(obj.contentDisposition);
    expect(decoded.contentLanguage).toBe(obj.contentLanguage);
    expect(decoded.metadata).toEqual(obj.metadata);
  });

  it('gives the same bytes whatever the order of the user metadata', () => {
    // Arrange
    const one = record({ contentType: 'text/plain', metadata: { zeta: '1', alpha: '2', mid: '3' } });
    const other = record({ contentType: 'text/plain', metadata: { mid: '3', zeta: '1', alpha: '2' } });

    // Act
    const a = encodeObject(one);
    const b = encodeObject(other);

    // Assert
    expect(b.equals(a)).toBe(true);
  });

  it.each<{ case: string; change: Partial<ObjectRecord> }>([
    { case: 'a metadata value', change: { metadata: { author: 'someone-else' } } },
    { case: 'an extra metadata entry', change: { metadata: { author: 'ops', extra: 'x' } } },
    { case: 'the content type', change: { contentType: 'text/html' } },
    { case: 'the key', change: { key: 'docs/other.md' } },
    { case: 'the body', change: { body: Buffer.from('# Guide!\n') } },
  ])('gives different bytes for the same object with another $case', ({ change }) => {
    // Arrange
    const base = record({ contentType: 'text/markdown', metadata: { author: 'ops' } });

    // Act
    const a = encodeObject(base);
    const b = encodeObject({ ...base, ...change });

    // Assert
    expect(b.equals(a)).toBe(false);
  });

  it('keeps a body that itself looks like a header', () => {
    // Arrange
    const body = encodeObject(record({ key: 'inner' }));

    // Act
    const decoded = decodeObject(encodeObject(record({ body })));

    // Assert
    expect(decoded.key).toBe('docs/guide.md');
    expect(decoded.body.equals(body)).toBe(true);
  });

  it.each([
    { case: 'shorter than the length prefix', bytes: Buffer.from([0, 0, 1]) },
    { case: 'whose header overruns the record', bytes: Buffer.concat([Buffer.from([0, 0, 0, 50]), Buffer.from('{"k":"a","m":{}}')]) },
  ])('refuses a record $case with an IntegrityError', ({ bytes }) => {
    expect(() => decodeObject(bytes)).toThrow(IntegrityError);
  });
});

describe('objectRecordKey', () => {
  it('is the UTF-8 bytes of the relative key', () => {
    expect(objectRecordKey('a/é.txt').equals(Buffer.from('a/é.txt', 'utf8'))).toBe(true);
  });
});

describe('metadata names', () => {
  it('encodes the same bytes whatever the case and order of metadata names', () => {
    const base = { key: 'k', body: Buffer.from('b') };
    expect(encodeObject({ ...base, metadata: { B: '1', a: '2' } })).toEqual(encodeObject({ ...base, metadata: { a: '2', b: '1' } }));
  });
});
