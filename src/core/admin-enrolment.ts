/**
 * Enrolling an administrator: the first one at `init`, and the break-glass `auth:reset-admin`
 * (CONTRACT.md: a reset needs operator access to the state folder locally, or IAM on AWS, and no
 * password: it is the way back in when every administrator is locked out or lost). Secrets not
 * given are generated; the caller shows generated ones once and never writes them anywhere.
 */
import { randomBytes } from 'node:crypto';
import { generateTotpSecret, hashPassword, type AdminLevel, type AdminRecord, type AdminStore } from './credentials.js';
import { ValidationError } from './errors.js';
import type { Clock } from './ports.js';
import { limitKeys, type RateLimitStore } from './rate-limits.js';

export interface EnrolmentRequest {
  readonly username: string;
  readonly level: AdminLevel;
  /** Given by the operator (WING_ADMIN_PASSWORD); generated when absent. */
  readonly password?: string | undefined;
  /** Base32 (WING_ADMIN_TOTP_SECRET); generated when absent. */
  readonly totpSecret?: string | undefined;
}

export interface Enrolment {
  readonly record: AdminRecord;
  /** Present only when generated: to be shown once. */
  readonly generatedPassword?: string;
  readonly generatedTotpSecret?: string;
}

export async function enrolAdministrator(request: EnrolmentRequest, now: Date): Promise<Enrolment> {
  if (!/^[a-zA-Z0-9._-]{1,64}$/.test(request.username)) throw new ValidationError('an administrator name holds 1 to 64 letters, digits, dots, dashes and underscores');
  const password = request.password ?? randomBytes(18).toString('base64url');
  const totpSecret = request.totpSecret ?? generateTotpSecret();
  if (!/^[A-Z2-7]{16,}=*$/.test(totpSecret)) throw new ValidationError('a TOTP secret is base32 (A-Z, 2-7), at least 16 characters');
  const record: AdminRecord = {
    username: request.username,
    passwordHash: await hashPassword(password),
    totpSecret,
    level: request.level,
    createdAt: now.toISOString(),
    disabled: false,
    lastTotpStep: 0,
  };
  return {
    record,
    ...(request.password === undefined ? { generatedPassword: password } : {}),
    ...(request.totpSecret === undefined ? { generatedTotpSecret: totpSecret } : {}),
  };
}

/**
 * Break-glass reset: new password and TOTP secret, enabled again, every session issued before
 * now refused, sign-in lockouts of that name cleared. An unknown name is created (the way back
 * when the last administrator is gone). Codes accepted before stay used: the replay guard keeps
 * its step.
 */
export async function resetAdministrator(deps: { admins: AdminStore; limits: RateLimitStore; clock: Clock }, request: EnrolmentRequest): Promise<Enrolment & { readonly created: boolean }> {
  const now = deps.clock.now();
  const existing = await deps.admins.get(request.username);
  const enrolment = await enrolAdministrator(request, now);
  const record: AdminRecord = {
    ...enrolment.record,
    createdAt: existing?.createdAt ?? enrolment.record.createdAt,
    lastTotpStep: existing?.lastTotpStep ?? 0,
    sessionsNotBefore: now.toISOString(),
    resetAt: now.toISOString(),
  };
  await deps.admins.put(record);
  await deps.limits.forget(limitKeys.signInPrefix(request.username));
  return { ...enrolment, record, created: existing === undefined };
}
