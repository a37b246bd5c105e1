/**
 * Administrator credentials: a scrypt password hash and a TOTP secret (RFC 6238, 30-second steps,
 * ±1 step of clock drift). A code is single-use: it is accepted only when its step is later than
 * the last step accepted for that user, and a step counts as accepted only when password and code
 * both pass — so a wrong password never burns a code, and a code seen on the wire cannot be
 * replayed. Time comes from the injectable clock, so tests move time instead of waiting.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { authenticator } from 'otplib';
import { AuthenticationError, AuthorizationError, ValidationError } from './errors.js';
import type { Clock } from './ports.js';

export const TOTP_STEP_SECONDS = 30;

export type AdminLevel = 'admin' | 'operator' | 'viewer';

export interface AdminRecord {
  readonly username: string;
  readonly passwordHash: string;
  readonly totpSecret: string;
  readonly level: AdminLevel;
  readonly createdAt: string;
  readonly disabled: boolean;
  /** Last TOTP step accepted for this user; codes of this step or earlier are replays. */
  readonly lastTotpStep: number;
  /** Sessions issued before this time are refused (set by a break-glass reset). */
  readonly sessionsNotBefore?: string;
  /** Set by a break-glass reset, for the record. */
  readonly resetAt?: string;
}

/** Persistence of administrators; `acceptTotpStep` must be atomic (a conditional write). */
export interface AdminStore {
  get(username: string): Promise<AdminRecord | undefined>;
  put(admin: AdminRecord): Promise<void>;
  /** Records `step` as accepted if it is later than the stored one; false if it is not (a replay). */
  acceptTotpStep(username: string, step: number): Promise<boolean>;
  list(): Promise<AdminRecord[]>;
}

const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32 } as const;

function scrypt(password: string, salt: Buffer, options: ScryptOptions, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, keyLength, options, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** `scrypt$N$r$p$salt$hash`, base64 parts. */
export async function hashPassword(password: string): Promise<string> {
  if (password.length < 12) throw new ValidationError('a password has at least 12 characters');
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 }, SCRYPT.keyLength);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 }, expected.length);
  return timingSafeEqual(key, expected);
}

export function generateTotpSecret(): string {
  return authenticator.generateSecret(20);
}

/** The current code for a secret (for tests and the bootstrap message). */
export function totpCode(secret: string, at: Date): string {
  return authenticator.clone({ epoch: at.getTime() }).generate(secret);
}

/** The step a code belongs to, within ±1 step of `at`, or undefined when it matches none. */
export function totpStepOf(code: string, secret: string, at: Date): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = authenticator.clone({ epoch: at.getTime(), window: 1 }).checkDelta(code, secret);
  if (delta === null) return undefined;
  return Math.floor(at.getTime() / 1000 / TOTP_STEP_SECONDS) + delta;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
  readonly totp: string;
}

/**
 * Checks password and TOTP for a † operation. The refusal message does not say which of the two
 * failed, so it cannot be used to guess passwords.
 */
export class CredentialCheck {
  constructor(
    private readonly admins: AdminStore,
    private readonly clock: Clock,
  ) {}

  async verify(credentials: Credentials, requiredLevel: AdminLevel = 'admin'): Promise<AdminRecord> {
    const admin = await this.verifyCredentials(credentials);
    assertLevel(admin, requiredLevel);
    return admin;
  }

  /**
   * Password and single-use code, without the level: a caller who counts failed sign-ins counts
   * these refusals, not a level refusal after the code was accepted.
   */
  async verifyCredentials(credentials: Credentials): Promise<AdminRecord> {
    const refused = (why: string): AuthenticationError => new AuthenticationError(CREDENTIALS_REFUSED, why);
    const admin = await this.admins.get(credentials.username);
    if (!admin || admin.disabled) {
      // Spend the same time as a real check so the answer does not reveal which usernames exist.
      await hashPassword('timing-equaliser-password').catch(() => undefined);
      throw refused(admin ? 'the administrator is disabled' : 'no such administrator');
    }
    const passwordOk = await verifyPassword(credentials.password, admin.passwordHash);
    const step = totpStepOf(credentials.totp, admin.totpSecret, this.clock.now());
    if (!passwordOk) throw refused(step === undefined ? 'wrong password and authentication code' : 'wrong password');
    if (step === undefined) throw refused('wrong authentication code');
    // The same answer as a wrong code: a distinct one would confirm the password to someone who
    // replays a code seen on the wire while guessing passwords.
    if (!(await this.admins.acceptTotpStep(admin.username, step))) throw refused('authentication code replayed');
    return admin;
  }

  /**
   * The password again, for a † operation inside a signed-in session (CONTRACT.md: a second
   * confirmation inside one session asks for the password only; the TOTP code was used at sign-in).
   */
  async confirmPassword(username: string, password: string, requiredLevel: AdminLevel = 'admin'): Promise<AdminRecord> {
    const admin = await this.admins.get(username);
    if (!admin || admin.disabled || !(await verifyPassword(password, admin.passwordHash))) {
      throw new AuthenticationError('confirmation refused: wrong password', admin?.disabled ? 'the administrator is disabled' : undefined);
    }
    assertLevel(admin, requiredLevel);
    return admin;
  }
}

/** The one refusal message of a sign-in: it never says which factor failed. */
export const CREDENTIALS_REFUSED = 'authentication refused: wrong username, password or authentication code (a code works only once: if you just used it, wait for the next one)';

export function assertLevel(admin: AdminRecord, requiredLevel: AdminLevel): void {
  if (!levelAllows(admin.level, requiredLevel)) {
    throw new AuthorizationError(`authorization refused: ${admin.username} is ${admin.level}, this needs ${requiredLevel}`);
  }
}

const RANK: Record<AdminLevel, number> = { viewer: 0, operator: 1, admin: 2 };

export function levelAllows(has: AdminLevel, needs: AdminLevel): boolean {
  return RANK[has] >= RANK[needs];
}
