/**
 * The snapshot summary: everything needed to read a snapshot and to rebuild the catalog from the
 * object store alone. It is a signed JSON document (see signed-json.ts) under a key derived from
 * the snapshot's data key, so an edited count, digest or chunk list is detected.
 */
import { z } from 'zod';
import type { KeyRing } from '../sealed-object.js';
import { openSignedJson, signJson } from './signed-json.js';

export const FORMAT_VERSION = 1;

export const sourceDescriptorSchema = z.looseObject({
  type: z.enum(['dynamodb', 's3', 'file']),
  name: z.string(),
});
export type SourceDescriptor = z.infer<typeof sourceDescriptorSchema>;

export const snapshotPurposeSchema = z.enum(['recovery-point', 'component', 'safety']);
export type SnapshotPurpose = z.infer<typeof snapshotPurposeSchema>;

export const streamSummarySchema = z.object({
  source: sourceDescriptorSchema,
  itemCount: z.number().int().min(0),
  contentDigest: z.string(),
  logicalBytes: z.number().int().min(0),
  manifestChunks: z.array(z.string()),
});
export type StreamSummary = z.infer<typeof streamSummarySchema>;

export const snapshotSummarySchema = z.object({
  formatVersion: z.literal(FORMAT_VERSION),
  snapshotId: z.string(),
  component: z.string(),
  purpose: snapshotPurposeSchema,
  type: z.enum(['full', 'incremental']),
  recoveryPointId: z.string().nullable(),
  createdAt: z.string(),
  parentSnapshotId: z.string().nullable(),
  key: z.object({
    wrapped: z.string(),
    keyId: z.string(),
    context: z.object({ backupId: z.string(), component: z.string() }),
  }),
  streams: z.array(streamSummarySchema),
  /** Every pack the snapshot references (its own and its parents'). */
  packs: z.array(z.string()),
  /** Packs written by this snapshot. */
  newPacks: z.array(z.string()),
  /** Manifest chunks written by this snapshot. */
  newManifestChunks: z.array(z.string()),
  itemCount: z.number().int().min(0),
  contentDigest: z.string(),
  logicalBytes: z.number().int().min(0),
  /** Bytes this snapshot added to the vault (packs, indexes, manifest chunks, summary excluded). */
  storedBytes: z.number().int().min(0),
  /** Free-form labels (demo history, rollback id of a safety snapshot). */
  labels: z.record(z.string(), z.string()).default({}),
});
export type SnapshotSummary = z.infer<typeof snapshotSummarySchema>;

/** Serializes and authenticates a summary. */
export function sealSummary(summary: SnapshotSummary, dataKey: Buffer): Buffer {
  return signJson(summary, dataKey);
}

/** Parses a stored summary and checks its MAC; tampering is an IntegrityError naming the key. */
export function openSummary(bytes: Buffer, storeKey: string, ring: KeyRing): Promise<SnapshotSummary> {
  return openSignedJson(bytes, storeKey, ring, (value) => snapshotSummarySchema.parse(value));
}
