/**
 * Canonical form of a DynamoDB item, so that one item always has one digest. Values stay typed:
 * numbers keep their exact decimal string (no float rounding), binary is base64, sets are sorted
 * (DynamoDB does not order them), NULL and BOOL are kept, maps have sorted attribute names. The
 * canonical bytes are what a pack stores; `decodeItem` turns them back into an item to write.
 *
 * The type here is structural so that `src/core` does not import the AWS SDK; it is compatible with
 * the SDK's `AttributeValue`.
 */
import { ValidationError } from './errors.js';

export type TypedValue =
  | { S: string }
  | { N: string }
  | { B: Uint8Array }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: Uint8Array[] }
  | { M: Record<string, TypedValue> }
  | { L: TypedValue[] }
  | { NULL: true }
  | { BOOL: boolean };

export type TypedItem = Record<string, TypedValue>;

/** A JSON-ready canonical value: binary as base64, sets sorted, maps with sorted keys. */
type CanonicalValue = Record<string, unknown>;

function canonicalValue(value: unknown): CanonicalValue {
  const v = value as Record<string, unknown>;
  if (typeof v.S === 'string') return { S: v.S };
  if (typeof v.N === 'string') return { N: v.N };
  if (v.B instanceof Uint8Array) return { B: Buffer.from(v.B).toString('base64') };
  if (Array.isArray(v.SS)) return { SS: [...(v.SS as string[])].sort() };
  if (Array.isArray(v.NS)) return { NS: [...(v.NS as string[])].sort(compareNumberStrings) };
  if (Array.isArray(v.BS)) {
    return { BS: (v.BS as Uint8Array[]).map((b) => Buffer.from(b).toString('base64')).sort() };
  }
  if (v.M !== undefined && typeof v.M === 'object' && v.M !== null) return { M: canonicalMap(v.M as Record<string, unknown>) };
  if (Array.isArray(v.L)) return { L: (v.L as unknown[]).map(canonicalValue) };
  if (v.NULL === true) return { NULL: true };
  if (typeof v.BOOL === 'boolean') return { BOOL: v.BOOL };
  throw new ValidationError(`unsupported DynamoDB value ${JSON.stringify(Object.keys(v))}`);
}

/** A map without a prototype, so an attribute named `__proto__` is kept like any other. */
function emptyMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function canonicalMap(map: Record<string, unknown>): Record<string, CanonicalValue> {
  const out = emptyMap<CanonicalValue>();
  for (const name of Object.keys(map).sort()) out[name] = canonicalValue(map[name]);
  return out;
}

function compareNumberStrings(a: string, b: string): number {
  const d = Number(a) - Number(b);
  if (d !== 0 && !Number.isNaN(d)) return d;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Canonical bytes of an item. */
export function encodeItem(item: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify(canonicalMap(item)), 'utf8');
}

/** Canonical bytes of one attribute value (what a sanitization rule's `hash` digests). */
export function encodeValue(value: TypedValue): Buffer {
  return Buffer.from(JSON.stringify(canonicalValue(value)), 'utf8');
}

/** Canonical bytes of the key attributes of an item, in key-schema order. */
export function encodeItemKey(item: Record<string, unknown>, keyNames: readonly string[]): Buffer {
  const key = emptyMap<CanonicalValue>();
  for (const name of keyNames) {
    const v = item[name];
    if (v === undefined) throw new ValidationError(`item lacks key attribute "${name}"`);
    key[name] = canonicalValue(v);
  }
  return Buffer.from(JSON.stringify(key), 'utf8');
}

function decodeValue(value: CanonicalValue): TypedValue {
  if (typeof value.S === 'string') return { S: value.S };
  if (typeof value.N === 'string') return { N: value.N };
  if (typeof value.B === 'string') return { B: Buffer.from(value.B, 'base64') };
  if (Array.isArray(value.SS)) return { SS: value.SS as string[] };
  if (Array.isArray(value.NS)) return { NS: value.NS as string[] };
  if (Array.isArray(value.BS)) return { BS: (value.BS as string[]).map((b) => Buffer.from(b, 'base64')) };
  if (value.M !== undefined) return { M: decodeMap(value.M as Record<string, CanonicalValue>) };
  if (Array.isArray(value.L)) return { L: (value.L as CanonicalValue[]).map(decodeValue) };
  if (value.NULL === true) return { NULL: true };
  if (typeof value.BOOL === 'boolean') return { BOOL: value.BOOL };
  throw new ValidationError('corrupt canonical value');
}

function decodeMap(map: Record<string, CanonicalValue>): TypedItem {
  const out = emptyMap<TypedValue>();
  for (const [name, v] of Object.entries(map)) out[name] = decodeValue(v);
  return out;
}

/** The item back from its canonical bytes. */
export function decodeItem(bytes: Uint8Array): TypedItem {
  return decodeMap(JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, CanonicalValue>);
}

/** The key attributes of an item back from canonical key bytes. */
export function decodeItemKey(bytes: Uint8Array): TypedItem {
  return decodeItem(bytes);
}
