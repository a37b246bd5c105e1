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
import { hashPassword, totpCode } from '../../src/core/credentials.js';
import { AuthenticationError } from '../../src/core/errors.js';
import { ManualClock } from '../../src/core/ports.js';
import { startLocalTestEnv, TEST_ADMIN, type LocalTestEnv } from '../support/local-env.js';

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
    const { token, session } = await sessions.signIn(credentials());
    expect(session).toMatchObject({ username: 'admin', level: 'admin' });
    expect(session.expiresAt.getTime() - session.issuedAt.getTime()).toBe(DEFAULT_SESSION_SECONDS * 1000);
    expect(await sessions.verify(token, 'admin')).toEqual(session);
    clock.advance(DEFAULT_SESSION_SECONDS * 1000 + 1000);
    expect(await refusal(sessions.verify(token))).toContain('expired');
  });

  it('refuses a wrong password, a wrong code and a replayed code', async () => {
    const good = credentials();
    expect(await refusal(sessions.signIn({ ...good, password: 'wrong password here' }))).toContain('authentication refused');
    expect(await refusal(sessions.signIn({ ...good, totp: '000000' }))).toContain('authentication refused');
    await sessions.signIn(good);
    expect(await refusal(sessions.signIn(good))).toContain('already used');
  });

  it('signs with the state folder\'s session key (0600), the same key for every process', async () => {
    expect((await stat(sessionKeyPath(env.runtime))).mode & 0o777).toBe(0o600);
    const { token, session } = await sessions.signIn(credentials());
    const another = await localAdminSessions(env.runtime);
    expect((await another.verify(token)).sessionId).toBe(session.sessionId);
  });

  it('refuses a token signed with another key, an altered one and garbage', async () => {
    const { token } = await sessions.signIn(credentials());
    const other = new AdminSessions({ admins: env.runtime.admins, clock, key: randomBytes(32), revocations: new DynamoSessionRevocations(env.runtime.systemTable) });
    expect(await refusal(other.verify(token))).toContain('not one this system signed');
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const altered = `${header ?? ''}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${signature ?? ''}`;
    expect(await refusal(sessions.verify(altered))).toContain('not one this system signed');
    expect(await refusal(sessions.verify('not-a-token'))).toContain('not one this system signed');
  });

  it('a revoked session is refused; others are not', async () => {
    const a = await sessions.signIn(credentials());
    const b = await sessions.signIn(credentials());
    await sessions.revoke(a.session);
    expect(await refusal(sessions.verify(a.token))).toContain('revoked');
    expect((await sessions.verify(b.token)).sessionId).toBe(b.session.sessionId);
  });

  it('checks the level and the administrator on every call: an operator cannot act as admin, a disabled one not at all', async () => {
    const operator = { username: 'ops', password: 'an operator passphrase', totpSecret: 'KRSXG5CTMVRXEZLU' };
    await env.runtime.admins.put({ username: operator.username, passwordHash: await hashPassword(operator.password), totpSecret: operator.totpSecret, level: 'operator', createdAt: clock.now().toISOString(), disabled: false, lastTotpStep: 0 });
    clock.advance(30_000);
    const { token } = await sessions.signIn({ username: operator.username, password: operator.password, totp: totpCode(operator.totpSecret, clock.now()) });
    expect((await sessions.verify(token, 'operator')).level).toBe('operator');
    expect(await refusal(sessions.verify(token, 'admin'))).toContain('authorization refused');
    const record = await env.runtime.admins.get(operator.username);
    if (!record) throw new Error('no operator');
    await env.runtime.admins.put({ ...record, disabled: true });
    expect(await refusal(sessions.verify(token))).toContain('disabled');
  });
});
