/**
 * Admin API sessions on DynamoDB Local: sign-in with password + single-use TOTP, a signed
 * short-lived token checked on every call, and each way a token is refused (wrong credentials,
 * a replayed code, expired, forged, altered, revoked, a disabled administrator, too low a level).
 */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSessionRevocations } from '../../src/adapters/dynamodb-session-revocations.js';
import { AdminSessions, DEFAULT_SESSION_SECONDS } from '../../src/core/admin-sessions.js';
import { localAdminSessions, sessionKeyPath } from '../../src/local/local-admin-sessions.js';
import { CREDENTIALS_REFUSED, hashPassword, totpCode } from '../../src/core/credentials.js';
import { AuthenticationError, RateLimitedError, refusalDetail } from '../../src/core/errors.js';
import { AccessGate } from '../../src/core/access-gate.js';
import { DynamoRateLimitStore } from '../../src/adapters/dynamodb-rate-limits.js';
import { ManualClock } from '../../src/core/ports.js';
import { startLocalTestEnv, TEST_ADMIN, type LocalTestEnv } from '../support/local-env.js';

const HERE = { address: '127.0.0.1' };

describe('admin sessions', () => {
  let env: LocalTestEnv;
  const clock = new ManualClock(new Date('2026-12-01T12:00:05Z'));
  let sessions: AdminSessions;

  beforeAll(async () => {
    env = await startLocalTestEnv({ demo: false, clock });
    sessions = await localAdminSessions(env.runtime);
  });
  afterAll(async () => {
    await env.dispose();
  });

  function credentials(): { username: string; password: string; totp: string } {
    clock.advance(30_000);
    return { username: TEST_ADMIN.WING_ADMIN_USERNAME, password: TEST_ADMIN.WING_ADMIN_PASSWORD, totp: totpCode(TEST_ADMIN.WING_ADMIN_TOTP_SECRET, clock.now()) };
  }

  async function refusal(p: Promise<unknown>): Promise<string> {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).exitCode).toBe(3);
    return (err as Error).message;
  }

  it('signs in with password and TOTP, and the token stands for the session until it expires', async () => {
    const { token, session } = await sessions.signIn(credentials(), HERE);
    expect(session).toMatchObject({ username: 'admin', level: 'admin' });
    expect(session.expiresAt.getTime() - session.issuedAt.getTime()).toBe(DEFAULT_SESSION_SECONDS * 1000);
    expect(await sessions.verify(token, 'admin')).toEqual(session);
    clock.advance(DEFAULT_SESSION_SECONDS * 1000 + 1000);
    expect(await refusal(sessions.verify(token))).toContain('expired');
  });

  it('refuses a wrong password, a wrong code and a replayed code with one message that does not say which', async () => {
    const good = credentials();
    expect(await refusal(sessions.signIn({ ...good, password: 'wrong password here' }, HERE))).toBe(CREDENTIALS_REFUSED);
    expect(await refusal(sessions.signIn({ ...good, totp: '000000' }, HERE))).toBe(CREDENTIALS_REFUSED);
    await sessions.signIn(good, HERE);
    const replay = await sessions.signIn(good, HERE).then(() => undefined, (e: unknown) => e);
    expect(replay).toBeInstanceOf(AuthenticationError);
    expect((replay as AuthenticationError).message).toBe(CREDENTIALS_REFUSED);
    // The audit trail, which only administrators read, says what it was.
    expect(refusalDetail(replay)).toContain('replayed');
  });

  it('locks a username out at one address after 5 failed sign-ins in 15 minutes, longer each time; other addresses are not affected', async () => {
    const there = { address: '198.51.100.7' };
    const wrong = (): { username: string; password: string; totp: string } => ({ ...credentials(), password: 'not the password at all' });
    for (let i = 0; i < 5; i++) expect(await refusal(sessions.signIn(wrong(), there))).toBe(CREDENTIALS_REFUSED);
    // The 6th attempt is refused before the password is looked at, even with the right one.
    const sixth = await sessions.signIn(credentials(), there).then(() => undefined, (e: unknown) => e);
    expect(sixth).toBeInstanceOf(RateLimitedError);
    expect((sixth as RateLimitedError).exitCode).toBe(4);
    expect((sixth as RateLimitedError).retryAfterSeconds).toBeGreaterThan(13 * 60);
    expect((sixth as RateLimitedError).retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    // The same administrator from the usual address is not locked out by someone else's attempts.
    await sessions.signIn(credentials(), HERE);
    clock.advance(15 * 60_000);
    for (let i = 0; i < 5; i++) await refusal(sessions.signIn(wrong(), there));
    const again = await sessions.signIn(credentials(), there).then(() => undefined, (e: unknown) => e);
    expect((again as RateLimitedError).retryAfterSeconds).toBeGreaterThan(28 * 60);
    clock.advance(31 * 60_000);
    // A success clears the history.
    await sessions.signIn(credentials(), there);
    for (let i = 0; i < 5; i++) await refusal(sessions.signIn(wrong(), there));
    expect(((await sessions.signIn(credentials(), there).then(() => undefined, (e: unknown) => e)) as RateLimitedError).retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    clock.advance(16 * 60_000);
  });

  it('signs with the state folder\'s session key (0600), the same key for every process', async () => {
    expect((await stat(sessionKeyPath(env.runtime))).mode & 0o777).toBe(0o600);
    const { token, session } = await sessions.signIn(credentials(), HERE);
    const another = await localAdminSessions(env.runtime);
    expect((await another.verify(token)).sessionId).toBe(session.sessionId);
  });

  it('refuses a token signed with another key, an altered one and garbage', async () => {
    const { token } = await sessions.signIn(credentials(), HERE);
    const other = new AdminSessions({ admins: env.runtime.admins, gate: env.runtime.services.gate, clock, key: randomBytes(32), revocations: new DynamoSessionRevocations(env.runtime.systemTable) });
    expect(await refusal(other.verify(token))).toContain('not one this system signed');
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const altered = `${header ?? ''}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${signature ?? ''}`;
    expect(await refusal(sessions.verify(altered))).toContain('not one this system signed');
    expect(await refusal(sessions.verify('not-a-token'))).toContain('not one this system signed');
  });

  it('a revoked session is refused; others are not', async () => {
    const a = await sessions.signIn(credentials(), HERE);
    const b = await sessions.signIn(credentials(), HERE);
    await sessions.revoke(a.session);
    expect(await refusal(sessions.verify(a.token))).toContain('revoked');
    expect((await sessions.verify(b.token)).sessionId).toBe(b.session.sessionId);
  });

  it('refuses a sign-in and every call from outside the allowlist', async () => {
    const gate = new AccessGate({ security: { ...env.runtime.plan.security, allowedCidrs: ['10.0.0.0/8', '127.0.0.1/32'] }, admins: env.runtime.admins, limits: new DynamoRateLimitStore(env.runtime.systemTable), clock });
    const restricted = new AdminSessions({ admins: env.runtime.admins, gate, clock, key: randomBytes(32), revocations: new DynamoSessionRevocations(env.runtime.systemTable) });
    expect(await refusal(restricted.signIn(credentials(), { address: '203.0.113.9' }))).toContain('outside the allowlist');
    expect((await restricted.signIn(credentials(), { address: '10.1.2.3' })).session.username).toBe('admin');
    expect((await restricted.signIn(credentials(), { address: '::ffff:127.0.0.1' })).session.username).toBe('admin');
  });

  it('checks the level and the administrator on every call: an operator cannot act as admin, a disabled one not at all', async () => {
    const operator = { username: 'ops', password: 'an operator passphrase', totpSecret: 'KRSXG5CTMVRXEZLU' };
    await env.runtime.admins.put({ username: operator.username, passwordHash: await hashPassword(operator.password), totpSecret: operator.totpSecret, level: 'operator', createdAt: clock.now().toISOString(), disabled: false, lastTotpStep: 0 });
    clock.advance(30_000);
    const { token } = await sessions.signIn({ username: operator.username, password: operator.password, totp: totpCode(operator.totpSecret, clock.now()) }, HERE);
    expect((await sessions.verify(token, 'operator')).level).toBe('operator');
    expect(await refusal(sessions.verify(token, 'admin'))).toContain('authorization refused');
    const record = await env.runtime.admins.get(operator.username);
    if (!record) throw new Error('no operator');
    await env.runtime.admins.put({ ...record, disabled: true });
    expect(await refusal(sessions.verify(token))).toContain('disabled');
  });
});
