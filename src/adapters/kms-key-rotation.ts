/**
 * Automatic rotation of the vault's KMS key. KMS keeps every earlier key version, so data keys
 * wrapped before a rotation still decrypt; rotation only limits how much is wrapped under one
 * version. The CDK stack turns it on; these functions let a health check see that it stays on
 * and put it back when someone turned it off.
 *
 * The result is health-style data, not an error: `unknown` (with the reason) when KMS does not
 * answer or the key cannot rotate (asymmetric, imported material, custom key store, disabled).
 */
import { EnableKeyRotationCommand, GetKeyRotationStatusCommand, type KMSClient } from '@aws-sdk/client-kms';

export type KeyRotationStatus = 'enabled' | 'disabled' | 'unknown';

export interface KeyRotationHealth {
  /** The check's name, as in the health report's checks. */
  readonly name: 'kms-key-rotation';
  readonly keyId: string;
  readonly status: KeyRotationStatus;
  /** True only when rotation is known to be on. */
  readonly ok: boolean;
  /** One line for a person: the period and next rotation, or why it is off or unknown. */
  readonly detail: string;
  readonly rotationPeriodInDays?: number;
  readonly nextRotationDate?: string;
}

function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string } | undefined;
  const name = e?.name ?? 'Error';
  return e?.message ? `${name}: ${e.message}` : name;
}

/** Reads GetKeyRotationStatus for the vault key. Never throws: a failure is `unknown` with its reason. */
export async function keyRotationStatus(kms: KMSClient, keyId: string): Promise<KeyRotationHealth> {
  const base = { name: 'kms-key-rotation', keyId } as const;
  let out;
  try {
    out = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
  } catch (err) {
    return { ...base, status: 'unknown', ok: false, detail: `rotation status of ${keyId} unknown: ${describeError(err)}` };
  }
  if (out.KeyRotationEnabled === true) {
    const period = out.RotationPeriodInDays;
    const next = out.NextRotationDate?.toISOString();
    const when = [period !== undefined ? `every ${String(period)} days` : '', next ? `next ${next}` : ''].filter((s) => s !== '');
    return {
      ...base,
      status: 'enabled',
      ok: true,
      detail: `automatic rotation of ${keyId} is on${when.length > 0 ? ` (${when.join(', ')})` : ''}`,
      ...(period !== undefined ? { rotationPeriodInDays: period } : {}),
      ...(next ? { nextRotationDate: next } : {}),
    };
  }
  if (out.KeyRotationEnabled === false) {
    return { ...base, status: 'disabled', ok: false, detail: `automatic rotation of ${keyId} is off: enable it (the stack does; ensureKeyRotation puts it back)` };
  }
  return { ...base, status: 'unknown', ok: false, detail: `rotation status of ${keyId} unknown: KMS did not say whether rotation is enabled` };
}

/**
 * Makes sure the vault key rotates: reads the status and calls EnableKeyRotation when it is
 * disabled. `changed` says whether rotation was turned on now. Unknown stays unknown (enabling a
 * key whose status cannot be read would fail the same way, or is not possible for that key);
 * a refused EnableKeyRotation leaves the status `disabled` with the refusal as the reason.
 */
export async function ensureKeyRotation(kms: KMSClient, keyId: string): Promise<KeyRotationHealth & { readonly changed: boolean }> {
  const before = await keyRotationStatus(kms, keyId);
  if (before.status !== 'disabled') return { ...before, changed: false };
  try {
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
  } catch (err) {
    return { ...before, detail: `automatic rotation of ${keyId} is off and could not be enabled: ${describeError(err)}`, changed: false };
  }
  const after = await keyRotationStatus(kms, keyId);
  // KMS applies EnableKeyRotation at once; a read that still says otherwise is reported as read.
  return { ...after, changed: after.status === 'enabled' };
}
