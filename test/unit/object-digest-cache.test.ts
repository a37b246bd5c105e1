/**
 * The digest cache of live S3 objects: a check lists the documents and re-reads only those whose
 * fingerprint (ETag, size, last modified) changed since they were last read; a changed object is
 * always read again, so the cache can never hide a wrong digest. The S3 client is mocked.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ObjectDigestCache } from '../../src/adapters/object-digest-cache.js';
import { S3Prefix, objectFingerprint } from '../../src/adapters/s3-prefix.js';
import { sha256Hex } from '../../src/core/digest.js';

const s3 = mockClient(S3Client);
const modified = new Date('2026-12-01T10:00:00Z');

/** The bucket as the mock serves it: key -> body and ETag. */
let objects: Map<string, { body: string; etag: string }>;
let gets: string[];

beforeEach(() => {
  s3.reset();
  gets = [];
  objects = new Map([
    ['docs/a.md', { body: 'alpha', etag: '"e-a"' }],
    ['docs/b.md', { body: 'beta', etag: '"e-b"' }],
  ]);
  s3.on(ListObjectsV2Command).callsFake(() => ({
    Contents: [...objects].map(([Key, o]) => ({ Key, ETag: o.etag, Size: o.body.length, LastModified: modified })),
    IsTruncated: false,
  }));
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    gets.push(input.Key);
    const o = objects.get(input.Key);
    if (!o) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    // What S3Prefix uses of a response body.
    const Body = { transformToByteArray: () => Promise.resolve(new Uint8Array(Buffer.from(o.body))) };
    return { Body: Body as never, ETag: o.etag, ContentLength: o.body.length, LastModified: modified, Metadata: {} };
  });
});

async function digests(prefix: S3Prefix): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const batch of prefix.scanDigests()) for (const d of batch) out[d.key] = d.digest;
  return out;
}

describe('S3Prefix.scanDigests with a digest cache', () => {
  it('reads every body once, then only the objects whose fingerprint changed', async () => {
    const prefix = new S3Prefix(new S3Client({ region: 'eu-west-1' }), 'bucket', 'docs/', 4, new ObjectDigestCache());
    expect(await digests(prefix)).toEqual({ 'a.md': sha256Hex(Buffer.from('alpha')), 'b.md': sha256Hex(Buffer.from('beta')) });
    expect(gets.sort()).toEqual(['docs/a.md', 'docs/b.md']);

    gets = [];
    await digests(prefix);
    expect(gets).toEqual([]);

    // A rewritten document has a new ETag: it is read again and its new digest reported.
    objects.set('docs/b.md', { body: 'BETA', etag: '"e-b2"' });
    gets = [];
    expect((await digests(prefix))['b.md']).toBe(sha256Hex(Buffer.from('BETA')));
    expect(gets).toEqual(['docs/b.md']);
  });

  it('without a cache every scan reads every body', async () => {
    const prefix = new S3Prefix(new S3Client({ region: 'eu-west-1' }), 'bucket', 'docs/');
    await digests(prefix);
    await digests(prefix);
    expect(gets).toHaveLength(4);
  });
});

describe('ObjectDigestCache', () => {
  const fp = (etag: string): Buffer => objectFingerprint(etag, 5, modified);

  it('answers only for the fingerprint it was given, and forgets the oldest entry beyond its size', () => {
    const cache = new ObjectDigestCache(2);
    cache.set('b', 'k1', fp('"1"'), 'd1');
    expect(cache.get('b', 'k1', fp('"1"'))).toBe('d1');
    expect(cache.get('b', 'k1', fp('"2"'))).toBeUndefined();
    expect(cache.get('other', 'k1', fp('"1"'))).toBeUndefined();
    cache.set('b', 'k2', fp('"1"'), 'd2');
    cache.set('b', 'k3', fp('"1"'), 'd3');
    expect(cache.size).toBe(2);
    expect(cache.get('b', 'k1', fp('"1"'))).toBeUndefined();
    expect(cache.get('b', 'k3', fp('"1"'))).toBe('d3');
  });
});

describe('S3Prefix.scanRecordDigests (verification after a restore)', () => {
  async function recordDigests(prefix: S3Prefix): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for await (const batch of prefix.scanRecordDigests()) for (const d of batch) out[d.key.toString('utf8')] = d.digest.toString('hex');
    return out;
  }

  async function scannedRecordDigests(prefix: S3Prefix): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for await (const batch of prefix.scan()) for (const r of batch) out[r.key.toString('utf8')] = sha256Hex(r.body);
    return out;
  }

  it('gives the digests of the records a full read makes, reading again only what changed since', async () => {
    const prefix = new S3Prefix(new S3Client({ region: 'eu-west-1' }), 'bucket', 'docs/', 4, new ObjectDigestCache());
    const expected = await scannedRecordDigests(prefix);
    expect(gets.sort()).toEqual(['docs/a.md', 'docs/b.md']);
    gets = [];
    expect(await recordDigests(prefix)).toEqual(expected);
    expect(gets).toEqual([]);

    // Rewritten (by a restore, say): a new ETag, so it is read back and its new digest counted.
    objects.set('docs/b.md', { body: 'beta, restored', etag: '"e-b2"' });
    const after = await recordDigests(prefix);
    expect(gets).toEqual(['docs/b.md']);
    expect(after['a.md']).toBe(expected['a.md']);
    expect(after['b.md']).not.toBe(expected['b.md']);
    gets = [];
    expect(after).toEqual(await scannedRecordDigests(prefix));
  });

  it('reads every object without a cache', async () => {
    const prefix = new S3Prefix(new S3Client({ region: 'eu-west-1' }), 'bucket', 'docs/', 4);
    await recordDigests(prefix);
    await recordDigests(prefix);
    expect(gets).toHaveLength(4);
  });
});
