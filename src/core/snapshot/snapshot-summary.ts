/**
 * The snapshot summary: everything needed to read a snapshot and to rebuild the catalog from the
 * object store alone. It is stored as its JSON body, a newline and an HMAC-SHA256 of the body's
 * exact bytes under a key derived from the snapshot's data key (which only the KeyService can
 * unwrap), so an edited count, digest or chunk list is detected.
 */
import { z } from 'zod';
import { IntegrityError } from '../errors.js';
import { hmacHex, summaryMacKey, type KeyRing } from '../sealed-object.js';

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
  const body = JSON.stringify(summary);
  return Buffer.from(`${body}\n${hmacHex(summaryMacKey(dataKey), body)}\n`, 'utf8');
}

/** Parses a stored summary and checks its MAC; tampering is an IntegrityError naming the key. */
export async function openSummary(bytes: Buffer, storeKey: string, ring: KeyRing): Promise<SnapshotSummary> {
  const fail = (why: string, cause?: unknown): IntegrityError =>
    new IntegrityError(`damaged object ${storeKey}: ${why}`, storeKey, { cause });
  const text = bytes.toString('utf8');
  const newline = text.indexOf('\n');
  if (newline < 0) throw fail('summary without signature');
  const body = text.slice(0, newline);
  const mac = text.slice(newline + 1).trim();
  let parsed: SnapshotSummary;
  try {
    parsed = snapshotSummarySchema.parse(JSON.parse(body));
  } catch (err) {
    throw fail('unreadable summary', err);
  }
  let dataKey: Buffer;
  try {
    dataKey = await ring.unwrap(Buffer.from(parsed.key.wrapped, 'base64'), parsed.key.context);
  } catch (err) {
    throw fail('its data key does not unwrap', err);
  }
  if (hmacHex(summaryMacKey(dataKey), body) !== mac) throw fail('signature mismatch');
  return parsed;
}
