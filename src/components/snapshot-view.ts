/**
 * Read access to the data of a set of component snapshots (a recovery point), decoded: DynamoDB
 * items and S3 objects. The cross-component checks read through it, so they judge what was
 * actually stored, not what the live tables hold a moment later.
 */
import { decodeItem, type TypedItem } from '../core/canonical-item.js';
import { decodeObject } from '../core/canonical-object.js';
import { sha256Hex } from '../core/digest.js';
import type { ObjectDigest } from '../core/snapshot/record-stream.js';

export interface SnapshotView {
  /** The DynamoDB items of a component's table streams. */
  items(component: string): AsyncIterable<TypedItem>;
  /** The key and body digest of each object of a component's S3 streams (what the checks compare). */
  objectDigests(component: string): AsyncIterable<ObjectDigest>;
}

/** Records of one stream type, as the view needs them. */
export interface StreamRecordSource {
  records(component: string, type: 'dynamodb' | 's3'): AsyncIterable<Buffer>;
  /** Object digests without reading every body, where the source can (live S3 with a digest cache). */
  objectDigests?(component: string): AsyncIterable<ObjectDigest>;
}

/** The key and body digest of an object record (canonical bytes). */
export function objectDigestOf(record: Buffer): ObjectDigest {
  const object = decodeObject(record);
  return { key: object.key, digest: sha256Hex(object.body) };
}

export function snapshotView(source: StreamRecordSource): SnapshotView {
  return {
    async *items(component) {
      for await (const body of source.records(component, 'dynamodb')) yield decodeItem(body);
    },
    async *objectDigests(component) {
      if (source.objectDigests) {
        yield* source.objectDigests(component);
        return;
      }
      for await (const body of source.records(component, 's3')) yield objectDigestOf(body);
    },
  };
}

/** The string value of an attribute, if it is a string. */
export function stringAttr(item: TypedItem, name: string): string | undefined {
  const v = item[name];
  return v && 'S' in v ? v.S : undefined;
}

/** String values of a list, string set or single string attribute. */
export function stringsAttr(item: TypedItem, name: string): string[] {
  const v = item[name];
  if (!v) return [];
  if ('SS' in v) return v.SS;
  if ('S' in v) return [v.S];
  if ('L' in v) return v.L.flatMap((e) => ('S' in e ? [e.S] : []));
  return [];
}
