/**
 * Admin API sessions (issue 4): sign in with password + single-use TOTP, receive a short-lived
 * signed token (a JWT, HS256, jose), checked on every call. A token names its session (`jti`), so
 * it can be revoked before it expires; a revoked, expired, forged or altered token is refused
 * with an AuthenticationError (exit 3 / HTTP 401). The signing key comes from a key file locally
 * and from Secrets Manager or KMS on AWS; the clock is injectable.
 */
import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { AccessGate } from './access-gate.js';
import { assertLevel, type AdminLevel, type AdminStore, type Credentials } from './credentials.js';
import type { RequestOrigin } from './network-policy.js';
import { AuthenticationError, ValidationError } from './errors.js';
import type { Clock } from './ports.js';

export const SESSION_ISSUER = 'wing-rollback';
export const DEFAULT_SESSION_SECONDS = 15 * 60;

export interface Session {
  readonly sessionId: string;
  readonly username: string;
  readonly level: AdminLevel;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

/** Port: revoked session ids, kept until the token would have expired anyway. */
export interface SessionRevocations {
  revoke(sessionId: string, until: Date): Promise<void>;
  isRevoked(sessionId: string): Promise<boolean>;
}

export interface AdminSessionsDeps {
  readonly admins: AdminStore;
  /** Address, lockout, password and code: the same checks as every † operation. */
  readonly gate: AccessGate;
  readonly clock: Clock;
  /** At least 32 bytes of secret. */
  readonly key: Uint8Array;
  readonly revocations: SessionRevocations;
  readonly sessionSeconds?: number;
}

const LEVELS: readonly AdminLevel[] = ['viewer', 'operator', 'admin'];

export class AdminSessions {
  private readonly seconds: number;

  constructor(private readonly deps: AdminSessionsDeps) {
    if (deps.key.length < 32) throw new ValidationError('the session signing key must hold at least 32 bytes');
    this.seconds = deps.sessionSeconds ?? DEFAULT_SESSION_SECONDS;
  }

  /** Password and TOTP (the code is used once); any level may sign in, each call checks its own level. */
  async signIn(credentials: Credentials, origin: RequestOrigin): Promise<{ token: string; session: Session }> {
    const admin = await this.deps.gate.signIn(credentials, origin, 'viewer');
    const now = this.deps.clock.now();
    const issuedAt = Math.floor(now.getTime() / 1000);
    const session: Session = {
      sessionId: randomUUID(),
      username: admin.username,
      level: admin.level,
      issuedAt: new Date(issuedAt * 1000),
      expiresAt: new Date((issuedAt + this.seconds) * 1000),
    };
    const token = await new SignJWT({ level: admin.level })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(SESSION_ISSUER)
      .setSubject(admin.username)
      .setJti(session.sessionId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.seconds)
      .sign(this.deps.key);
    return { token, session };
  }

  /** The session a token stands for; refused (AuthenticationError) when expired, forged, altered or revoked. */
  async verify(token: string, requiredLevel: AdminLevel = 'viewer'): Promise<Session> {
    let payload: { sub?: string; jti?: string; iat?: number; exp?: number; level?: unknown };
    try {
      ({ payload } = await jwtVerify(token, this.deps.key, { issuer: SESSION_ISSUER, algorithms: ['HS256'], currentDate: this.deps.clock.now() }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AuthenticationError('session expired: sign in again');
      throw new AuthenticationError('session refused: the token is not one this system signed');
    }
    const level = LEVELS.find((l) => l === payload.level);
    if (!payload.sub || !payload.jti || payload.iat === undefined || payload.exp === undefined || !level) {
      throw new AuthenticationError('session refused: the token is incomplete');
    }
    if (await this.deps.revocations.isRevoked(payload.jti)) throw new AuthenticationError('session revoked: sign in again');
    // The administrator may have been disabled since the token was issued.
    const admin = await this.deps.admins.get(payload.sub);
    if (!admin || admin.disabled) throw new AuthenticationError('session refused: the administrator is disabled or gone');
    // A break-glass reset ends every session issued before it.
    if (admin.sessionsNotBefore !== undefined && payload.iat * 1000 < new Date(admin.sessionsNotBefore).getTime()) {
      throw new AuthenticationError('session refused: the administrator was reset since it began; sign in again');
    }
    assertLevel(admin, requiredLevel);
    return { sessionId: payload.jti, username: payload.sub, level: admin.level, issuedAt: new Date(payload.iat * 1000), expiresAt: new Date(payload.exp * 1000) };
  }

  /** Revokes a session (sign-out, or an administrator ending someone's session). */
  async revoke(session: Session): Promise<void> {
    await this.deps.revocations.revoke(session.sessionId, session.expiresAt);
  }
}
