/**
 * Canonical form of an object-store object as a snapshot record: a header with the key (relative
 * to the source prefix, so a point can be restored under another prefix) and the metadata that
 * matter to readers, then the body bytes. Two objects with the same body but different metadata
 * are different records.
 */
import { IntegrityError } from './errors.js';

export interface ObjectRecord {
  /** Key relative to the source prefix. */
  readonly key: string;
  readonly body: Buffer;
  readonly contentType?: string | undefined;
  readonly contentEncoding?: string | undefined;
  readonly cacheControl?: string | undefined;
  readonly contentDisposition?: string | undefined;
  readonly contentLanguage?: string | undefined;
  /** User metadata (x-amz-meta-*), names lower-case. */
  readonly metadata: Readonly<Record<string, string>>;
}

interface Header {
  k: string;
  t?: string;
  e?: string;
  c?: string;
  d?: string;
  l?: string;
  m: Record<string, string>;
}

export function encodeObject(obj: ObjectRecord): Buffer {
  // S3 metadata names are case-insensitive: lower-case first, then sort.
  const entries = Object.entries(obj.metadata).map(([name, value]) => [name.toLowerCase(), value] as const);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const metadata = Object.create(null) as Record<string, string>;
  for (const [name, value] of entries) metadata[name] = value;
  const header: Header = { k: obj.key, m: metadata };
  if (obj.contentType) header.t = obj.contentType;
  if (obj.contentEncoding) header.e = obj.contentEncoding;
  if (obj.cacheControl) header.c = obj.cacheControl;
  if (obj.contentDisposition) header.d = obj.contentDisposition;
  if (obj.contentLanguage) header.l = obj.contentLanguage;
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.allocUnsafe(4 + headerBytes.length + obj.body.length);
  out.writeUInt32BE(headerBytes.length, 0);
  headerBytes.copy(out, 4);
  obj.body.copy(out, 4 + headerBytes.length);
  return out;
}

export function decodeObject(bytes: Buffer): ObjectRecord {
  if (bytes.length < 4) throw new IntegrityError('object record too short');
  const headerLength = bytes.readUInt32BE(0);
  if (4 + headerLength > bytes.length) throw new IntegrityError('object record header overruns the record');
  const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as Header;
  return {
    key: header.k,
    body: bytes.subarray(4 + headerLength),
    contentType: header.t,
    contentEncoding: header.e,
    cacheControl: header.c,
    contentDisposition: header.d,
    contentLanguage: header.l,
    metadata: header.m,
  };
}

/** The record key of an object: its key relative to the source prefix, as bytes. */
export function objectRecordKey(relativeKey: string): Buffer {
  return Buffer.from(relativeKey, 'utf8');
}
