/**
 * Issue 5's attacks on the admin API, in-process over the real emulators: each one is refused
 * with the contract's HTTP status, recorded in the audit trail as a refusal, and changes nothing
 * (the four components, the rollbacks, the recovery points, the system mode). The plan restricts
 * administrative operations to two address blocks and keeps the default limits (3 rollback
 * starts an hour; 5 failed sign-ins in 15 minutes). A manual clock moves time.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminApiDeps } from '../../src/api/admin-api.js';
import type { SessionResponse } from '../../src/api/api-schemas.js';
import { SESSION_ISSUER } from '../../src/core/admin-sessions.js';
import type { AuditRecord } from '../../src/core/audit-trail.js';
import { hashPassword, TOTP_STEP_SECONDS, totpCode } from '../../src/core/credentials.js';
import { defaultPlanInput, parsePlan } from '../../src/core/plan.js';
import { ManualClock } from '../../src/core/ports.js';
import { localAdminApiDeps } from '../../src/local/local-admin-api.js';
import { localRollbackOperations } from '../../src/local/local-rollback.js';
import { apiCaller, type ApiAnswer, type ApiCaller, type ApiRequest } from '../support/api-events.js';
import { startLocalTestEnv, tableState, TEST_ADMIN, type LocalTestEnv } from '../support/local-env.js';

interface User {
  readonly username: string;
  readonly password: string;
  readonly secret: string;
}

const ADMIN: User = { username: TEST_ADMIN.WING_ADMIN_USERNAME, password: TEST_ADMIN.WING_ADMIN_PASSWORD, secret: TEST_ADMIN.WING_ADMIN_TOTP_SECRET };
const OPERATOR: User = { username: 'ops', password: 'an operator passphrase 7', secret: 'KRSXG5CTMVRXEZLU' };
const INSIDE = '203.0.113.7';
const OUTSIDE = '198.51.100.9';
const TABLES = ['wing-vision-lake', 'wing-auth', 'wing-agents', 'wing-squadrons'];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('attacks on the admin API: refused, audited, changing nothing', () => {
  const clock = new ManualClock(new Date('2026-12-01T12:00:05Z'));
  let env: LocalTestEnv;
  let api: ApiCaller;

  beforeAll(async () => {
    const plan = parsePlan({ ...defaultPlanInput(), security: { allowedCidrs: ['127.0.0.0/8', '203.0.113.0/24'] } });
    env = await startLocalTestEnv({ scale: 0.01, clock, plan });
    const operations = localRollbackOperations(env.runtime);
    let deps: Promise<AdminApiDeps> | undefined;
    api = apiCaller(() => (deps ??= localAdminApiDeps(env.runtime, operations, () => undefined)));
    await env.runtime.admins.put({ username: OPERATOR.username, passwordHash: await hashPassword(OPERATOR.password), totpSecret: OPERATOR.secret, level: 'operator', createdAt: clock.now().toISOString(), disabled: false, lastTotpStep: 0 });
  });
  afterAll(async () => {
    await env.dispose();
  });

  function credentials(user: User): { username: string; password: string; totp: string } {
    clock.advance(TOTP_STEP_SECONDS * 1000);
    return { username: user.username, password: user.password, totp: totpCode(user.secret, clock.now()) };
  }

  async function signIn(user: User, sourceIp = INSIDE): Promise<string> {
    const answer = await api({ method: 'POST', path: '/api/sessions', body: credentials(user), sourceIp });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return (answer.body as unknown as SessionResponse).token;
  }

  /** What an attack must not change. */
  async function observable(): Promise<unknown> {
    const s = env.runtime.services;
    const tables = await Promise.all(TABLES.map(async (t) => [...(await tableState(env, t)).entries()]));
    const rollbacks = (await s.journal.list()).map((r) => `${r.rollbackId} ${r.phase}`);
    const points = (await s.backups.listRecoveryPoints()).map((p) => `${p.recoveryPointId} ${p.status}`);
    const mode = (await s.modes.get()).mode;
    return { tables, rollbacks, points, mode };
  }

  async function lastSeq(): Promise<number> {
    return (await env.runtime.services.audit.list({ limit: 1 }))[0]?.seq ?? 0;
  }

  /**
   * Runs the attack and checks the three properties: the answer's status (and error), one new
   * refusal in the audit trail naming `action` and `detail`, and nothing else changed.
   */
  async function attack(request: ApiRequest, expected: { status: number; error: RegExp; action: string; detail: RegExp }): Promise<{ answer: ApiAnswer; record: AuditRecord }> {
    const before = await observable();
    const since = await lastSeq();
    const answer = await api(request);
    expect({ status: answer.status, success: answer.body.success }).toEqual({ status: expected.status, success: false });
    expect(String(answer.body.error)).toMatch(expected.error);
    const records = (await env.runtime.services.audit.list({ limit: 50 })).filter((r) => r.seq > since);
    const refusal = records.find((r) => r.outcome === 'refused' && r.action === expected.action);
    expect(refusal, `a refusal ${expected.action} in ${JSON.stringify(records)}`).toBeDefined();
    if (!refusal) throw new Error('unreachable');
    expect(refusal.detail).toMatch(expected.detail);
    expect(records.every((r) => r.outcome === 'refused')).toBe(true);
    expect(await observable()).toEqual(before);
    return { answer, record: refusal };
  }

  const startBody = { command: 'rollback:emergency', reason: 'attack test', confirmDataLoss: true, password: ADMIN.password };

  it('a wrong password: 401, audited as such, the message not saying which factor failed', async () => {
    const { answer } = await attack({ method: 'POST', path: '/api/sessions', body: { ...credentials(ADMIN), password: 'Not-The-Pa55word-Qx7' }, sourceIp: INSIDE }, { status: 401, error: /wrong username, password or authentication code/, action: 'session.signIn', detail: /wrong password/ });
    expect(answer.body.errorName).toBe('AuthenticationError');
  });

  it('a wrong TOTP code: 401, audited', async () => {
    const good = credentials(ADMIN);
    const wrong = good.totp === '000000' ? '000001' : '000000';
    await attack({ method: 'POST', path: '/api/sessions', body: { ...good, totp: wrong }, sourceIp: INSIDE }, { status: 401, error: /authentication refused/, action: 'session.signIn', detail: /wrong authentication code/ });
  });

  it('a TOTP code replayed: 401, audited as a replay', async () => {
    const good = credentials(ADMIN);
    expect((await api({ method: 'POST', path: '/api/sessions', body: good, sourceIp: INSIDE })).status).toBe(201);
    await attack({ method: 'POST', path: '/api/sessions', body: good, sourceIp: INSIDE }, { status: 401, error: /authentication refused/, action: 'session.signIn', detail: /replayed/ });
  });

  it('an expired, a forged and a revoked session token: 401 each, audited', async () => {
    const expired = await signIn(ADMIN);
    clock.advance(16 * 60_000);
    await attack({ method: 'POST', path: '/api/rollbacks', token: expired, body: startBody, sourceIp: INSIDE }, { status: 401, error: /expired/, action: 'api.request', detail: /POST \/api\/rollbacks: session expired/ });

    const now = Math.floor(clock.now().getTime() / 1000);
    const forged = await new SignJWT({ level: 'admin' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer(SESSION_ISSUER).setSubject('admin').setJti('forged').setIssuedAt(now).setExpirationTime(now + 600).sign(randomBytes(32));
    const { record } = await attack({ method: 'POST', path: '/api/rollbacks', token: forged, body: startBody, sourceIp: INSIDE }, { status: 401, error: /not one this system signed/, action: 'api.request', detail: /not one this system signed/ });
    // A forged token's claims are not believed: the record does not name the claimed user.
    expect(record.actor).toBe('anonymous');

    const revoked = await signIn(ADMIN);
    expect((await api({ method: 'DELETE', path: '/api/sessions/current', token: revoked, sourceIp: INSIDE })).status).toBe(200);
    await attack({ method: 'POST', path: '/api/rollbacks', token: revoked, body: startBody, sourceIp: INSIDE }, { status: 401, error: /revoked/, action: 'api.request', detail: /revoked/ });
  });

  it('the 6th failed sign-in within 15 minutes: 429 with Retry-After, even with the right password; audited', async () => {
    const from = '203.0.113.66';
    for (let i = 0; i < 5; i++) {
      const answer = await api({ method: 'POST', path: '/api/sessions', body: { ...credentials(ADMIN), password: `wrong password number ${String(i)}` }, sourceIp: from });
      expect(answer.status).toBe(401);
    }
    const { answer } = await attack({ method: 'POST', path: '/api/sessions', body: credentials(ADMIN), sourceIp: from }, { status: 429, error: /too many failed sign-ins/, action: 'session.signIn', detail: /rate limited/ });
    expect(Number(answer.headers['Retry-After'])).toBeGreaterThan(13 * 60);
    expect(answer.body.errorName).toBe('RateLimitedError');
    // The lockout is of that address: the administrator still signs in from the usual one.
    await signIn(ADMIN);
  });

  it('a rollback (and a sign-in) from an address outside the allowlist: 403, audited', async () => {
    const token = await signIn(ADMIN);
    await attack({ method: 'POST', path: '/api/rollbacks', token, body: startBody, sourceIp: OUTSIDE }, { status: 403, error: /outside the allowlist/, action: 'api.request', detail: new RegExp(`${OUTSIDE} is outside the allowlist`) });
    await attack({ method: 'POST', path: '/api/sessions', body: credentials(ADMIN), sourceIp: OUTSIDE }, { status: 403, error: /outside the allowlist/, action: 'api.request', detail: /POST \/api\/sessions/ });
  });

  it('an operator starting a rollback: 403, audited under the operator\'s name', async () => {
    const token = await signIn(OPERATOR);
    const { record } = await attack({ method: 'POST', path: '/api/rollbacks', token, body: { ...startBody, password: OPERATOR.password }, sourceIp: INSIDE }, { status: 403, error: /ops is operator, this needs admin/, action: 'api.request', detail: /authorization refused/ });
    expect(record.actor).toBe('ops');
  });

  it('a change in safe mode by a non-administrator: 409, audited', async () => {
    const admin = await signIn(ADMIN);
    expect((await api({ method: 'POST', path: '/api/system/safe-mode', token: admin, body: { enabled: true, reason: 'attack test', password: ADMIN.password }, sourceIp: INSIDE })).status).toBe(200);
    try {
      const operator = await signIn(OPERATOR);
      await attack({ method: 'POST', path: '/api/backups', token: operator, body: {}, sourceIp: INSIDE }, { status: 409, error: /safe mode/, action: 'backup.create', detail: /only administrators/ });
    } finally {
      expect((await api({ method: 'POST', path: '/api/system/safe-mode', token: admin, body: { enabled: false, reason: 'attack test over', password: ADMIN.password }, sourceIp: INSIDE })).status).toBe(200);
    }
  });

  it('changes other than the allowed ones in recovery mode: 409 each, audited', async () => {
    const modes = env.runtime.services.modes;
    const normal = await modes.get();
    await modes.set({ mode: 'recovery', changedAt: clock.now().toISOString(), rollbackId: 'rb-attack-test', reason: 'attack test', previous: 'normal' });
    try {
      const admin = await signIn(ADMIN);
      const operator = await signIn(OPERATOR);
      await attack({ method: 'POST', path: '/api/system/safe-mode', token: admin, body: { enabled: true, reason: 'attack', password: ADMIN.password }, sourceIp: INSIDE }, { status: 409, error: /recovery mode/, action: 'system.safeMode.enter', detail: /recovery mode/ });
      await attack({ method: 'POST', path: '/api/backups', token: operator, body: {}, sourceIp: INSIDE }, { status: 409, error: /recovery mode/, action: 'backup.create', detail: /recovery mode/ });
      await attack({ method: 'POST', path: '/api/rollbacks', token: admin, body: startBody, sourceIp: INSIDE }, { status: 409, error: /recovery mode/, action: 'rollback.start', detail: /recovery mode/ });
    } finally {
      await modes.set(normal);
    }
  });

  it('the 4th rollback start within an hour (per user): 429 with Retry-After, audited; undo is not limited', async () => {
    // Two starts this hour already (the recovery-mode test took one: a refused start after
    // authentication counts), one now through the API, and the next one is refused.
    const gate = env.runtime.services.gate;
    await gate.takeRollbackStart('admin', { address: '127.0.0.1' });
    const token = await signIn(ADMIN);
    const started = await api({ method: 'POST', path: '/api/rollbacks', token, body: startBody, sourceIp: INSIDE });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const rollbackId = String(started.body.rollbackId);
    for (let i = 0; i < 600; i++) {
      const record = await env.runtime.services.journal.get(rollbackId);
      if (record && ['Completed', 'Failed', 'PartiallyFailed'].includes(record.phase)) break;
      await sleep(100);
    }
    expect((await env.runtime.services.journal.get(rollbackId))?.phase).toBe('Completed');
    // The outcome's audit record follows the journal's phase: wait for it, so that it is not
    // taken for part of the next attack's records.
    for (let i = 0; i < 100 && !(await env.runtime.services.audit.list({ limit: 20 })).some((r) => r.action === 'rollback.finished' && r.detail.includes(rollbackId)); i++) await sleep(100);
    const { answer } = await attack({ method: 'POST', path: '/api/rollbacks', token, body: startBody, sourceIp: INSIDE }, { status: 429, error: /admin started 3 rollback\(s\) within the last hour/, action: 'rollback.start', detail: /rate limited/ });
    expect(Number(answer.headers['Retry-After'])).toBeGreaterThan(0);
    const undo = await api({ method: 'POST', path: '/api/rollbacks/undo', token, body: { reason: 'undo is never limited', password: ADMIN.password }, sourceIp: INSIDE });
    expect(undo.status, JSON.stringify(undo.body)).toBe(202);
    for (let i = 0; i < 600; i++) {
      const record = await env.runtime.services.journal.get(String(undo.body.rollbackId));
      if (record && ['Completed', 'Failed', 'PartiallyFailed'].includes(record.phase)) break;
      await sleep(100);
    }
    expect((await env.runtime.services.journal.get(String(undo.body.rollbackId)))?.phase).toBe('Completed');
  });
});
