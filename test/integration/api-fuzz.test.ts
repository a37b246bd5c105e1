/**
 * Property-based robustness of every input of the admin API, in-process over the local emulators:
 * for each route with a body, a query string or a path parameter, fast-check generates requests
 * that are certainly invalid (one field of a valid request broken, a field missing or added,
 * prototype-pollution keys, huge and deeply nested values, bodies that are not JSON or not an
 * object, wrong content types, base64 bodies, malformed query strings and path segments) and
 * sends them as a signed-in administrator, without a token or with a garbage one.
 *
 * Every answer must be a 4xx JSON refusal `{ success: false, error }` (never 2xx, never 5xx), and
 * nothing may change: the four component tables, the vision-lake documents, the rollback journal,
 * the catalog's recovery points, the system mode and the lock are the same before and after. Only
 * the audit trail grows (refused sign-ins and unauthenticated calls are recorded).
 *
 * Safety of the generators: they break a valid request, and what the server would parse of each
 * body is checked against the route's own schema before it is sent (a body the schema would accept
 * is never sent), every base request carries a wrong password (so nothing could start even then),
 * and no well-formed sign-in is ever sent with a wrong credential (that would count towards the
 * lockout). One session token serves the whole file (the manual clock stands still).
 *
 * Found with it (fixed in src/api/routes/session-routes.ts): a malformed sign-in whose unknown keys
 * were large answered 500, because the refusal message quoting them went whole into the audit
 * record, larger than a DynamoDB item may be (see the regression test below).
 */
import fc from 'fast-check';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { routeGroupHandler, type AdminApiDeps, type AdminApiHandler, type ApiRoute } from '../../src/api/admin-api.js';
import { errorResponse, type ApiResult } from '../../src/api/api-http.js';
import { auditQuery, cleanupRequest, clearAuthCacheRequest, createBackupRequest, drillRequest, healthQuery, planQuery, repairPlanQuery, restartAgentsRequest, resyncVisionLakeRequest, retentionRequest, safeModeRequest, signInRequest, startRepairRequest, startRollbackRequest, undoRequest, verifyBackupRequest } from '../../src/api/api-schemas.js';
import { routeGroupFor, routeGroups } from '../../src/api/route-groups.js';
import { TOTP_STEP_SECONDS, totpCode } from '../../src/core/credentials.js';
import { NotFoundError } from '../../src/core/errors.js';
import { defaultPlanInput, parsePlan } from '../../src/core/plan.js';
import { ManualClock } from '../../src/core/ports.js';
import { ROLLBACK_COMMAND_NAMES } from '../../src/core/rollback-commands.js';
import { localAdminApiDeps } from '../../src/local/local-admin-api.js';
import { localRollbackOperations } from '../../src/local/local-rollback.js';
import { REPAIR_COMMAND_NAMES, repairRequestOf } from '../../src/rollback/repair-commands.js';
import { apiGatewayEvent } from '../support/api-events.js';
import { startLocalTestEnv, tableState, TEST_ADMIN, type LocalTestEnv } from '../support/local-env.js';

const COMPONENT_TABLES = ['wing-vision-lake', 'wing-auth', 'wing-agents', 'wing-squadrons'];
const DOCUMENTS_BUCKET = 'wing-vision-lake-documents';
/** Never the administrator's password: even a body that slipped through could not act. */
const WRONG_PASSWORD = 'fuzz-Wrong-Pa55word-Zq9';
/** A key no code of the project uses: Object.prototype must never gain it. */
const POLLUTION_MARK = 'wingFuzzPolluted';

/** Runs per category and route: 87 (body route, category) pairs × 10 + 3 query routes × 6 × 10 + 2 path routes × 5 × 10 ≈ 1,150. */
const BODY_RUNS = 10;
const QUERY_RUNS = 10;
const PATH_RUNS = 10;
const MIN_REQUESTS = 1000;

// ---------------------------------------------------------------------------------------------
// JSON with raw parts (numbers JSON.stringify cannot write, deep nesting) and any own keys

/** A piece of JSON text inserted verbatim where the value stands. */
class Raw {
  constructor(readonly text: string) {}
}

function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof Raw ? `\u0000raw${String(raws.push(v.text) - 1)}\u0000` : v));
  return text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)] ?? '');
}

/** A copy of `base` with `key` set as an own property (`__proto__` included). */
function withKey(base: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

function without(base: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(base).filter(([k]) => k !== key));
}

/** A generated value that fast-check prints shortly in a counterexample (bodies can be 300 KB). */
function printable<T extends object>(value: T): T {
  return Object.assign(value, {
    [fc.toStringMethod]: () => {
      const text = JSON.stringify(value);
      return text.length <= 600 ? text : `${text.slice(0, 600)}… (${String(text.length)} characters)`;
    },
  });
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** What parseBody (src/api/api-http.ts) makes of a body, or undefined when it is not JSON. */
function serverView(body: string | null, base64: boolean): { value: unknown } | undefined {
  const text = body === null || body === '' ? '' : base64 ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (text.trim() === '') return { value: {} };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Value generators

const smallJson = fc.jsonValue({ maxDepth: 2 });
const nonString = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.array(smallJson, { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), smallJson, { maxKeys: 4 }),
);
const nonBoolean = fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.constantFrom('true', 'false', 0, 1, [], {}), fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }));
const notTrue = fc.oneof(fc.constant(false), fc.constantFrom('true', 'yes', 1, null, [true], { value: true }), fc.string(), fc.integer());
const nonNumber = fc.oneof(fc.constant(null), fc.boolean(), fc.string(), fc.constantFrom('5', 'NaN', 'Infinity', '0', [], {}, [1]));
/** A character per huge string: ASCII, accented, CJK, astral (two UTF-16 units), NUL. */
const hugeChar = fc.constantFrom('x', 'é', '漢', '😀', '\u0000', 'Z9');

/** A string of more than `max` UTF-16 units that is not whitespace (so trim cannot bring it under). */
function tooLong(max: number): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: max + 1, max: max + 3000 }), hugeChar).map(([n, c]) => c.repeat(Math.ceil(n / c.length)));
}

function notMatching(re: RegExp): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constantFrom('', ' ', '../../etc/passwd', '%00', '\u0000', 'rp-', 'rb-', 'rp-ä', 'rb-ä', 'rp-a b', 'rb-a/b', 'RP-1', 'null', 'undefined', '١٢٣٤٥٦', '12345', '1234567', ' 123456', '123456 ', '12 456', '１２３４５６'),
    )
    .filter((s) => !re.test(s));
}

function badId(prefix: 'rp' | 'rb'): fc.Arbitrary<unknown> {
  const re = prefix === 'rp' ? /^rp-[A-Za-z0-9-]+$/ : /^rb-[A-Za-z0-9-]+$/;
  return fc.oneof(nonString, notMatching(re), fc.integer({ min: 129, max: 5000 }).map((n) => `${prefix}-${'a'.repeat(n)}`));
}

const whitespaceOnly = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u3000', '\ufeff', '\u2028'), maxLength: 20 });

const invalid = {
  username: fc.oneof(nonString, whitespaceOnly, tooLong(128)),
  password: fc.oneof(nonString, fc.constant(''), tooLong(1024)),
  totp: fc.oneof(nonString, notMatching(/^\d{6}$/), tooLong(6)),
  reason: fc.oneof(nonString, tooLong(1000)),
  command: fc.oneof(
    nonString,
    fc.string({ maxLength: 30 }).filter((s) => !(ROLLBACK_COMMAND_NAMES as readonly string[]).includes(s)),
    fc.constantFrom('rollback:emergеncy' /* Cyrillic e */, 'ROLLBACK:FULL', 'rollback:full ', ' rollback:quick', 'rollback:*', 'rollback:emergency\u0000', '__proto__', 'constructor'),
  ),
  confirmDataLoss: notTrue,
  hours: fc.oneof(nonNumber, fc.integer({ max: -1 }), fc.integer({ min: 8785 }), fc.double({ min: 8784.5, max: 1e300, noNaN: true }), fc.constantFrom(new Raw('1e400'), new Raw('-1e400'), new Raw('-1'), new Raw('1e999'))),
  recoveryPointId: badId('rp'),
  rollbackId: badId('rb'),
  component: fc.oneof(nonString, fc.constant(''), tooLong(64)),
  repairCommand: fc.oneof(
    nonString,
    fc.string({ maxLength: 30 }).filter((s) => !(REPAIR_COMMAND_NAMES as readonly string[]).includes(s)),
    fc.constantFrom(...ROLLBACK_COMMAND_NAMES, 'repair:Component', 'agent:restore ', 'agent:*', '__proto__', 'constructor'),
  ),
  agentId: fc.oneof(nonString, fc.constant(''), tooLong(128), fc.constantFrom('a#b', 'AGENT#x', '../x', 'a b', 'ä', 'x\u0000')),
  backupType: fc.oneof(nonString, fc.string({ maxLength: 20 }).filter((s) => s !== 'full' && s !== 'incremental'), fc.constantFrom('FULL', 'full ', 'Incremental', 'differential')),
  boolean: nonBoolean,
  isTrue: notTrue,
};

/** Deeply nested JSON text (arrays or objects), up to 60,000 levels. */
const deepJson = fc.tuple(fc.integer({ min: 100, max: 60_000 }), fc.boolean()).map(([depth, arrays]) => (arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

const notJsonText = fc
  .oneof(
    fc.constantFrom(
      '{',
      '{"username":',
      "{'username':'admin'}",
      '{"a":1,}',
      '{"a":1}}',
      '[1,2',
      'undefined',
      'NaN',
      '{"hours":NaN}',
      '{"hours":Infinity}',
      '{"a":01}',
      '{"a":"\u0000"}',
      '<?xml version="1.0"?><request/>',
      'username=admin&password=x&totp=123456',
      '--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nx\r\n--b--',
      '\u0000\u0001\u0002',
      '\ufeff{"a":1}',
      '{"__proto__":',
    ),
    fc.string({ unit: 'binary', maxLength: 60 }).map((s) => `{${s}`),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
  )
  .filter((t) => t.trim() !== '' && !parses(t));

const nonObjectJson = fc
  .oneof(fc.constant(null), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.string({ maxLength: 40 }), fc.array(smallJson, { maxLength: 5 }), fc.constantFrom([], [{}], '{}', 'null'))
  .map((v) => JSON.stringify(v));

const pollutionKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf');
const pollutionValue = fc.constantFrom<unknown>(
  { [POLLUTION_MARK]: true, level: 'admin', isAdmin: true },
  { prototype: { [POLLUTION_MARK]: true } },
  null,
  'admin',
  1,
  [{ [POLLUTION_MARK]: true }],
);

const CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=b', 'application/xml', 'application/json; charset=utf-16', 'APPLICATION/JSON', '', '*/*'] as const;

// ---------------------------------------------------------------------------------------------
// Route specifications

interface Field {
  readonly name: string;
  readonly required: boolean;
  readonly invalid: fc.Arbitrary<unknown>;
  /** A string field: a huge value of it is invalid too. */
  readonly text: boolean;
}

interface BodySpec {
  readonly kind: 'body';
  readonly method: 'POST';
  readonly path: string;
  readonly schema: z.ZodType;
  /** Valid in shape, with a wrong password; never sent as it is. */
  readonly base: Record<string, unknown>;
  readonly fields: readonly Field[];
  /** `{}` (an empty body) is a valid request of this route: never sent. */
  readonly emptyIsValid: boolean;
}

interface QueryParam {
  readonly name: string;
  readonly valid: fc.Arbitrary<string>;
  readonly invalid: fc.Arbitrary<string>;
}

interface QuerySpec {
  readonly kind: 'query';
  readonly method: 'GET';
  readonly path: string;
  readonly params: readonly QueryParam[];
  /** The query (as the handler receives it) is refused: the schema rejects it, or (health) the component is unknown. */
  readonly refused: (query: Record<string, string>) => boolean;
}

interface PathSpec {
  readonly kind: 'path';
  readonly method: 'GET';
  readonly path: string;
  /** The path for a segment. */
  readonly at: (segment: string) => string;
}

type Spec = BodySpec | QuerySpec | PathSpec;

const field = (name: string, required: boolean, arb: fc.Arbitrary<unknown>, text = true): Field => ({ name, required, invalid: arb, text });

const PLAN_COMPONENTS = ['vision-lake', 'auth', 'agents', 'squadrons'];
const DEFAULT_PLAN = parsePlan(defaultPlanInput());

const SPECS: readonly Spec[] = [
  {
    kind: 'body',
    method: 'POST',
    path: '/api/sessions',
    schema: signInRequest,
    base: { username: TEST_ADMIN.WING_ADMIN_USERNAME, password: WRONG_PASSWORD, totp: '000000' },
    fields: [field('username', true, invalid.username), field('password', true, invalid.password), field('totp', true, invalid.totp)],
    emptyIsValid: false,
  },
  {
    kind: 'body',
    method: 'POST',
    path: '/api/rollbacks',
    schema: startRollbackRequest,
    base: { command: 'rollback:emergency', reason: 'fuzz', confirmDataLoss: true, password: WRONG_PASSWORD },
    fields: [
      field('command', true, invalid.command),
      field('reason', true, invalid.reason),
      field('confirmDataLoss', true, invalid.confirmDataLoss, false),
      field('password', true, invalid.password),
      field('hours', false, invalid.hours, false),
      field('backupId', false, invalid.recoveryPointId),
      field('expectRecoveryPointId', false, invalid.recoveryPointId),
    ],
    emptyIsValid: false,
  },
  {
    kind: 'body',
    method: 'POST',
    path: '/api/rollbacks/repair',
    schema: startRepairRequest,
    base: { command: 'repair:component', component: 'vision-lake', reason: 'fuzz', confirmDataLoss: true, password: WRONG_PASSWORD },
    fields: [
      field('command', true, invalid.repairCommand),
      field('reason', true, invalid.reason),
      field('confirmDataLoss', true, invalid.confirmDataLoss, false),
      field('password', true, invalid.password),
      field('component', false, invalid.component),
      field('agentId', false, invalid.agentId),
      field('backupId', false, invalid.recoveryPointId),
      field('expectRecoveryPointId', false, invalid.recoveryPointId),
    ],
    emptyIsValid: false,
  },
  {
    kind: 'body',
    method: 'POST',
    path: '/api/rollbacks/undo',
    schema: undoRequest,
    base: { password: WRONG_PASSWORD },
    fields: [field('password', true, invalid.password), field('rollbackId', false, invalid.rollbackId), field('reason', false, invalid.reason)],
    emptyIsValid: false,
  },
  {
    kind: 'body',
    method: 'POST',
    path: '/api/rollbacks/cleanup',
    schema: cleanupRequest,
    base: { password: WRONG_PASSWORD },
    fields: [field('password', true, invalid.password), field('reason', false, invalid.reason)],
    emptyIsValid: false,
  },
  {
    kind: 'body',
    method: 'POST',
    path: '/api/backups',
    schema: createBackupRequest,
    base: {},
    fields: [field('component', false, invalid.component), field('type', false, invalid.backupType)],
    emptyIsValid: true,
  },
  {
    kind: 'body',
    method: 'POST',
    path: '/api/backups/verify',
    schema: verifyBackupRequest,
    base: { backupId: 'rp-20200101T000000000Z-000000' },
    fields: [field('backupId', true, invalid.recoveryPointId), field('all', false, invalid.isTrue, false)],
    emptyIsValid: false,
  },
  {
    kind: 'body',
    method: 'POST',
    path: '/api/backups/drill',
    schema: drillRequest,
    base: { backupId: 'rp-20200101T000000000Z-000000' },
    fields: [field('backupId', false, invalid.recoveryPointId)],
    // {} is a valid request (a drill of the newest point): only malformed bodies are sent.
    emptyIsValid: true,
  },
  {
    kind: 'body',
    method: 'POST',
    path: '/api/backups/retention',
    schema: retentionRequest,
    base: { dryRun: false, password: WRONG_PASSWORD },
    // Without dryRun it defaults to false: not a required field, but a wrong value is refused.
    fields: [field('password', true, invalid.password), field('dryRun', false, invalid.boolean, false), field('reason', false, invalid.reason)],
    emptyIsValid: false,
  },
  {
    kind: 'body',
    method: 'POST',
    path: '/api/platform/auth-cache/clear',
    schema: clearAuthCacheRequest,
    base: { password: WRONG_PASSWORD },
    fields: [field('password', true, invalid.password), field('reason', false, invalid.reason)],
    emptyIsValid: false,
  },
  {
    kind: 'body',
    method: 'POST',
    path: '/api/platform/agents/restart',
    schema: restartAgentsRequest,
    base: { password: WRONG_PASSWORD },
    fields: [field('password', true, invalid.password), field('agentId', false, invalid.agentId), field('reason', false, invalid.reason)],
    emptyIsValid: false,
  },
  {
    kind: 'body',
    method: 'POST',
    path: '/api/vision-lake/resync',
    schema: resyncVisionLakeRequest,
    base: { force: false, password: WRONG_PASSWORD },
    fields: [field('password', true, invalid.password), field('force', false, invalid.boolean, false), field('reason', false, invalid.reason)],
    emptyIsValid: false,
  },
  {
    kind: 'body',
    method: 'POST',
    path: '/api/system/safe-mode',
    schema: safeModeRequest,
    base: { enabled: true, reason: 'fuzz', password: WRONG_PASSWORD },
    fields: [field('enabled', true, invalid.boolean, false), field('reason', true, invalid.reason), field('password', true, invalid.password)],
    emptyIsValid: false,
  },
  {
    kind: 'query',
    method: 'GET',
    path: '/api/rollbacks/plan',
    params: [
      {
        name: 'hours',
        valid: fc.integer({ min: 0, max: 8784 }).map(String),
        invalid: fc.oneof(
          notMatching(/^\d+(\.\d+)?$/),
          fc.integer({ min: 8785 }).map(String),
          fc.integer({ min: 300, max: 2000 }).map((n) => '9'.repeat(n)),
          fc.constantFrom('-1', '-0', 'NaN', 'Infinity', '1e3', '0x10', '1.', '.5', '+5', '5 ', ' 5', '１', '٥', '1_000', '8784.0001'),
        ),
      },
      { name: 'backupId', valid: fc.constant('rp-20200101T000000000Z-000000'), invalid: badId('rp').filter((v): v is string => typeof v === 'string') },
    ],
    refused: (q) => !planQuery.safeParse(q).success,
  },
  {
    kind: 'query',
    method: 'GET',
    path: '/api/rollbacks/repair-plan',
    params: [
      { name: 'command', valid: fc.constantFrom(...REPAIR_COMMAND_NAMES), invalid: invalid.repairCommand.filter((v): v is string => typeof v === 'string') },
      { name: 'component', valid: fc.constantFrom(...PLAN_COMPONENTS), invalid: fc.constantFrom('', 'nope', 'AUTH', 'auth ', '../auth', '__proto__', 'x'.repeat(70)) },
      { name: 'agentId', valid: fc.constant('agt-0000000000ab'), invalid: invalid.agentId.filter((v): v is string => typeof v === 'string') },
      { name: 'backupId', valid: fc.constant('rp-20200101T000000000Z-000000'), invalid: badId('rp').filter((v): v is string => typeof v === 'string') },
    ],
    // Refused by the schema, or by the command's own rules (a missing or extra flag, an unknown component).
    refused: (q) => {
      const parsed = repairPlanQuery.safeParse(q);
      if (!parsed.success) return true;
      try {
        repairRequestOf(DEFAULT_PLAN, parsed.data.command, parsed.data);
        return false;
      } catch {
        return true;
      }
    },
  },
  {
    kind: 'query',
    method: 'GET',
    path: '/api/health',
    params: [
      {
        name: 'component',
        valid: fc.constantFrom(...PLAN_COMPONENTS),
        // Unknown components are refused (400) by the health check itself.
        invalid: fc.oneof(fc.constant(''), tooLong(64), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), fc.constantFrom('../auth', 'auth ', 'AUTH', '__proto__', 'constructor', 'vision-lake\u0000')).filter((c) => !PLAN_COMPONENTS.includes(c)),
      },
    ],
    refused: (q) => {
      const parsed = healthQuery.safeParse(q);
      return !parsed.success || (parsed.data.component !== undefined && !PLAN_COMPONENTS.includes(parsed.data.component));
    },
  },
  {
    kind: 'query',
    method: 'GET',
    path: '/api/audit',
    params: [
      {
        name: 'limit',
        valid: fc.integer({ min: 1, max: 1000 }).map(String),
        invalid: fc.oneof(
          fc.integer({ max: 0 }).map(String),
          fc.integer({ min: 1001 }).map(String),
          fc.integer({ min: 1, max: 999 }).map((n) => `${String(n)}.5`),
          fc.string({ maxLength: 20 }).map((s) => `a${s}`),
          fc.constantFrom('', ' ', 'NaN', 'Infinity', '-Infinity', '1e4', '9'.repeat(400), 'one', '١٠'),
        ),
      },
    ],
    refused: (q) => !auditQuery.safeParse(q).success,
  },
  { kind: 'path', method: 'GET', path: '/api/rollbacks/{rollbackId}', at: (s) => `/api/rollbacks/${s}` },
  { kind: 'path', method: 'GET', path: '/api/rollbacks/{rollbackId}/log', at: (s) => `/api/rollbacks/${s}/log` },
];

// ---------------------------------------------------------------------------------------------
// Requests

type Auth = 'session' | 'none' | 'garbage';

interface FuzzRequest {
  readonly method: string;
  /** Path and query string (normalised like a URL). */
  readonly path: string;
  /** The event's path as it is, not normalised (`/api/rollbacks/../x`). */
  readonly rawPath?: string;
  /** Path parameters as API Gateway would set them (they win over the router's). */
  readonly pathParameters?: Record<string, string>;
  readonly auth: Auth;
  readonly body?: string;
  /** `undefined`: application/json; `null`: no content type at all. */
  readonly contentType?: string | null;
  readonly base64?: boolean;
  readonly category: string;
}

const authArb: fc.Arbitrary<Auth> = fc.oneof({ weight: 8, arbitrary: fc.constant<Auth>('session') }, { weight: 1, arbitrary: fc.constant<Auth>('none') }, { weight: 1, arbitrary: fc.constant<Auth>('garbage') });
const garbageToken = fc.oneof(fc.string({ minLength: 1, maxLength: 200 }).filter((s) => /^\S+$/.test(s)), fc.constantFrom('a.b.c', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.', 'null', '__proto__'));

function bodyCategories(spec: BodySpec): Record<string, fc.Arbitrary<{ body: string; contentType?: string | null; base64?: boolean }>> {
  const required = spec.fields.filter((f) => f.required);
  const texts = spec.fields.filter((f) => f.text);
  const known = new Set(spec.fields.map((f) => f.name));
  const wrongField = fc.constantFrom(...spec.fields).chain((f) => f.invalid.map((v) => withKey(without(spec.base, f.name), f.name, v)));
  const missing = required.length > 0 ? fc.constantFrom(...required).map((f) => without(spec.base, f.name)) : wrongField;
  const extraKey = fc.tuple(fc.string({ minLength: 0, maxLength: 30 }).filter((k) => !known.has(k)), smallJson).map(([k, v]) => withKey(spec.base, k, v));
  /** One certainly-invalid object body. */
  const broken = fc.oneof(wrongField, missing, extraKey);
  const categories: Record<string, fc.Arbitrary<{ body: string; contentType?: string | null; base64?: boolean }>> = {
    'not JSON': notJsonText.map((body) => ({ body })),
    'JSON that is not an object': fc.oneof(nonObjectJson, fc.constant(JSON.stringify([spec.base]))).map((body) => ({ body })),
    'a required field missing': missing.map((b) => ({ body: toJson(b) })),
    'a field of the wrong type or value': wrongField.map((b) => ({ body: toJson(b) })),
    'an extra field': fc
      .oneof(extraKey, fc.tuple(fc.integer({ min: 2, max: 200 }), smallJson).map(([n, v]) => Array.from({ length: n }, (_, i) => `extra${String(i)}`).reduce((o, k) => withKey(o, k, v), spec.base)))
      .map((b) => ({ body: toJson(b) })),
    'prototype-pollution keys': fc
      .oneof(
        fc.tuple(pollutionKey, pollutionValue).map(([k, v]) => withKey(spec.base, k, v)),
        // Nested: a field's value carries the keys.
        fc.tuple(fc.constantFrom(...spec.fields), pollutionKey).map(([f, k]) => withKey(spec.base, f.name, withKey({}, k, { [POLLUTION_MARK]: true }))),
      )
      .map((b) => ({ body: toJson(b) })),
    'huge strings': fc
      .oneof(
        ...(texts.length > 0 ? [fc.tuple(fc.constantFrom(...texts), fc.integer({ min: 10_000, max: 300_000 }), hugeChar).map(([f, n, c]) => withKey(without(spec.base, f.name), f.name, c.repeat(n)))] : []),
        // A huge key, and a huge value of an unknown key.
        fc.tuple(fc.integer({ min: 10_000, max: 300_000 }), hugeChar).map(([n, c]) => withKey(spec.base, `k${c.repeat(n)}`, 1)),
        fc.tuple(fc.integer({ min: 10_000, max: 300_000 }), hugeChar).map(([n, c]) => withKey(spec.base, 'note', c.repeat(n))),
      )
      .map((b) => ({ body: toJson(b) })),
    'deeply nested': fc
      .oneof(
        deepJson.map((deep) => ({ body: deep })),
        fc.tuple(fc.constantFrom(...spec.fields), deepJson).map(([f, deep]) => ({ body: toJson(withKey(without(spec.base, f.name), f.name, new Raw(deep))) })),
        deepJson.map((deep) => ({ body: toJson(withKey(spec.base, 'nested', new Raw(deep))) })),
      ),
    'wrong content type': fc
      .tuple(fc.oneof(broken.map((b) => toJson(b)), notJsonText, fc.constant('username=admin&password=x&totp=123456')), fc.oneof(fc.constantFrom<string | null>(...CONTENT_TYPES), fc.constant(null)))
      .map(([body, contentType]) => ({ body, contentType })),
    'base64-encoded body': fc.oneof(
      broken.map((b) => ({ body: Buffer.from(toJson(b), 'utf8').toString('base64'), base64: true })),
      // Not base64 at all, or base64 of something that is not JSON.
      fc.string({ minLength: 1, maxLength: 60 }).map((s) => ({ body: s, base64: true })),
      notJsonText.map((t) => ({ body: Buffer.from(t, 'utf8').toString('base64'), base64: true })),
    ),
  };
  if (!spec.emptyIsValid) categories['empty body'] = fc.oneof(fc.constant(''), whitespaceOnly.filter((s) => s !== '')).map((body) => ({ body }));
  return categories;
}

/** encodeURIComponent, for ill-formed UTF-16 too (a lone surrogate becomes a malformed escape). */
function encode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return `${encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, ''))}%ED%A0%80`;
  }
}

function queryString(entries: readonly (readonly [string, string])[]): string {
  return entries.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
}

function queryCategories(spec: QuerySpec): Record<string, fc.Arbitrary<string>> {
  const known = new Set(spec.params.map((p) => p.name));
  const others = (except: string): fc.Arbitrary<[string, string][]> =>
    fc.tuple(...spec.params.filter((p) => p.name !== except).map((p) => fc.option(p.valid.map((v): [string, string] => [p.name, v]), { nil: undefined }))).map((xs) => xs.filter((x): x is [string, string] => x !== undefined));
  const badValue = fc.constantFrom(...spec.params).chain((p) => fc.tuple(p.invalid, others(p.name)).map(([v, rest]): [string, string][] => [...rest, [p.name, v]]));
  const validSome = fc.tuple(...spec.params.map((p) => fc.option(p.valid.map((v): [string, string] => [p.name, v]), { nil: undefined }))).map((xs) => xs.filter((x): x is [string, string] => x !== undefined));
  return {
    'a parameter of the wrong value': badValue.map(queryString),
    'an unknown parameter': fc
      .tuple(validSome, fc.oneof(fc.string({ maxLength: 20 }).filter((k) => !known.has(k)), pollutionKey, fc.constantFrom('hour', 'Hours', 'limit[]', 'component[0]')), fc.string({ maxLength: 20 }))
      .map(([rest, k, v]) => queryString([...rest, [k, v]])),
    'huge values': fc
      .tuple(fc.constantFrom(...spec.params), fc.integer({ min: 5000, max: 100_000 }), hugeChar)
      .map(([p, n, c]) => queryString([[p.name, c.repeat(n)]])),
    'unicode and encoded junk': fc.tuple(fc.constantFrom(...spec.params), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 })).map(([p, v]) => queryString([[p.name, v]])),
    'malformed query strings': fc.tuple(fc.constantFrom(...spec.params), fc.constantFrom('%', '%ZZ', '%E0%A4%A', '%00', '%u0031', '=', '&&&', '%2', '[]', '=1', '==')).map(([p, junk]) => (junk.startsWith('=') || junk === '&&&' ? junk : `${p.name}=${junk}`)),
    'repeated parameters, the last one wrong': badValue.chain((bad) =>
      fc
        .constantFrom(...spec.params)
        .chain((p) => p.valid)
        .map((v) => `${queryString([[bad.at(-1)?.[0] ?? '', v]])}&${queryString(bad)}`),
    ),
  };
}

/** GET paths served with a valid request (never sent by the path fuzzing). */
function servedPath(path: string): boolean {
  const statics = routeGroups.flatMap((g) => g.routes).filter((r) => r.method === 'GET' && !r.path.includes('{')).map((r) => r.path);
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return statics.includes(trimmed) || /^\/api\/rollbacks\/latest(\/log)?$/.test(trimmed);
}

function pathCategories(spec: PathSpec): Record<string, fc.Arbitrary<{ path: string; rawPath?: string; pathParameters?: Record<string, string> }>> {
  const segment = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
    fc.constantFrom('..', '%2e%2e', '..%2f..%2fetc%2fpasswd', '%2e%2e%2f', '%00', 'rp-1', 'RB-1', 'rb-', 'rb-a_b', 'rb-ä', 'null', '__proto__', 'constructor', 'undo', 'cleanup', 'LATEST', 'latest%00'),
  );
  const encoded = segment.map(encode).filter((s) => !/^rb-[A-Za-z0-9-]+$/.test(s) && s !== 'latest');
  const idInvalid = fc.oneof(nonString.map((v) => JSON.stringify(v)), notMatching(/^rb-[A-Za-z0-9-]+$/)).filter((s) => s !== 'latest');
  return {
    'an invalid rollback id': encoded.map((s) => ({ path: spec.at(s) })),
    'path traversal, not normalised': fc
      .tuple(fc.constantFrom('../', '..%2f', '%2e%2e/', './', '//', '/./', '..\\', '....//'), fc.constantFrom('', 'etc/passwd', 'sessions', 'backups', 'x'), fc.integer({ min: 1, max: 4 }))
      .map(([step, tail, n]) => ({ path: '/api/rollbacks/x', rawPath: spec.at(`${step.repeat(n)}${tail}`) }))
      .filter((r) => !servedPath(r.rawPath)),
    'a very long id': fc.tuple(fc.integer({ min: 129, max: 100_000 }), fc.constantFrom('rb-', '', 'rb-%C3%A9')).map(([n, prefix]) => ({ path: spec.at(`${prefix}${'a'.repeat(n)}`) })),
    'an unknown rollback id (404)': fc.stringMatching(/^rb-[A-Za-z0-9-]{1,60}$/).map((id) => ({ path: spec.at(id) })),
    'path parameters set by the gateway': idInvalid.map((id) => ({ path: spec.at('rb-1'), pathParameters: { rollbackId: id } })),
  };
}

// ---------------------------------------------------------------------------------------------

describe('admin API: malformed input never gets past validation (property-based)', () => {
  const clock = new ManualClock(new Date('2026-12-01T12:00:05Z'));
  let env: LocalTestEnv;
  let handlers: Map<string, AdminApiHandler>;
  let token = '';
  let before: unknown;
  const logged: { message: string; err: unknown }[] = [];
  const counts = new Map<string, number>();
  const statuses = new Map<number, number>();
  let sent = 0;

  async function state(): Promise<unknown> {
    const tables: Record<string, [string, string][]> = {};
    for (const table of COMPONENT_TABLES) tables[table] = [...(await tableState(env, table)).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const documents: string[] = [];
    let continuation: string | undefined;
    do {
      const page = await env.runtime.s3.send(new ListObjectsV2Command({ Bucket: DOCUMENTS_BUCKET, ContinuationToken: continuation }));
      for (const o of page.Contents ?? []) documents.push(`${o.Key ?? ''} ${o.ETag ?? ''} ${String(o.Size ?? 0)}`);
      continuation = page.NextContinuationToken;
    } while (continuation);
    const journal = await env.runtime.services.journal.list();
    const points = (await env.runtime.services.backups.listRecoveryPoints()).map((p) => ({ id: p.recoveryPointId, status: p.status, verifiedAt: p.verifiedAt }));
    return { tables, documents: documents.sort(), journal, points, mode: await env.runtime.services.modes.get(), lock: (await env.runtime.lock.current()) ?? null };
  }

  /** One request, dispatched like the local server (test/support/api-events.ts), with full control of the event. */
  async function send(request: FuzzRequest, garbage: string): Promise<{ status: number; body: unknown; headers: Record<string, string> }> {
    const tokenOf = request.auth === 'session' ? token : request.auth === 'garbage' ? garbage : undefined;
    const event = apiGatewayEvent({ method: request.method, path: request.path, ...(tokenOf !== undefined ? { token: tokenOf } : {}), ...(request.body !== undefined ? { body: request.body } : {}) });
    delete event.headers['content-type'];
    if (event.body !== null && request.contentType !== null) event.headers['content-type'] = request.contentType ?? 'application/json';
    if (request.base64) event.isBase64Encoded = true;
    if (request.rawPath !== undefined) {
      event.path = request.rawPath;
      event.resource = request.rawPath;
    }
    if (request.pathParameters) event.pathParameters = request.pathParameters;
    const group = routeGroupFor(event.path);
    const handler = group ? handlers.get(group.name) : undefined;
    let result: ApiResult;
    if (!group || !handler) {
      result = errorResponse(new NotFoundError(`no route ${event.httpMethod} ${event.path}`));
    } else {
      const context = { awsRequestId: event.requestContext.requestId, functionName: `wing-admin-api-${group.name}`, getRemainingTimeInMillis: () => 29_000 } as Context;
      result = await handler(event, context);
    }
    sent += 1;
    counts.set(request.category, (counts.get(request.category) ?? 0) + 1);
    statuses.set(result.statusCode, (statuses.get(result.statusCode) ?? 0) + 1);
    let body: unknown;
    try {
      body = JSON.parse(result.body) as unknown;
    } catch {
      body = `not JSON: ${result.body.slice(0, 200)}`;
    }
    return { status: result.statusCode, body, headers: Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])) };
  }

  /** Sends, and checks the refusal: one of `allowed`, JSON `{ success: false, error }`. */
  async function expectRefusal(request: FuzzRequest, allowed: readonly number[], garbage: string): Promise<void> {
    const answer = await send(request, garbage);
    const what = `${request.category}: ${request.method} ${(request.rawPath ?? request.path).slice(0, 200)} [${request.auth}] body ${(request.body ?? '').slice(0, 200)}`;
    expect(answer.status, what).toBeLessThan(500);
    expect(allowed, `${what} answered ${String(answer.status)} ${JSON.stringify(answer.body).slice(0, 300)}`).toContain(answer.status);
    expect(answer.body, what).toMatchObject({ success: false, error: expect.any(String) as unknown });
    expect(((answer.body as { error: string }).error).length, what).toBeGreaterThan(0);
    expect(answer.headers['Content-Type'], what).toBe('application/json; charset=utf-8');
  }

  beforeAll(async () => {
    // The smallest demo (its eight recovery points are what matters here, not the volume).
    env = await startLocalTestEnv({ scale: 0.002, clock });
    const operations = localRollbackOperations(env.runtime);
    let deps: Promise<AdminApiDeps> | undefined;
    const depsOnce = (): Promise<AdminApiDeps> =>
      (deps ??= localAdminApiDeps(env.runtime, operations, (message, err) => {
        logged.push({ message, err });
      }));
    handlers = new Map(routeGroups.map((g) => [g.name, routeGroupHandler(g, depsOnce)]));
    clock.advance(TOTP_STEP_SECONDS * 1000);
    const signIn = await send(
      { method: 'POST', path: '/api/sessions', auth: 'none', body: JSON.stringify({ username: TEST_ADMIN.WING_ADMIN_USERNAME, password: TEST_ADMIN.WING_ADMIN_PASSWORD, totp: totpCode(TEST_ADMIN.WING_ADMIN_TOTP_SECRET, clock.now()) }), category: 'setup' },
      '',
    );
    expect(signIn.status).toBe(201);
    token = (signIn.body as { token: string }).token;
    sent = 0;
    counts.clear();
    statuses.clear();
    before = await state();
    // Something to change: items in every component table, documents, the demo's recovery points.
    const initial = before as { tables: Record<string, unknown[]>; documents: unknown[]; points: unknown[] };
    for (const table of COMPONENT_TABLES) expect(initial.tables[table]?.length, table).toBeGreaterThan(0);
    expect(initial.documents.length).toBeGreaterThan(0);
    expect(initial.points.length).toBeGreaterThanOrEqual(8);
  });

  afterAll(async () => {
    await env.dispose();
  });

  it('has a fuzz specification for every route with a body, a query or a path parameter', () => {
    const routes: ApiRoute[] = routeGroups.flatMap((g) => g.routes);
    const needing = routes.filter((r) => r.body !== undefined || r.query !== undefined || r.path.includes('{')).map((r) => `${r.method} ${r.path}`);
    expect(SPECS.map((s) => `${s.method} ${s.path}`).sort()).toEqual(needing.sort());
    for (const spec of SPECS) {
      const route = routes.find((r) => r.method === spec.method && r.path === spec.path);
      if (spec.kind === 'body') expect(route?.body, spec.path).toBe(spec.schema);
      // The base requests are valid in shape (so breaking one field is what makes them invalid).
      if (spec.kind === 'body') expect(spec.schema.safeParse(spec.base).success, spec.path).toBe(true);
    }
  });

  it('refuses a sign-in whose unknown keys are larger than an audit record can hold with 400, auditing a bounded detail (regression)', async () => {
    const base: Record<string, unknown> = { username: TEST_ADMIN.WING_ADMIN_USERNAME, password: WRONG_PASSWORD, totp: '000000' };
    const many = { ...base };
    for (let i = 0; i < 40_000; i += 1) many[`unknown-key-${String(i)}`] = 1;
    // One key of 900 KB in UTF-8, then 40,000 short ones: the refusal message quotes them all.
    const bodies = [toJson(withKey(base, `k${'漢'.repeat(300_000)}`, 1)), toJson(many)];
    for (const body of bodies) {
      await expectRefusal({ method: 'POST', path: '/api/sessions', auth: 'none', body, category: 'regression: huge unknown keys' }, [400], '');
      const [record] = await env.runtime.services.audit.list({ limit: 1 });
      expect(record).toMatchObject({ action: 'session.signIn', outcome: 'refused', actor: TEST_ADMIN.WING_ADMIN_USERNAME });
      expect(record?.detail.length).toBeLessThan(1000);
    }
  });

  for (const spec of SPECS) {
    it(`${spec.method} ${spec.path}: every malformed request is refused with a 4xx JSON error`, async () => {
      if (spec.kind === 'body') {
        const schema = spec.schema;
        /** What the server would parse is refused by the route's own schema (or is not JSON at all). */
        const refused = (input: { body: string; base64?: boolean }): boolean => {
          const view = serverView(input.body === '' ? null : input.body, input.base64 ?? false);
          return view === undefined || !schema.safeParse(view.value).success;
        };
        for (const [category, arb] of Object.entries(bodyCategories(spec))) {
          await fc.assert(
            // The generators break a valid request, so their bodies are invalid by construction; the
            // filter drops the rare accident (base64 garbage that decodes to nothing is `{}`).
            fc.asyncProperty(arb.filter(refused).map(printable), authArb, garbageToken, async (input, auth, garbage) => {
              // Checked again right before sending: a body the schema accepts is never sent.
              if (!refused(input)) throw new Error(`the generator made a valid ${spec.path} body: ${input.body.slice(0, 300)}`);
              const request: FuzzRequest = { method: spec.method, path: spec.path, auth, body: input.body, category, ...(input.contentType !== undefined ? { contentType: input.contentType } : {}), ...(input.base64 ? { base64: true } : {}) };
              // Sign-in is public: the body is read whatever the token. Every other route checks the session first.
              const allowed = spec.path === '/api/sessions' || auth === 'session' ? [400] : [401];
              await expectRefusal(request, allowed, garbage);
            }),
            { numRuns: BODY_RUNS, endOnFailure: true },
          );
        }
      } else if (spec.kind === 'query') {
        for (const [category, arb] of Object.entries(queryCategories(spec))) {
          await fc.assert(
            fc.asyncProperty(arb.map((query) => printable({ query })), authArb, garbageToken, async ({ query }, auth, garbage) => {
              const path = `${spec.path}?${query}`;
              const received = Object.fromEntries(new URL(path, 'http://127.0.0.1').searchParams.entries());
              fc.pre(spec.refused(received));
              await expectRefusal({ method: spec.method, path, auth, category }, auth === 'session' ? [400] : [401], garbage);
            }),
            { numRuns: QUERY_RUNS, endOnFailure: true },
          );
        }
      } else {
        for (const [category, arb] of Object.entries(pathCategories(spec))) {
          await fc.assert(
            fc.asyncProperty(arb.map(printable), authArb, garbageToken, async (input, auth, garbage) => {
              fc.pre(!servedPath(new URL(input.path, 'http://127.0.0.1').pathname));
              // Unknown ids are 404; a path no route has is 404 before any session check.
              const allowed = auth === 'session' ? [400, 404] : [401, 404];
              await expectRefusal({ method: spec.method, auth, category, ...input }, allowed, garbage);
            }),
            { numRuns: PATH_RUNS, endOnFailure: true },
          );
        }
      }
    });
  }

  it(`sent at least ${String(MIN_REQUESTS)} malformed requests, none answered 2xx or 5xx, and nothing changed`, async () => {
    console.info(`api-fuzz: ${String(sent)} malformed requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}; per category ${JSON.stringify(Object.fromEntries(counts))}`);
    expect(sent).toBeGreaterThanOrEqual(MIN_REQUESTS);
    expect([...statuses.keys()].filter((s) => s < 400 || s >= 500)).toEqual([]);
    expect(logged.map((l) => l.message)).toEqual([]);

    expect(await state()).toEqual(before);
    expect(Object.prototype).not.toHaveProperty(POLLUTION_MARK);
    expect(({} as Record<string, unknown>)[POLLUTION_MARK]).toBeUndefined();

    // The session still works, and the administrator is not locked out by the malformed sign-ins.
    const current = await send({ method: 'GET', path: '/api/sessions/current', auth: 'session', category: 'check' }, '');
    expect(current.status).toBe(200);
    clock.advance(TOTP_STEP_SECONDS * 1000);
    const again = await send(
      { method: 'POST', path: '/api/sessions', auth: 'none', body: JSON.stringify({ username: TEST_ADMIN.WING_ADMIN_USERNAME, password: TEST_ADMIN.WING_ADMIN_PASSWORD, totp: totpCode(TEST_ADMIN.WING_ADMIN_TOTP_SECRET, clock.now()) }), category: 'check' },
      '',
    );
    expect(again.status).toBe(201);

    // The refused sign-ins and unauthenticated calls were audited.
    const refused = (await env.runtime.services.audit.list({ limit: 1000 })).filter((r) => r.outcome === 'refused');
    expect(refused.length).toBeGreaterThan(50);
  });
});
