/**
 * The admin API end to end, in-process: every route group's middy handler called with API
 * Gateway REST (v1) proxy events, over the real emulators (DynamoDB Local, s3rver), the demo data
 * and the local state machine runner. A manual clock moves time, so no test waits for a TOTP step
 * or a session to expire; only the rollback's execution is awaited (with short real sleeps).
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminApiDeps } from '../../src/api/admin-api.js';
import type {
  AuditResponse,
  BackupListResponse,
  CurrentSessionResponse,
  PlanResponse,
  RollbackListResponse,
  RollbackStartedResponse,
  RollbackStatusResponse,
  SessionResponse,
  SystemResponse,
} from '../../src/api/api-schemas.js';
import { routeGroups } from '../../src/api/route-groups.js';
import type { AuditRecord } from '../../src/core/audit-trail.js';
import { DEFAULT_SESSION_SECONDS, SESSION_ISSUER } from '../../src/core/admin-sessions.js';
import { CREDENTIALS_REFUSED, hashPassword, TOTP_STEP_SECONDS, totpCode } from '../../src/core/credentials.js';
import { ManualClock } from '../../src/core/ports.js';
import { localAdminApiDeps } from '../../src/local/local-admin-api.js';
import { localRollbackOperations } from '../../src/local/local-rollback.js';
import { apiCaller, TEST_SOURCE_IP, type ApiAnswer, type ApiCaller, type ApiRequest } from '../support/api-events.js';
import { startLocalTestEnv, TEST_ADMIN, type LocalTestEnv } from '../support/local-env.js';

interface User {
  readonly username: string;
  readonly password: string;
  readonly secret: string;
}

const ADMIN: User = { username: TEST_ADMIN.WING_ADMIN_USERNAME, password: TEST_ADMIN.WING_ADMIN_PASSWORD, secret: TEST_ADMIN.WING_ADMIN_TOTP_SECRET };
const VIEWER: User = { username: 'watcher', password: 'a viewer passphrase 42', secret: 'KRSXG5CTMVRXEZLU' };
const WRONG_PASSWORD = 'Not-The-Pa55word-Qx7';
const ORDER = ['vision-lake', 'auth', 'agents', 'squadrons'];
const UNKNOWN_POINT = 'rp-20200101T000000000Z-000000';

/** Holds the state machine just before a Task state, until the test lets it go on. */
interface Gate {
  readonly state: string;
  readonly reached: Promise<void>;
  signal(): void;
  open(): void;
  readonly opened: Promise<void>;
}

function gateAt(state: string): Gate {
  let signal!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((resolve) => (signal = resolve));
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { state, reached, opened, signal, open };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A refusal: the status, `{ success: false, error }`, and the error naming what was wrong. */
function expectRefused(answer: ApiAnswer, status: number, ...fragments: string[]): string {
  expect({ status: answer.status, body: answer.body }).toMatchObject({ status, body: { success: false } });
  const error = answer.body.error;
  if (typeof error !== 'string') throw new Error(`no error message in ${JSON.stringify(answer.body)}`);
  for (const fragment of fragments) expect(error).toContain(fragment);
  expect(answer.headers['Content-Type']).toBe('application/json; charset=utf-8');
  return error;
}

function expectStatus(answer: ApiAnswer, status: number): void {
  expect({ status: answer.status, body: answer.body }).toMatchObject({ status, body: { success: true } });
}

describe('admin API route groups on the local emulators', () => {
  const clock = new ManualClock(new Date('2026-12-01T12:00:05Z'));
  let env: LocalTestEnv;
  let api: ApiCaller;
  const logged: { message: string; err: unknown }[] = [];
  /** Every password and code sent, to look for in the audit trail. */
  const passwordsSent = new Set<string>();
  const codesSent = new Set<string>();
  let gate: Gate | undefined;
  let adminSession: { token: string; expiresAt: number } | undefined;

  beforeAll(async () => {
    env = await startLocalTestEnv({ scale: 0.01, clock });
    const operations = localRollbackOperations(env.runtime, {
      // Tests hold the execution at a state to look at a running rollback.
      fault: async (state) => {
        const g = gate;
        if (g?.state === state) {
          g.signal();
          await g.opened;
        }
        return undefined;
      },
    });
    let deps: Promise<AdminApiDeps> | undefined;
    api = apiCaller(() =>
      (deps ??= localAdminApiDeps(env.runtime, operations, (message, err) => {
        logged.push({ message, err });
      })),
    );
    await env.runtime.admins.put({ username: VIEWER.username, passwordHash: await hashPassword(VIEWER.password), totpSecret: VIEWER.secret, level: 'viewer', createdAt: clock.now().toISOString(), disabled: false, lastTotpStep: 0 });
  });
  afterAll(async () => {
    gate?.open();
    await env.dispose();
  });

  function call(request: ApiRequest): Promise<ApiAnswer> {
    const body: unknown = request.body;
    if (typeof body === 'object' && body !== null) {
      const { password, totp } = body as { password?: unknown; totp?: unknown };
      if (typeof password === 'string' && password !== '') passwordsSent.add(password);
      if (typeof totp === 'string' && totp !== '') codesSent.add(totp);
    }
    return api(request);
  }

  /** The next 30-second step, and the user's code for it. */
  function credentials(user: User): { username: string; password: string; totp: string } {
    clock.advance(TOTP_STEP_SECONDS * 1000);
    return { username: user.username, password: user.password, totp: totpCode(user.secret, clock.now()) };
  }

  /** A code that is none of the user's codes accepted now (±1 step). */
  function wrongCode(user: User): string {
    const valid = new Set([-1, 0, 1].map((d) => totpCode(user.secret, new Date(clock.now().getTime() + d * TOTP_STEP_SECONDS * 1000))));
    for (let n = 0; ; n += 1) {
      const code = String(n).padStart(6, '0');
      if (!valid.has(code)) return code;
    }
  }

  async function signIn(user: User): Promise<SessionResponse> {
    const answer = await call({ method: 'POST', path: '/api/sessions', body: credentials(user) });
    expectStatus(answer, 201);
    return answer.body as unknown as SessionResponse;
  }

  /** An administrator's token, signed in again once it is close to expiring. */
  async function adminToken(): Promise<string> {
    if (!adminSession || adminSession.expiresAt - clock.now().getTime() < 60_000) {
      const s = await signIn(ADMIN);
      adminSession = { token: s.token, expiresAt: new Date(s.expiresAt).getTime() };
    }
    return adminSession.token;
  }

  async function auditViaApi(): Promise<AuditResponse['records']> {
    const answer = await call({ method: 'GET', path: '/api/audit?limit=1000', token: await adminToken() });
    expectStatus(answer, 200);
    return (answer.body as unknown as AuditResponse).records;
  }

  async function lastSeq(): Promise<number> {
    return (await env.runtime.services.audit.list({ limit: 1 }))[0]?.seq ?? 0;
  }

  async function auditSince(seq: number): Promise<AuditRecord[]> {
    return (await env.runtime.services.audit.list({ limit: 1000 })).filter((r) => r.seq > seq).reverse();
  }

  async function rollbacks(): Promise<RollbackListResponse['rollbacks']> {
    const answer = await call({ method: 'GET', path: '/api/rollbacks', token: await adminToken() });
    expectStatus(answer, 200);
    return (answer.body as unknown as RollbackListResponse).rollbacks;
  }

  async function systemMode(): Promise<string> {
    const answer = await call({ method: 'GET', path: '/api/system', token: await adminToken() });
    expectStatus(answer, 200);
    return (answer.body as unknown as SystemResponse).mode;
  }

  describe('POST /api/sessions', () => {
    it('answers 201 with a token, the level and the expiry for the right password and code', async () => {
      const answer = await call({ method: 'POST', path: '/api/sessions', body: credentials(ADMIN) });

      expectStatus(answer, 201);
      const body = answer.body as unknown as SessionResponse;
      expect(body).toMatchObject({ username: 'admin', level: 'admin' });
      expect(body.token.split('.')).toHaveLength(3);
      expect(new Date(body.expiresAt).getTime()).toBe(Math.floor(clock.now().getTime() / 1000) * 1000 + DEFAULT_SESSION_SECONDS * 1000);
      expect(answer.headers['Cache-Control']).toBe('no-store');
      const current = await call({ method: 'GET', path: '/api/sessions/current', token: body.token });
      expectStatus(current, 200);
      expect(current.body as unknown as CurrentSessionResponse).toMatchObject({ username: 'admin', level: 'admin', expiresAt: body.expiresAt });
    });

    it('refuses a wrong password, a wrong code, an unknown user and a replayed code with 401, and audits each attempt', async () => {
      const before = await lastSeq();
      const good = credentials(ADMIN);
      const generic = CREDENTIALS_REFUSED;

      expectRefused(await call({ method: 'POST', path: '/api/sessions', body: { ...good, password: WRONG_PASSWORD } }), 401, generic);
      expectRefused(await call({ method: 'POST', path: '/api/sessions', body: { ...good, totp: wrongCode(ADMIN) } }), 401, generic);
      expectRefused(await call({ method: 'POST', path: '/api/sessions', body: { ...good, username: 'nobody' } }), 401, generic);
      // A refused attempt did not burn the code: it is accepted once, then it is a replay.
      expectStatus(await call({ method: 'POST', path: '/api/sessions', body: good }), 201);
      expectRefused(await call({ method: 'POST', path: '/api/sessions', body: good }), 401, generic);

      const records = await auditSince(before);
      expect(records.map((r) => [r.action, r.actor, r.outcome])).toEqual([
        ['session.signIn', 'admin', 'refused'],
        ['session.signIn', 'admin', 'refused'],
        ['session.signIn', 'nobody', 'refused'],
        ['session.signIn', 'admin', 'succeeded'],
        ['session.signIn', 'admin', 'refused'],
      ]);
      expect(records.every((r) => r.source === TEST_SOURCE_IP)).toBe(true);
      expect(records[4]?.detail).toContain('replayed');

      // An administrator sees them through the API too.
      const seen = (await auditViaApi()).filter((r) => r.seq > before && r.seq <= (records[4]?.seq ?? 0));
      expect(seen.map((r) => `${r.action} ${r.outcome}`).reverse()).toEqual(records.map((r) => `${r.action} ${r.outcome}`));
    });

    it('refuses a malformed body with 400 naming the field, before any credential is checked', async () => {
      const before = await lastSeq();
      const good = credentials(ADMIN);
      const post = (body: unknown): Promise<ApiAnswer> => call({ method: 'POST', path: '/api/sessions', body });

      expectRefused(await post({ username: good.username, password: good.password }), 400, 'totp');
      expectRefused(await post({ ...good, level: 'admin' }), 400, 'level');
      expectRefused(await post('{"username": "admin", "password": '), 400, 'not JSON');
      expectRefused(await post({ ...good, totp: `${good.totp}1` }), 400, 'totp: an authentication code is 6 digits');
      expectRefused(await post({ ...good, username: '' }), 400, 'username');
      expectRefused(await post([good]), 400);

      // Each malformed attempt is audited as refused (no secret in it), and the code is still unused.
      expect(await lastSeq()).toBe(before + 6);
      expectStatus(await post(good), 201);
    });
  });

  describe('sessions on every call', () => {
    it('every route but sign-in and the document refuses an anonymous call with 401 before it reads the request', async () => {
      const guarded = routeGroups.flatMap((g) => g.routes).filter((r) => r.access !== 'public');
      expect(guarded.length).toBeGreaterThan(15);
      for (const route of guarded) {
        const path = route.path.replace('{rollbackId}', 'latest');
        // A malformed body too: the session is checked first, so nothing about the input leaks.
        const answer = await call({ method: route.method, path, ...(route.method === 'POST' ? { body: '{"not json' } : {}) });
        expect(answer.status, `${route.method} ${route.path}`).toBe(401);
      }
    });

    it('refuses a call without a bearer token with 401 saying how to sign in', async () => {
      expectRefused(await call({ method: 'GET', path: '/api/backups' }), 401, 'sign in first', 'POST /api/sessions');
      expectRefused(await call({ method: 'GET', path: '/api/backups', headers: { Authorization: 'Basic YWRtaW46YWRtaW4=' } }), 401, 'sign in first');
    });

    it('refuses a token signed with another key, a tampered one and garbage with 401', async () => {
      const viewer = await signIn(VIEWER);
      const now = Math.floor(clock.now().getTime() / 1000);
      const forged = await new SignJWT({ level: 'admin' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(SESSION_ISSUER)
        .setSubject('admin')
        .setJti('00000000-0000-4000-8000-000000000000')
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(randomBytes(32));
      expectRefused(await call({ method: 'GET', path: '/api/backups', token: forged }), 401, 'not one this system signed');

      // The viewer's own token, its payload changed to claim the admin level.
      const [header, payload, signature] = viewer.token.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      expect(claims.level).toBe('viewer');
      const tampered = `${header ?? ''}.${Buffer.from(JSON.stringify({ ...claims, level: 'admin', sub: 'admin' })).toString('base64url')}.${signature ?? ''}`;
      expectRefused(await call({ method: 'GET', path: '/api/backups', token: tampered }), 401, 'not one this system signed');
      expectRefused(await call({ method: 'GET', path: '/api/backups', token: 'not-a-token' }), 401, 'not one this system signed');

      expectStatus(await call({ method: 'GET', path: '/api/backups', token: viewer.token }), 200);
    });

    it('refuses a token once the session expired (15 minutes) with 401 "expired"', async () => {
      const session = await signIn(VIEWER);
      clock.advance(DEFAULT_SESSION_SECONDS * 1000 - 1000);
      expectStatus(await call({ method: 'GET', path: '/api/sessions/current', token: session.token }), 200);

      clock.advance(2000);
      expectRefused(await call({ method: 'GET', path: '/api/sessions/current', token: session.token }), 401, 'expired', 'sign in again');
    });

    it('signs out with DELETE /api/sessions/current: the token is then refused as revoked, other sessions go on', async () => {
      const other = await adminToken();
      const session = await signIn(ADMIN);
      const before = await lastSeq();

      expectStatus(await call({ method: 'DELETE', path: '/api/sessions/current', token: session.token }), 200);

      expectRefused(await call({ method: 'GET', path: '/api/sessions/current', token: session.token }), 401, 'revoked');
      expectRefused(await call({ method: 'DELETE', path: '/api/sessions/current', token: session.token }), 401, 'revoked');
      expectStatus(await call({ method: 'GET', path: '/api/sessions/current', token: other }), 200);
      // A revoked token's claims are not believed: its refusals are recorded as anonymous.
      expect((await auditSince(before)).map((r) => [r.action, r.actor, r.outcome])).toEqual([
        ['session.signOut', 'admin', 'succeeded'],
        ['api.request', 'anonymous', 'refused'],
        ['api.request', 'anonymous', 'refused'],
      ]);
    });

    it('lets a viewer read but refuses it a rollback or safe mode with 403, changing nothing', async () => {
      const viewer = await signIn(VIEWER);
      expect(viewer.level).toBe('viewer');

      const backups = await call({ method: 'GET', path: '/api/backups', token: viewer.token });
      expectStatus(backups, 200);
      const points = (backups.body as unknown as BackupListResponse).recoveryPoints;
      expect(points.length).toBeGreaterThanOrEqual(8);
      expect(points.every((p) => /^rp-/.test(p.recoveryPointId))).toBe(true);
      expectStatus(await call({ method: 'GET', path: '/api/rollbacks/plan', token: viewer.token }), 200);

      const start = { command: 'rollback:emergency', reason: 'viewer tries', confirmDataLoss: true, password: VIEWER.password };
      expectRefused(await call({ method: 'POST', path: '/api/rollbacks', token: viewer.token, body: start }), 403, 'authorization refused', 'watcher is viewer', 'needs admin');
      expectRefused(await call({ method: 'POST', path: '/api/system/safe-mode', token: viewer.token, body: { enabled: true, reason: 'viewer tries', password: VIEWER.password } }), 403, 'authorization refused');
      expectRefused(await call({ method: 'POST', path: '/api/backups', token: viewer.token, body: {} }), 403, 'needs operator');

      expect(await rollbacks()).toEqual([]);
      expect(await systemMode()).toBe('normal');
      expect((await env.runtime.backups.listRecoveryPoints()).length).toBe(points.length);
    });
  });

  describe('POST /api/backups/drill', () => {
    it('drills the newest point into scratch copies (200, proof recorded and listed), refuses a viewer (403), an unknown id (404) and a malformed one (400)', async () => {
      const viewer = await signIn(VIEWER);
      expectRefused(await call({ method: 'POST', path: '/api/backups/drill', token: viewer.token, body: {} }), 403, 'needs operator');
      expectRefused(await call({ method: 'POST', path: '/api/backups/drill', token: await adminToken(), body: { backupId: 'rp-20200101T000000000Z-000000' } }), 404, 'rp-20200101T000000000Z-000000');
      expectRefused(await call({ method: 'POST', path: '/api/backups/drill', token: await adminToken(), body: { backupId: 'newest' } }), 400, 'backupId');
      const before = await lastSeq();
      const answer = await call({ method: 'POST', path: '/api/backups/drill', token: await adminToken(), body: {} });
      expectStatus(answer, 200);
      const drill = answer.body as unknown as { drillId: string; recoveryPointId: string; result: string; items: number; status: string; components: { component: string; ok: boolean }[] };
      expect(drill).toMatchObject({ result: 'passed', status: 'Completed' });
      expect(drill.items).toBeGreaterThan(0);
      expect(drill.components.map((c) => [c.component, c.ok])).toEqual(ORDER.map((c) => [c, true]));
      const listed = ((await call({ method: 'GET', path: '/api/backups', token: viewer.token })).body as unknown as { recoveryPoints: { recoveryPointId: string; lastDrill: { result: string } | null }[] }).recoveryPoints;
      expect(listed.find((p) => p.recoveryPointId === drill.recoveryPointId)?.lastDrill?.result).toBe('passed');
      expect((await auditSince(before)).filter((r) => r.action === 'backup.drill').map((r) => [r.actor, r.outcome])).toEqual([['admin', 'succeeded']]);
    });
  });

  describe('GET /api/rollbacks/plan', () => {
    it('shows the point a 24-hour rollback would use and, per component, what it would write, delete and leave', async () => {
      const answer = await call({ method: 'GET', path: '/api/rollbacks/plan?hours=24', token: await adminToken() });

      expectStatus(answer, 200);
      const plan = answer.body as unknown as PlanResponse;
      expect(plan.recoveryPoint.recoveryPointId).toMatch(/^rp-/);
      expect(plan.recoveryPoint.status).toBe('Completed');
      expect(plan.recoveryPoint.verifiedAt).not.toBeNull();
      expect(clock.now().getTime() - new Date(plan.recoveryPoint.createdAt).getTime()).toBeGreaterThanOrEqual(24 * 3_600_000);
      expect(plan.components.map((c) => c.component)).toEqual(ORDER);
      for (const c of plan.components) {
        for (const n of [c.write, c.delete, c.unchanged]) expect(Number.isInteger(n) && n >= 0).toBe(true);
      }
      // The demo data changed since that point: there is something to roll back.
      expect(plan.components.some((c) => c.write + c.delete > 0)).toBe(true);
      expect(plan.components.some((c) => c.unchanged > 0)).toBe(true);
    });

    it('refuses negative hours, hours together with a backup id, and a malformed id with 400', async () => {
      const token = await adminToken();
      expectRefused(await call({ method: 'GET', path: '/api/rollbacks/plan?hours=-1', token }), 400, 'hours', '0 or more');
      expectRefused(await call({ method: 'GET', path: '/api/rollbacks/plan?hours=abc', token }), 400, 'hours');
      expectRefused(await call({ method: 'GET', path: '/api/rollbacks/plan?hours=1&backupId=rp-x', token }), 400, 'give hours or backupId, not both');
      expectRefused(await call({ method: 'GET', path: '/api/rollbacks/plan?backupId=rb-1', token }), 400, 'backupId', 'rp-');
      expectRefused(await call({ method: 'GET', path: '/api/rollbacks/plan?hour=1', token }), 400, 'hour');
    });

    it('answers 404 naming an unknown recovery point', async () => {
      expectRefused(await call({ method: 'GET', path: `/api/rollbacks/plan?backupId=${UNKNOWN_POINT}`, token: await adminToken() }), 404, UNKNOWN_POINT);
    });
  });

  describe('POST /api/rollbacks', () => {
    const valid = { command: 'rollback:emergency', reason: 'bad deploy (admin API test)', confirmDataLoss: true, password: ADMIN.password };
    let plan: PlanResponse;

    beforeAll(async () => {
      plan = (await call({ method: 'GET', path: '/api/rollbacks/plan?hours=24', token: await adminToken() })).body as unknown as PlanResponse;
    });

    it('refuses a wrong password confirmation with 403 (the session stays), starts nothing and audits the refusal', async () => {
      const token = await adminToken();
      const before = await lastSeq();

      expectRefused(await call({ method: 'POST', path: '/api/rollbacks', token, body: { ...valid, password: WRONG_PASSWORD } }), 403, 'confirmation refused: wrong password');
      // The session is still good: a typo does not sign the administrator out.
      expectStatus(await call({ method: 'GET', path: '/api/sessions/current', token }), 200);

      expect(await rollbacks()).toEqual([]);
      expect(await env.runtime.lock.current()).toBeUndefined();
      expect((await auditSince(before)).map((r) => [r.action, r.actor, r.outcome, r.detail])).toEqual([['rollback.start', 'admin', 'refused', 'confirmation refused: wrong password']]);
    });

    it('refuses an unconfirmed data loss, an emergency without reason, custom without hours, and mixed choices with 400', async () => {
      const token = await adminToken();
      const post = (body: Record<string, unknown>): Promise<ApiAnswer> => call({ method: 'POST', path: '/api/rollbacks', token, body });

      expectRefused(await post({ ...valid, confirmDataLoss: false }), 400, 'confirmDataLoss must be true');
      const withoutConfirmation: Record<string, unknown> = { ...valid };
      delete withoutConfirmation.confirmDataLoss;
      expectRefused(await post(withoutConfirmation), 400, 'confirmDataLoss');
      expectRefused(await post({ ...valid, reason: '   ' }), 400, 'reason', 'an emergency rollback needs a reason');
      expectRefused(await post({ ...valid, command: 'rollback:custom' }), 400, 'hours', 'rollback:custom needs hours');
      expectRefused(await post({ ...valid, hours: 3 }), 400, 'hours', 'rollback:emergency takes no hours');
      expectRefused(await post({ ...valid, command: 'restore:alternative' }), 400, 'backupId');
      expectRefused(await post({ ...valid, command: 'rollback:everything' }), 400, 'command');
      expectRefused(await post({ ...valid, password: '' }), 400, 'password');

      expect(await rollbacks()).toEqual([]);
    });

    it('refuses with 409 when the recovery point is not the one the administrator was shown, starting nothing', async () => {
      const points = (await call({ method: 'GET', path: '/api/backups', token: await adminToken() })).body as unknown as BackupListResponse;
      const other = points.recoveryPoints.find((p) => p.recoveryPointId !== plan.recoveryPoint.recoveryPointId);
      if (!other) throw new Error('the demo has a single recovery point');
      const before = await lastSeq();

      const answer = await call({ method: 'POST', path: '/api/rollbacks', token: await adminToken(), body: { ...valid, expectRecoveryPointId: other.recoveryPointId } });

      expectRefused(answer, 409, 'the recovery point changed since it was shown', plan.recoveryPoint.recoveryPointId, other.recoveryPointId);
      expect(await rollbacks()).toEqual([]);
      expect(await env.runtime.lock.current()).toBeUndefined();
      expect(await systemMode()).toBe('normal');
      expect((await auditSince(before)).filter((r) => r.action === 'rollback.start').map((r) => r.outcome)).toEqual(['refused']);
    });

    it('starts an emergency rollback with 202, refuses a second one while it runs (409), and reports it to the end', async () => {
      const before = await lastSeq();
      gate = gateAt('TakeSafetySnapshot');
      let rollbackId = '';
      try {
        const started = await call({ method: 'POST', path: '/api/rollbacks', token: await adminToken(), body: { ...valid, expectRecoveryPointId: plan.recoveryPoint.recoveryPointId } });

        expectStatus(started, 202);
        const result = started.body as unknown as RollbackStartedResponse;
        expect(result.rollbackId).toMatch(/^rb-/);
        expect(result.recoveryPointId).toBe(plan.recoveryPoint.recoveryPointId);
        expect(['Pending', 'InProgress']).toContain(result.phase);
        rollbackId = result.rollbackId;

        // Held before its safety snapshots: the lock is taken, the system is in recovery mode.
        await Promise.race([gate.reached, sleep(20_000).then(() => Promise.reject(new Error('the rollback did not reach TakeSafetySnapshot')))]);
        const running = await call({ method: 'GET', path: `/api/rollbacks/${rollbackId}`, token: await adminToken() });
        expectStatus(running, 200);
        expect(running.body as unknown as RollbackStatusResponse).toMatchObject({ rollbackId, phase: 'InProgress', finished: false, systemMode: 'recovery' });

        const second = await call({ method: 'POST', path: '/api/rollbacks', token: await adminToken(), body: { ...valid, reason: 'a second one' } });
        expectRefused(second, 409, 'recovery mode', rollbackId);
        const safe = await call({ method: 'POST', path: '/api/system/safe-mode', token: await adminToken(), body: { enabled: true, reason: 'during a rollback', password: ADMIN.password } });
        expectRefused(safe, 409, 'recovery mode', rollbackId);
      } finally {
        gate.open();
        gate = undefined;
      }

      // The execution runs on in this process; follow it as the portal does.
      const seen = { finishedBeforeReleaseLock: false };
      const done = await until('the rollback to end', async () => {
        const answer = await call({ method: 'GET', path: `/api/rollbacks/${rollbackId}`, token: await adminToken() });
        expectStatus(answer, 200);
        const status = answer.body as unknown as RollbackStatusResponse;
        const released = status.steps.some((s) => s.state === 'ReleaseLock' && s.status === 'succeeded');
        if (status.finished && !released) seen.finishedBeforeReleaseLock = true;
        return status.finished && released ? status : undefined;
      });
      if (seen.finishedBeforeReleaseLock) console.info('GET /api/rollbacks/{id} said finished before ReleaseLock had run');

      expect(done).toMatchObject({ rollbackId, kind: 'rollback', command: 'rollback:emergency', phase: 'Completed', initiator: 'admin', reason: valid.reason, recoveryPointId: plan.recoveryPoint.recoveryPointId, systemMode: 'normal' });
      expect(done.message).toMatch(/^restored recovery point rp-/);
      expect(done.finishedAt).not.toBeNull();
      expect(done.components.map((c) => [c.component, c.phase])).toEqual(ORDER.map((c) => [c, 'restored']));
      for (const c of done.components) {
        const planned = plan.components.find((p) => p.component === c.component);
        expect({ component: c.component, written: c.written, deleted: c.deleted }).toEqual({ component: c.component, written: planned?.write, deleted: planned?.delete });
      }
      const states = new Set(done.steps.map((s) => s.state));
      for (const state of ['AcquireLock', 'SelectRecoveryPoint', 'EnterRecoveryMode', 'TakeSafetySnapshot', 'RestoreComponent', 'VerifyComponent', 'LeaveRecoveryMode', 'RecordOutcome', 'ReleaseLock']) {
        expect(states.has(state), state).toBe(true);
      }
      expect(done.steps.filter((s) => s.status === 'failed')).toEqual([]);
      expect(new Set(done.steps.filter((s) => s.state === 'RestoreComponent').map((s) => s.component))).toEqual(new Set(ORDER));
      expect(await env.runtime.lock.current()).toBeUndefined();

      const log = await call({ method: 'GET', path: `/api/rollbacks/${rollbackId}/log`, token: await adminToken() });
      expectStatus(log, 200);
      const lines = (log.body as { lines: string[] }).lines;
      expect(lines.length).toBeGreaterThan(3);
      expect(lines.some((l) => l.includes('Requested'))).toBe(true);
      expect(lines.some((l) => l.includes('RecordOutcome'))).toBe(true);

      const latest = await call({ method: 'GET', path: '/api/rollbacks/latest', token: await adminToken() });
      expectStatus(latest, 200);
      expect(latest.body.rollbackId).toBe(rollbackId);
      const latestLog = await call({ method: 'GET', path: '/api/rollbacks/latest/log', token: await adminToken() });
      expect(latestLog.body.rollbackId).toBe(rollbackId);

      const listed = await rollbacks();
      expect(listed.map((r) => [r.rollbackId, r.phase])).toEqual([[rollbackId, 'Completed']]);

      const audited = (await auditSince(before)).filter((r) => r.action.startsWith('rollback.') || r.action.startsWith('system.'));
      expect(audited.map((r) => [r.action, r.outcome])).toEqual([
        ['rollback.start', 'started'],
        ['system.mode', 'succeeded'],
        ['rollback.start', 'refused'],
        ['system.safeMode.enter', 'refused'],
        ['system.mode', 'succeeded'],
        ['rollback.finished', 'succeeded'],
      ]);
      expect(audited[0]?.detail).toContain(rollbackId);
      expect(audited[0]?.source).toBe(TEST_SOURCE_IP);
      expect(audited[1]?.detail).toBe(`normal -> recovery by rollback ${rollbackId} (EnterRecoveryMode)`);
      expect(audited[4]?.detail).toBe(`recovery -> normal by rollback ${rollbackId} (LeaveRecoveryMode)`);
      expect(audited[5]?.detail).toContain(rollbackId);
    });

    it('answers 404 for an unknown rollback id and 400 for one that is not a rollback id', async () => {
      const token = await adminToken();
      expectRefused(await call({ method: 'GET', path: '/api/rollbacks/rb-20200101T000000000Z-000000', token }), 404, 'rb-20200101T000000000Z-000000');
      expectRefused(await call({ method: 'GET', path: '/api/rollbacks/rp-1', token }), 400, 'rollbackId');
      expectRefused(await call({ method: 'GET', path: '/api/rollbacks/rb-20200101T000000000Z-000000/log', token }), 404);
    });
  });

  describe('POST /api/system/safe-mode', () => {
    it('enters safe mode and leaves it again, each confirmed with the password and audited', async () => {
      const token = await adminToken();
      const before = await lastSeq();

      expectRefused(await call({ method: 'POST', path: '/api/system/safe-mode', token, body: { enabled: true, reason: 'x', password: WRONG_PASSWORD } }), 403, 'wrong password');
      expect(await systemMode()).toBe('normal');
      expectRefused(await call({ method: 'POST', path: '/api/system/safe-mode', token, body: { enabled: 'yes', reason: 'x', password: ADMIN.password } }), 400, 'enabled');

      const entered = await call({ method: 'POST', path: '/api/system/safe-mode', token, body: { enabled: true, reason: 'investigating', password: ADMIN.password } });
      expectStatus(entered, 200);
      expect(entered.body as unknown as SystemResponse).toMatchObject({ mode: 'safe', reason: 'investigating (by admin)', rollbackId: null });
      expect(await systemMode()).toBe('safe');

      const left = await call({ method: 'POST', path: '/api/system/safe-mode', token, body: { enabled: false, reason: '', password: ADMIN.password } });
      expectStatus(left, 200);
      expect((left.body as unknown as SystemResponse).mode).toBe('normal');
      expect(await systemMode()).toBe('normal');

      expect((await auditSince(before)).filter((r) => r.action.startsWith('system.')).map((r) => [r.action, r.outcome])).toEqual([
        ['system.safeMode.enter', 'refused'],
        ['system.safeMode.enter', 'succeeded'],
        ['system.safeMode.leave', 'succeeded'],
      ]);
    });
  });

  describe('GET /api/openapi.json', () => {
    it('serves the OpenAPI 3.1 document without a session, listing every route of every group with its method', async () => {
      const answer = await call({ method: 'GET', path: '/api/openapi.json' });

      expectStatus(answer, 200);
      const doc = answer.body as { openapi?: string; paths?: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> } }>> };
      expect(doc.openapi).toBe('3.1.0');
      const paths = doc.paths ?? {};
      const routes = routeGroups.flatMap((g) => g.routes.map((r) => `${r.method.toLowerCase()} ${r.path}`));
      expect(routes.length).toBeGreaterThan(15);
      for (const route of routes) {
        const [method = '', path = ''] = route.split(' ');
        expect(paths[path]?.[method], route).toBeDefined();
      }
      expect(Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)).sort()).toEqual([...routes].sort());

      const schema = paths['/api/rollbacks']?.post?.requestBody?.content['application/json']?.schema;
      expect(Object.keys(schema?.properties ?? {})).toEqual(expect.arrayContaining(['command', 'confirmDataLoss', 'password', 'reason', 'expectRecoveryPointId']));
      expect(schema?.required).toEqual(expect.arrayContaining(['command', 'confirmDataLoss', 'password']));
    });
  });

  describe('unknown routes', () => {
    it('answers 404 JSON for a path no group serves, a path a group does not have, and a method a path does not take', async () => {
      const token = await adminToken();
      expectRefused(await call({ method: 'GET', path: '/api/nothing-here', token }), 404, 'no route GET /api/nothing-here', 'openapi.json');
      expectRefused(await call({ method: 'GET', path: '/api/system/unknown', token }), 404, 'no route GET /api/system/unknown', 'openapi.json');
      expectRefused(await call({ method: 'DELETE', path: '/api/backups', token }), 404, 'no route DELETE /api/backups');
      expectRefused(await call({ method: 'GET', path: '/api/rollbacks/rb-1/log/extra', token }), 404);
    });
  });

  describe('across all of the above', () => {
    it('never answered 5xx nor logged an internal error', () => {
      expect(api.answers.length).toBeGreaterThan(50);
      expect(api.answers.filter((a) => a.status >= 500)).toEqual([]);
      expect(logged).toEqual([]);
    });

    it('never wrote a password or an authentication code into the audit trail', async () => {
      const records = await env.runtime.services.audit.list({ limit: 1000 });
      expect(records.length).toBeGreaterThan(20);
      expect(passwordsSent.size).toBeGreaterThanOrEqual(3);
      expect(codesSent.size).toBeGreaterThan(10);
      const texts = [...records.map((r) => JSON.stringify(r)), ...(await auditViaApi()).map((r) => JSON.stringify(r))];
      for (const text of texts) {
        for (const password of passwordsSent) expect(text).not.toContain(password);
        for (const code of codesSent) expect(text).not.toMatch(new RegExp(`(?<![0-9])${code}(?![0-9])`));
      }
    });
  });
});
