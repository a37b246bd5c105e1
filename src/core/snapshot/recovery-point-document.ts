/**
 * The vault's copy of a recovery point's catalog record, signed like a summary, so that the
 * catalog can be rebuilt from the vault alone and any change to the stored copy is detected.
 * It is rewritten whenever the catalog record changes (verification, drills).
 */
import { z } from 'zod';
import { recoveryPointStatuses, type RecoveryPointRecord } from '../catalog.js';
import type { KeyRing } from '../sealed-object.js';
import { openSignedJson, signJson, type SigningKeyRef } from './signed-json.js';

const documentSchema = z.looseObject({
  recoveryPointId: z.string(),
  createdAt: z.string(),
  status: z.enum(recoveryPointStatuses),
  snapshots: z.array(z.looseObject({ component: z.string(), snapshotId: z.string(), items: z.number(), bytes: z.number() })),
  key: z.object({ wrapped: z.string(), keyId: z.string(), context: z.object({ backupId: z.string(), component: z.string() }) }),
});

export type RecoveryPointDocument = RecoveryPointRecord & { readonly key: SigningKeyRef };

/** Key context of a recovery point's signing key. */
export function recoveryPointKeyContext(recoveryPointId: string): { backupId: string; component: string } {
  return { backupId: recoveryPointId, component: 'recovery-point' };
}

export function signRecoveryPoint(doc: RecoveryPointDocument, dataKey: Buffer): Buffer {
  return signJson(doc, dataKey);
}

export function openRecoveryPoint(bytes: Buffer, storeKey: string, ring: KeyRing): Promise<RecoveryPointDocument> {
  return openSignedJson(bytes, storeKey, ring, (value) => documentSchema.parse(value) as unknown as RecoveryPointDocument);
}
