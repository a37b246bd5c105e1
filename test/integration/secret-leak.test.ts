/**
 * No secret lands anywhere it should not. In-process over the local emulators and the demo data:
 * sign in through the admin API, make refused attempts (wrong password, wrong code, replayed
 * code, forged token, wrong password confirmation), run an emergency rollback to its end and undo
 * it, and call the local HTTP server too (so `logs/api-requests.log` exists). Then every secret
 * is searched for, in every form it could take, in everything the system wrote or answered:
 * every file under `logs/`, the notification outbox, the audit trail (table and bucket copies),
 * the rollback journal and its progress records, every API answer, every error and refusal
 * message, and the console.
 *
 * The secrets: the administrator's password (and every password attempt), the TOTP secret (base32
 * and its bytes), every TOTP code sent, every session token (whole, and its signature), the session
 * signing key, the local master key, and the plaintext data keys of the vault's packs (unwrapped
 * here with the runtime's key service, and proven right by decrypting a pack with them).
 */
import { createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { AdminApiDeps } from '../../src/api/admin-api.js';
import type { RollbackStartedResponse, RollbackStatusResponse, SessionResponse } from '../../src/api/api-schemas.js';
import { SESSION_ISSUER } from '../../src/core/admin-sessions.js';
import { TOTP_STEP_SECONDS, totpCode } from '../../src/core/credentials.js';
import { ManualClock } from '../../src/core/ports.js';
import { KeyRing, openObject, SealedKind, sealedObjectKey } from '../../src/core/sealed-object.js';
import { vaultLayout } from '../../src/core/vault-layout.js';
import { startAdminHttpServer, type AdminHttpServer } from '../../src/local/admin-http-server.js';
import { localAdminApiDeps } from '../../src/local/local-admin-api.js';
import { sessionKeyPath } from '../../src/local/local-admin-sessions.js';
import { localRollbackOperations } from '../../src/local/local-rollback.js';
import { apiCaller, type ApiAnswer, type ApiCaller, type ApiRequest } from '../support/api-events.js';
import { startLocalTestEnv, TEST_ADMIN, type LocalTestEnv } from '../support/local-env.js';

const ADMIN = { username: TEST_ADMIN.WING_ADMIN_USERNAME, password: TEST_ADMIN.WING_ADMIN_PASSWORD, secret: TEST_ADMIN.WING_ADMIN_TOTP_SECRET };
const WRONG_PASSWORD = 'Leak-Test-Wr0ng-Passw0rd-Kv3';
const COMPONENTS = ['vision-lake', 'auth', 'agents', 'squadrons'];

interface Secret {
  readonly name: string;
  /** Every form it is searched in (exact; hex forms also in upper case). */
  readonly forms: readonly string[];
  /** A short code: only found as a whole number, not inside a longer digit or letter run. */
  readonly code?: boolean;
}

interface Text {
  readonly where: string;
  readonly text: string;
  /** The session token this text legitimately carries (the answer of the sign-in that issued it). */
  readonly issued?: string;
}

function base32Bytes(secret: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** Key material in the forms it could be written in: hex, base64 (with and without padding), base64url. */
function keyForms(key: Buffer): string[] {
  const b64 = key.toString('base64');
  return [...new Set([key.toString('hex'), b64, b64.replace(/=+$/, ''), key.toString('base64url')])];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The names of the secrets `text` contains (minus the token it may legitimately carry). */
function leaksIn(text: string, secrets: readonly Secret[], issued?: string): string[] {
  const lower = text.toLowerCase();
  const found: string[] = [];
  for (const secret of secrets) {
    const hit = secret.forms.some((form) => {
      if (issued !== undefined && issued.includes(form)) return false;
      if (secret.code) return new RegExp(`(?<![0-9A-Za-z])${escapeRegExp(form)}(?![0-9A-Za-z])`).test(text);
      return text.includes(form) || (/^[0-9a-f]+$/.test(form) && lower.includes(form));
    });
    if (hit) found.push(secret.name);
  }
  return found;
}

function errorText(err: unknown, depth = 0): string {
  if (depth > 5) return '';
  if (err instanceof Error) {
    const extra = Object.entries(err).map(([k, v]) => `${k}=${typeof v === 'string' ? v : safeJson(v)}`);
    return [String(err), err.stack ?? '', ...extra, errorText(err.cause, depth + 1)].join('\n');
  }
  return typeof err === 'string' ? err : safeJson(err);
}

function safeJson(v: unknown): string {
  try {
    // undefined for a function or undefined itself, whatever the declared type says.
    const text = JSON.stringify(v) as string | undefined;
    return text ?? String(v);
  } catch {
    return String(v);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function filesUnder(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

describe('secrets never reach logs, outbox, audit, journal, answers or error messages', () => {
  const clock = new ManualClock(new Date('2026-12-01T12:00:05Z'));
  let env: LocalTestEnv;
  let api: ApiCaller;
  let server: AdminHttpServer;
  let portalFolder: string;
  const consoleSpies: MockInstance[] = [];
  const logged: { message: string; err: unknown }[] = [];
  const texts: Text[] = [];
  const passwordsSent = new Set<string>();
  const codesSent = new Set<string>();
  const tokens: string[] = [];
  const secrets: Secret[] = [];
  let rollbackId = '';
  let undoId = '';
  let dataKeys: Buffer[] = [];

  /** A call of the API whose answer (and any refusal) joins the searched texts. */
  async function call(request: ApiRequest): Promise<ApiAnswer> {
    const body = request.body as { password?: unknown; totp?: unknown } | undefined;
    if (typeof body?.password === 'string') passwordsSent.add(body.password);
    if (typeof body?.totp === 'string') codesSent.add(body.totp);
    const answer = await api(request);
    const issued = typeof answer.body.token === 'string' ? answer.body.token : undefined;
    if (issued !== undefined) tokens.push(issued);
    texts.push({ where: `answer to ${request.method} ${request.path} (${String(answer.status)})`, text: `${JSON.stringify(answer.body)}\n${JSON.stringify(answer.headers)}`, ...(issued !== undefined ? { issued } : {}) });
    if (typeof answer.body.error === 'string') texts.push({ where: `refusal of ${request.method} ${request.path}`, text: answer.body.error });
    return answer;
  }

  /** The next 30-second step and the administrator's code for it. */
  function freshCode(): string {
    clock.advance(TOTP_STEP_SECONDS * 1000);
    return totpCode(ADMIN.secret, clock.now());
  }

  async function signIn(): Promise<string> {
    const answer = await call({ method: 'POST', path: '/api/sessions', body: { username: ADMIN.username, password: ADMIN.password, totp: freshCode() } });
    expect(answer.status).toBe(201);
    return (answer.body as unknown as SessionResponse).token;
  }

  async function untilFinished(id: string, token: string): Promise<RollbackStatusResponse> {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const answer = await call({ method: 'GET', path: `/api/rollbacks/${id}`, token });
      expect(answer.status).toBe(200);
      const status = answer.body as unknown as RollbackStatusResponse;
      if (status.finished && status.steps.some((s) => s.state === 'ReleaseLock' && s.status === 'succeeded')) return status;
      if (Date.now() > deadline) throw new Error(`rollback ${id} did not finish: ${status.phase} at ${status.step}`);
      await sleep(150);
    }
  }

  beforeAll(async () => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) consoleSpies.push(vi.spyOn(console, method));
    env = await startLocalTestEnv({ scale: 0.002, clock });
    const operations = localRollbackOperations(env.runtime);
    let deps: Promise<AdminApiDeps> | undefined;
    const depsOnce = (): Promise<AdminApiDeps> =>
      (deps ??= localAdminApiDeps(env.runtime, operations, (message, err) => {
        logged.push({ message, err });
      }));
    api = apiCaller(depsOnce);
    portalFolder = await mkdtemp(join(tmpdir(), 'wing-portal-'));
    server = await startAdminHttpServer({ deps: depsOnce, portalFolder, requestLog: join(env.runtime.paths.logs, 'api-requests.log'), port: 0 });

    // Signed in, then refused attempts: wrong password, wrong code, a replayed code, a forged token,
    // a malformed sign-in, a wrong password confirmation (4 counted failures: below the lockout).
    const first = await signIn();
    const firstCode = [...codesSent].at(-1) ?? '';
    const code = freshCode();
    expect((await call({ method: 'POST', path: '/api/sessions', body: { username: ADMIN.username, password: WRONG_PASSWORD, totp: code } })).status).toBe(401);
    // A code of another day: not accepted now, and a plausible random number.
    const wrong = totpCode(ADMIN.secret, new Date(clock.now().getTime() + 86_400_000));
    expect([code, firstCode]).not.toContain(wrong);
    expect((await call({ method: 'POST', path: '/api/sessions', body: { username: ADMIN.username, password: ADMIN.password, totp: wrong } })).status).toBe(401);
    const replay = await call({ method: 'POST', path: '/api/sessions', body: { username: ADMIN.username, password: ADMIN.password, totp: firstCode } });
    expect(replay.status).toBe(401);
    expect((await call({ method: 'POST', path: '/api/sessions', body: { username: ADMIN.username, password: ADMIN.password, totp: `${code}0`, note: 'malformed' } })).status).toBe(400);
    const now = Math.floor(clock.now().getTime() / 1000);
    const forged = await new SignJWT({ level: 'admin' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer(SESSION_ISSUER).setSubject('admin').setJti('00000000-0000-4000-8000-000000000001').setIssuedAt(now).setExpirationTime(now + 600).sign(randomBytes(32));
    tokens.push(forged);
    expect((await call({ method: 'GET', path: '/api/backups', token: forged })).status).toBe(401);
    // The first session's token, tampered (its signature kept): refused too.
    const [h, , sig] = first.split('.');
    expect((await call({ method: 'GET', path: '/api/system', token: `${h ?? ''}.${Buffer.from('{"sub":"admin","level":"admin"}').toString('base64url')}.${sig ?? ''}` })).status).toBe(401);
    expect((await call({ method: 'POST', path: '/api/system/safe-mode', token: first, body: { enabled: true, reason: 'leak test', password: WRONG_PASSWORD } })).status).toBe(403);

    // A successful sign-in clears the failures; then a full rollback through the API, to its end.
    const token = await signIn();
    const started = await call({ method: 'POST', path: '/api/rollbacks', token, body: { command: 'rollback:emergency', reason: 'leak test: bad deploy', confirmDataLoss: true, password: ADMIN.password } });
    expect(started.status).toBe(202);
    rollbackId = (started.body as unknown as RollbackStartedResponse).rollbackId;
    const done = await untilFinished(rollbackId, token);
    expect(done).toMatchObject({ phase: 'Completed', systemMode: 'normal' });
    expect(done.components.map((c) => c.component)).toEqual(COMPONENTS);
    // The demo data changed since the point: the rollback wrote or deleted something.
    expect(done.components.reduce((n, c) => n + c.written + c.deleted, 0)).toBeGreaterThan(0);
    const log = await call({ method: 'GET', path: `/api/rollbacks/${rollbackId}/log`, token });
    expect(log.status).toBe(200);

    // Its undo, to its end.
    const undo = await call({ method: 'POST', path: '/api/rollbacks/undo', token, body: { password: ADMIN.password, reason: 'leak test: undo' } });
    expect(undo.status).toBe(202);
    undoId = (undo.body as unknown as RollbackStartedResponse).rollbackId;
    expect(undoId).not.toBe(rollbackId);
    const undone = await untilFinished(undoId, token);
    expect(undone.finished).toBe(true);
    for (const path of ['/api/rollbacks', '/api/audit?limit=1000', '/api/backups', '/api/system', '/api/sessions/current']) expect((await call({ method: 'GET', path, token })).status).toBe(200);

    // Through the local HTTP server, which writes logs/api-requests.log: a sign-in, calls with the
    // token (one with tokens in the query string too), a forged token, a sign-out.
    const http = async (method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<number> => {
      const body = options.body as { password?: unknown; totp?: unknown } | undefined;
      if (typeof body?.password === 'string') passwordsSent.add(body.password);
      if (typeof body?.totp === 'string') codesSent.add(body.totp);
      const res = await fetch(new URL(path, server.url), {
        method,
        headers: { ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}), ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
      const text = await res.text();
      const parsed = JSON.parse(text) as { token?: unknown };
      const issued = typeof parsed.token === 'string' ? parsed.token : undefined;
      if (issued !== undefined) tokens.push(issued);
      texts.push({ where: `HTTP answer to ${method} ${path.slice(0, 40)}`, text: `${text}\n${JSON.stringify([...res.headers.entries()])}`, ...(issued !== undefined ? { issued } : {}) });
      return res.status;
    };
    expect(await http('POST', '/api/sessions', { body: { username: ADMIN.username, password: ADMIN.password, totp: freshCode() } })).toBe(201);
    const viaHttp = tokens.at(-1) ?? '';
    expect(await http('GET', '/api/sessions/current', { token: viaHttp })).toBe(200);
    expect(await http('GET', `/api/backups?token=${viaHttp}&access_token=${token}&password=${encodeURIComponent(ADMIN.password)}`, { token: viaHttp })).toBe(200);
    expect(await http('GET', '/api/rollbacks/latest', { token: forged })).toBe(401);
    expect(await http('POST', '/api/system/safe-mode', { token: viaHttp, body: { enabled: 'yes', reason: 'x', password: ADMIN.password } })).toBe(400);
    expect(await http('DELETE', '/api/sessions/current', { token: viaHttp })).toBe(200);
    expect(await http('GET', '/api/sessions/current', { token: viaHttp })).toBe(401);

    // Plaintext data keys: every pack of the vault, its data key unwrapped with the runtime's key
    // service, and proven right by decrypting the pack with it directly.
    const ring = new KeyRing(env.runtime.keys);
    const keys = new Map<string, Buffer>();
    for (const component of COMPONENTS) {
      for await (const object of env.runtime.vaultStore.list(vaultLayout.packsPrefix(component))) {
        const bytes = await env.runtime.vaultStore.get(object.key);
        const key = await sealedObjectKey(bytes, object.key, ring);
        const headerEnd = 7 + bytes.readUInt16BE(5);
        const header = JSON.parse(bytes.subarray(7, headerEnd).toString('utf8')) as { iv: string; id: string };
        const decipher = createDecipheriv('aes-256-gcm', key.plaintext, Buffer.from(header.iv, 'base64'));
        decipher.setAAD(bytes.subarray(0, headerEnd));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        const plain = Buffer.concat([decipher.update(bytes.subarray(headerEnd, bytes.length - 16)), decipher.final()]);
        expect(plain.equals(await openObject(bytes, { kind: SealedKind.Pack, id: header.id, storeKey: object.key }, ring))).toBe(true);
        keys.set(key.plaintext.toString('hex'), key.plaintext);
      }
    }
    dataKeys = [...keys.values()];

    const sessionKey = Buffer.from((await readFile(sessionKeyPath(env.runtime), 'utf8')).trim(), 'base64');
    const masterKey = Buffer.from((await readFile(env.runtime.paths.masterKey, 'utf8')).trim(), 'base64');
    expect([sessionKey.length, masterKey.length]).toEqual([32, 32]);
    const totpBytes = base32Bytes(ADMIN.secret);

    secrets.push(
      { name: 'admin password', forms: [ADMIN.password, encodeURIComponent(ADMIN.password), ADMIN.password.replace(/ /g, '+')] },
      ...[...passwordsSent].filter((p) => p !== ADMIN.password).map((p) => ({ name: `password attempt ${p.slice(0, 4)}…`, forms: [p] })),
      { name: 'TOTP secret', forms: [ADMIN.secret, ADMIN.secret.toLowerCase(), ...keyForms(totpBytes)] },
      ...[...codesSent].map((c) => ({ name: `TOTP code ${c}`, forms: [c], code: true })),
      ...[...new Set(tokens)].flatMap((t, i) => [
        { name: `session token ${String(i)}`, forms: [t] },
        { name: `session token ${String(i)} signature`, forms: [t.split('.')[2] ?? t] },
      ]),
      { name: 'session signing key', forms: keyForms(sessionKey) },
      { name: 'local master key', forms: keyForms(masterKey) },
      ...dataKeys.map((k, i) => ({ name: `data key ${String(i)}`, forms: keyForms(k) })),
    );
  }, 180_000);

  afterAll(async () => {
    for (const spy of consoleSpies) spy.mockRestore();
    await server.close();
    await env.dispose();
    await rm(portalFolder, { recursive: true, force: true });
  });

  it('has the secrets to look for: password attempts, codes, tokens, keys and data keys', () => {
    expect(passwordsSent.size).toBeGreaterThanOrEqual(2);
    expect(codesSent.size).toBeGreaterThanOrEqual(5);
    expect(new Set(tokens).size).toBeGreaterThanOrEqual(4);
    expect(dataKeys.length).toBeGreaterThanOrEqual(COMPONENTS.length);
    // Every data key differs from the master key, and every form of every secret is long enough to mean something.
    for (const secret of secrets) for (const form of secret.forms) expect(form.length, secret.name).toBeGreaterThanOrEqual(secret.code ? 6 : 16);
  });

  it('the search finds every secret, in every form, when it is there', () => {
    for (const secret of secrets) {
      for (const form of secret.forms) {
        const samples = [`prefix ${form} suffix`, JSON.stringify({ detail: `x=${form}` }), form, `"totp":"${form}"`];
        for (const sample of samples) expect(leaksIn(sample, secrets), `${secret.name} in ${sample.slice(0, 80)}`).toContain(secret.name);
        if (/^[0-9a-f]+$/.test(form)) expect(leaksIn(`KEY ${form.toUpperCase()}`, secrets)).toContain(secret.name);
      }
    }
    // A code is found as a number, not inside a longer one (a timestamp, a hash).
    const code = [...codesSent][0] ?? '';
    expect(leaksIn(`1${code}2`, secrets)).not.toContain(`TOTP code ${code}`);
    expect(leaksIn(`code ${code}.`, secrets)).toContain(`TOTP code ${code}`);
    // A sign-in answer carries its own token (and only that one).
    const issued = tokens[0] ?? '';
    expect(leaksIn(JSON.stringify({ token: issued }), secrets, issued)).toEqual([]);
    expect(leaksIn(JSON.stringify({ token: issued, other: tokens[1] }), secrets, issued).length).toBeGreaterThan(0);
  });

  it('finds none in the logs folder, the outbox, the audit trail, the journal, the answers, the errors or the console', async () => {
    // Every file under logs/ (rollback logs, execution history, api-requests.log, anything).
    const logFiles = await filesUnder(env.runtime.paths.logs);
    for (const file of logFiles) texts.push({ where: file, text: await readFile(file, 'utf8') });
    const outbox = await readFile(env.runtime.paths.notifications, 'utf8');
    texts.push({ where: 'notifications.jsonl', text: outbox });
    const audit = await env.runtime.services.audit.all();
    for (const r of audit) texts.push({ where: `audit record ${String(r.position)}`, text: JSON.stringify(r) });
    for (const copy of await env.runtime.services.audit.mirror.all()) texts.push({ where: `audit bucket copy ${String(copy.position)}`, text: copy.body });
    const journal = await env.runtime.services.journal.list();
    for (const record of journal) {
      texts.push({ where: `journal ${record.rollbackId}`, text: JSON.stringify(record) });
      texts.push({ where: `journal progress ${record.rollbackId}`, text: JSON.stringify(await env.runtime.services.journal.listProgress(record.rollbackId)) });
    }
    for (const l of logged) texts.push({ where: `logError: ${l.message}`, text: `${l.message}\n${errorText(l.err)}` });
    for (const spy of consoleSpies) for (const args of spy.mock.calls) texts.push({ where: 'console', text: args.map((a) => (typeof a === 'string' ? a : errorText(a))).join(' ') });

    // The corpus is not trivial: the rollback and its undo wrote their logs, the outbox, the audit
    // trail and the journal; the HTTP server logged its requests; refusals were collected.
    const rollbackLog = logFiles.find((f) => f.endsWith(`rollback-${rollbackId}.log`));
    expect(rollbackLog, `logs: ${logFiles.join(', ')}`).toBeDefined();
    const rollbackLogText = await readFile(rollbackLog ?? '', 'utf8');
    expect(rollbackLogText.split('\n').filter((l) => l.includes('component=')).length).toBeGreaterThanOrEqual(COMPONENTS.length);
    expect(logFiles.some((f) => f.endsWith(`rollback-${undoId}.log`))).toBe(true);
    const requestLog = await readFile(join(env.runtime.paths.logs, 'api-requests.log'), 'utf8');
    expect(requestLog.trim().split('\n').length).toBeGreaterThanOrEqual(7);
    expect(outbox.trim().split('\n').length).toBeGreaterThanOrEqual(5);
    expect(outbox).toContain(rollbackId);
    expect(audit.length).toBeGreaterThan(10);
    expect(audit.filter((r) => r.record.action === 'session.signIn' && r.record.outcome === 'refused').length).toBeGreaterThanOrEqual(4);
    expect(journal.map((r) => r.rollbackId).sort()).toEqual([rollbackId, undoId].sort());
    expect(texts.filter((t) => t.where.startsWith('refusal of')).length).toBeGreaterThanOrEqual(6);
    expect(texts.filter((t) => t.where.startsWith('answer to')).length).toBeGreaterThan(15);
    expect(texts.reduce((n, t) => n + t.text.length, 0)).toBeGreaterThan(50_000);

    console.info(`secret-leak: ${String(secrets.length)} secrets (${String(dataKeys.length)} data keys, ${String(codesSent.size)} codes, ${String(new Set(tokens).size)} tokens) searched in ${String(texts.length)} texts, ${String(texts.reduce((n, t) => n + t.text.length, 0))} characters; log files: ${logFiles.map((f) => f.slice(env.runtime.paths.logs.length + 1)).join(', ')}`);
    const leaks = texts.flatMap((t) => leaksIn(t.text, secrets, t.issued).map((name) => `${name} in ${t.where}`));
    expect(leaks).toEqual([]);
    // No internal error on the way (a 5xx would have been logged through logError).
    expect(logged.map((l) => l.message)).toEqual([]);
  });
});
