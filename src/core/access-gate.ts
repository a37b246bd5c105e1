/**
 * The checks in front of every † operation, in the contract's order (CONTRACT.md, "Rollbacks"):
 * address allowlist (exit 3) → sign-in lockout (4) → password and TOTP (3) → rollback start
 * limit, counting authenticated starts only (4) → then the caller checks the mode (6), audits
 * and runs. One gate for the CLI, the admin API and the portal, so that no door is weaker than
 * another. The gate throws; the caller records the refusal in the audit trail.
 */
import { assertLevel, CredentialCheck, type AdminLevel, type AdminRecord, type AdminStore, type Credentials } from './credentials.js';
import { AuthenticationError, AuthorizationError, RateLimitedError } from './errors.js';
import { assertOriginAllowed, type RequestOrigin } from './network-policy.js';
import type { SecurityPolicy } from './plan.js';
import type { Clock } from './ports.js';
import { limitKeys, lockoutRemaining, recordFailure, recordSuccess, takeSlot, type LimitState, type LockoutPolicy, type RateLimitStore } from './rate-limits.js';

export interface AccessGateDeps {
  readonly security: SecurityPolicy;
  readonly admins: AdminStore;
  readonly limits: RateLimitStore;
  readonly clock: Clock;
  /** On AWS behind CloudFront: a request without a viewer country went around it. */
  readonly countryRequired?: boolean;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export class AccessGate {
  private readonly credentials: CredentialCheck;
  private readonly lockout: LockoutPolicy;

  constructor(private readonly deps: AccessGateDeps) {
    this.credentials = new CredentialCheck(deps.admins, deps.clock);
    this.lockout = {
      failures: deps.security.failedSignIns,
      windowMs: deps.security.failedSignInWindowMinutes * MINUTE_MS,
      lockoutMs: deps.security.lockoutMinutes * MINUTE_MS,
      maxLockoutMs: 24 * HOUR_MS,
    };
  }

  /** Address allowlist and countries (exit 3 / HTTP 403). */
  checkOrigin(origin: RequestOrigin): void {
    assertOriginAllowed(origin, this.deps.security, { countryRequired: this.deps.countryRequired ?? false });
  }

  /**
   * Origin, lockout, password and single-use code, then the level. A refused password or code
   * counts towards the lockout of this username from this address; a success clears it.
   */
  async signIn(credentials: Credentials, origin: RequestOrigin, requiredLevel: AdminLevel): Promise<AdminRecord> {
    this.checkOrigin(origin);
    const key = limitKeys.signIn(credentials.username, origin.address);
    const before = await this.assertNotLockedOut(key, credentials.username, origin);
    let admin: AdminRecord;
    try {
      admin = await this.credentials.verifyCredentials(credentials);
    } catch (err) {
      if (err instanceof AuthenticationError) throw await this.countFailure(key, err);
      throw err;
    }
    // Most sign-ins follow no failure: only a history is worth a write to forget.
    if (before.events.length > 0 || before.lockouts > 0) await this.deps.limits.update(key, () => recordSuccess(this.now()));
    assertLevel(admin, requiredLevel);
    return admin;
  }

  /** The password again inside a signed-in session: a wrong one counts like a failed sign-in. */
  async confirmPassword(username: string, password: string, origin: RequestOrigin, requiredLevel: AdminLevel): Promise<AdminRecord> {
    this.checkOrigin(origin);
    const key = limitKeys.signIn(username, origin.address);
    await this.assertNotLockedOut(key, username, origin);
    try {
      return await this.credentials.confirmPassword(username, password, requiredLevel);
    } catch (err) {
      // A wrong password counts; a level refusal (the password was right) does not.
      if (err instanceof AuthenticationError && !(err instanceof AuthorizationError)) throw await this.countFailure(key, err);
      throw err;
    }
  }

  /**
   * One rollback start for an authenticated administrator, per user and per source address
   * (undo and cleanup do not come here: they must stay possible after a bad rollback).
   */
  async takeRollbackStart(username: string, origin: RequestOrigin): Promise<void> {
    const limit = this.deps.security.rollbackStartsPerHour;
    const now = this.now();
    for (const [key, who] of [
      [limitKeys.rollbackStartsOfUser(username), username],
      [limitKeys.rollbackStartsOfAddress(origin.address), `address ${origin.address}`],
    ] as const) {
      const admission = await this.deps.limits.update(key, (state) => takeSlot(state, now, limit, HOUR_MS));
      if (!admission.allowed) {
        const seconds = Math.ceil(admission.retryAfterMs / 1000);
        throw new RateLimitedError(
          `rate limited: ${who} started ${String(limit)} rollback(s) within the last hour, the limit of the plan (security.rollbackStartsPerHour); the next start is possible in ${describeWait(seconds)}`,
          seconds,
        );
      }
    }
  }

  /** The key's state, read once for the lockout check and the caller. */
  private async assertNotLockedOut(key: string, username: string, origin: RequestOrigin): Promise<LimitState> {
    const state = await this.deps.limits.get(key);
    const remaining = lockoutRemaining(state, this.now());
    if (remaining > 0) {
      const seconds = Math.ceil(remaining / 1000);
      throw new RateLimitedError(
        `rate limited: too many failed sign-ins for ${username} from ${origin.address}; locked out for ${describeWait(seconds)} (a locked-out administrator can be reset with "npx wing auth:reset-admin")`,
        seconds,
      );
    }
    return state;
  }

  /** Counts a refusal; the attempt that starts a lockout is still refused as a wrong credential, and the audit says more. */
  private async countFailure(key: string, err: AuthenticationError): Promise<AuthenticationError> {
    const { lockedForMs } = await this.deps.limits.update(key, (state) => recordFailure(state, this.now(), this.lockout));
    if (lockedForMs === 0) return err;
    return new AuthenticationError(err.message, `${err.auditDetail ?? 'refused'}; locked out for ${describeWait(Math.ceil(lockedForMs / 1000))}`);
  }

  private now(): number {
    return this.deps.clock.now().getTime();
  }
}

function describeWait(seconds: number): string {
  if (seconds < 120) return `${String(seconds)} s`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 120 ? `${String(minutes)} min` : `${String(Math.round(minutes / 6) / 10)} h`;
}
