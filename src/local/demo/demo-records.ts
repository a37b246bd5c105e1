/**
 * Demo WING data: pure, deterministic generators of the four components' records, and the plan of
 * one simulated "day of activity" over them. Nothing here talks to AWS; `demo-loader.ts` writes
 * what these functions produce.
 *
 * Every record is generated from its own random stream keyed by (seed, kind, id), so a record can
 * be rebuilt alone and the data set is identical for a given seed and clock. Identifiers come from
 * a bijective mixer over the record's index, which makes them unique without bookkeeping; records
 * added by a day of activity use a separate index range, so they never collide with the base set.
 *
 * The records deliberately use every DynamoDB attribute kind (S, N with decimals, B, BOOL, NULL,
 * SS, L, M), because the backups of these tables must keep values typed.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ValidationError } from '../../core/errors.js';
import { SeededRandom, mix32 } from './random.js';

/** A DynamoDB item as the low-level API takes it. */
export type DemoItem = Record<string, AttributeValue>;

/** The four WING components, in restore order. */
export const demoComponents = ['vision-lake', 'auth', 'agents', 'squadrons'] as const;
/** One of the four WING components. */
export type DemoComponent = (typeof demoComponents)[number];

/** Scale used by `init --demo` when no `--scale` is given (about 2 MB). */
export const DEFAULT_DEMO_SCALE = 0.02;
/** Seed used by `init --demo` when none is given. */
export const DEFAULT_DEMO_SEED = 1;
/** Clock of the generated data when the caller gives none, so the default output is reproducible. */
export const DEMO_EPOCH_MS = Date.UTC(2026, 0, 1);

/** What a generator needs: scale (1 ≈ 100 MB), seed, and the clock the data is "as of". */
export interface DemoGenerationOptions {
  readonly scale: number;
  readonly seed: number;
  /** Timestamps fall before this instant. @default new Date(DEMO_EPOCH_MS) */
  readonly now?: Date;
}

/** How many records of each kind a scale yields. */
export interface DemoCounts {
  readonly documents: number;
  readonly users: number;
  readonly sessions: number;
  readonly revocations: number;
  readonly emergencyCredentials: number;
  readonly agents: number;
  readonly squadrons: number;
}

/** Items, S3 objects and bytes (DynamoDB item size plus object bodies) of one component. */
export interface DemoComponentSize {
  items: number;
  objects: number;
  bytes: number;
}

/** A vision-lake document body as stored in S3. */
export interface DemoObject {
  readonly key: string;
  readonly body: Buffer;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** sha256 hex of the body; the index item carries the same value. */
  readonly digest: string;
}

/** A vision-lake document: its body and its index item. */
export interface DemoDocument {
  readonly docId: string;
  readonly object: DemoObject;
  readonly indexItem: DemoItem;
}

/** The sort keys of an agent's items; every agent has all four. */
export const agentItemKinds = ['STATE', 'CONFIG', 'MEMORY', 'METRICS'] as const;

/** The `kind` attribute of auth items (CONTRACT.md, "Data of the four components"). */
export const authItemKinds = ['user', 'session', 'revocation', 'emergency-credential'] as const;

const AT_SCALE_ONE = {
  documents: 10_000,
  users: 4_000,
  sessions: 15_000,
  revocations: 1_000,
  agents: 1_200,
  squadrons: 300,
};
// Small scales still need enough of each kind for relationships, hierarchies and mutations to mean something.
const MINIMUM = { documents: 8, users: 4, sessions: 8, revocations: 2, agents: 6, squadrons: 3 };
const EMERGENCY_CREDENTIALS = 2;
// Scale 1000 is 100 GB; beyond it ids would leave the base index range.
const MAX_SCALE = 1000;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Checks a seed (a non-negative safe integer) and a scale, and returns the scale's counts. */
export function validateDemoOptions(options: { readonly scale: number; readonly seed: number }): DemoCounts {
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) {
    throw new ValidationError(`invalid demo seed ${String(options.seed)}: give a whole number >= 0`);
  }
  return demoCounts(options.scale);
}

/** Record counts for a scale; a scale must be a positive number (fractions allowed). */
export function demoCounts(scale: number): DemoCounts {
  if (!Number.isFinite(scale) || scale <= 0 || scale > MAX_SCALE) {
    throw new ValidationError(`invalid demo scale ${String(scale)}: give a positive number up to ${MAX_SCALE}`);
  }
  const scaled = (key: keyof typeof AT_SCALE_ONE): number =>
    Math.max(MINIMUM[key], Math.round(AT_SCALE_ONE[key] * scale));
  return {
    documents: scaled('documents'),
    users: scaled('users'),
    sessions: scaled('sessions'),
    revocations: scaled('revocations'),
    emergencyCredentials: EMERGENCY_CREDENTIALS,
    agents: scaled('agents'),
    squadrons: scaled('squadrons'),
  };
}

// ---------- identifiers and keys ----------

/** Prefixes of generated identifiers. */
export type DemoIdKind = 'doc' | 'usr' | 'ses' | 'agt' | 'sqd' | 'emg';

/**
 * The identifier of the `index`-th record of a kind, e.g. `agt-3f9a1c2b7e4d`. The first eight hex
 * digits are a bijection of the index, so identifiers of one kind and seed never collide.
 */
export function demoId(kind: DemoIdKind, seed: number, index: number): string {
  const salt = mix32(mix32(seed >>> 0) ^ (kind.charCodeAt(0) << 16) ^ (kind.charCodeAt(1) << 8) ^ kind.charCodeAt(2));
  const head = mix32((index + salt) >>> 0);
  const tail = mix32(head ^ 0x9e3779b9) & 0xffff;
  return `${kind}-${head.toString(16).padStart(8, '0')}${tail.toString(16).padStart(4, '0')}`;
}

/** Index of the `n`-th record added on `day`; above every base index, so additions never collide. */
export function addedRecordIndex(day: number, n: number): number {
  return 0x40000000 + (day % 0x4000) * 0x10000 + (n % 0x10000);
}

/** S3 key of a document body. */
export function documentKey(docId: string): string {
  return `docs/${docId}.md`;
}

/** The `pk`/`sk` key of an item. */
export function itemKey(item: DemoItem): DemoItem {
  const { pk, sk } = item;
  if (pk?.S === undefined || sk?.S === undefined) throw new ValidationError('a demo item needs string keys pk and sk');
  return { pk, sk };
}

// ---------- attribute values ----------

const str = (value: string): AttributeValue => ({ S: value });
const num = (value: number): AttributeValue => ({ N: String(value) });
const bool = (value: boolean): AttributeValue => ({ BOOL: value });
const nul = (): AttributeValue => ({ NULL: true });
const strSet = (values: readonly string[]): AttributeValue => ({ SS: [...values] });
const list = (values: readonly AttributeValue[]): AttributeValue => ({ L: [...values] });
const map = (value: DemoItem): AttributeValue => ({ M: value });
const iso = (ms: number): string => new Date(ms).toISOString();
const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
/** A fixed-point decimal as DynamoDB would echo it back (no trailing zeros). */
const decimal = (units: number, scale: number): AttributeValue => ({ N: String(units / scale) });

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

// ---------- vision-lake ----------

const TAGS = ['ops', 'security', 'ml', 'infra', 'research', 'customer', 'runbook', 'incident', 'design', 'policy',
  'finance', 'legal', 'onboarding', 'eval', 'prompt', 'dataset', 'vision', 'retrieval', 'planning', 'postmortem'];

/** Title and tags belong to the document, not to a version: they come from the id alone. */
function documentIdentity(seed: number, docId: string): { title: string; tags: string[] } {
  const random = new SeededRandom(seed, 'document', docId);
  return { title: random.title(random.int(3, 8)), tags: random.sample(TAGS, random.int(1, 5)) };
}

/** Markdown of about `targetBytes`: sections of prose, now and then a list or a config block. */
function markdownBody(random: SeededRandom, title: string, targetBytes: number): string {
  const parts = [`# ${title}`, `> ${random.sentence()}`];
  let length = 0;
  for (const p of parts) length += p.length + 2;
  while (length < targetBytes) {
    const section = [`## ${random.title(random.int(2, 5))}`];
    for (let n = random.int(1, 4); n > 0; n--) section.push(random.paragraph());
    if (random.chance(0.3)) {
      const items: string[] = [];
      for (let n = random.int(3, 6); n > 0; n--) items.push(`- ${random.sentence()}`);
      section.push(items.join('\n'));
    }
    if (random.chance(0.1)) {
      const lines: string[] = [];
      for (let n = random.int(3, 8); n > 0; n--) lines.push(`${random.word()}: ${String(random.int(1, 5000))}`);
      section.push(['```yaml', ...lines, '```'].join('\n'));
    }
    for (const s of section) length += s.length + 2;
    parts.push(...section);
  }
  return `${parts.join('\n\n')}\n`;
}

/** The S3 object of a document version; its content depends on (seed, docId, version) only. */
export function documentObject(seed: number, docId: string, version: number): DemoObject {
  const random = new SeededRandom(seed, 'document-body', docId, version);
  // Uniform 2.7-13.6 KB, plus the last section's overshoot (~0.6 KB): about 8.8 KB on average.
  const text = markdownBody(random, documentIdentity(seed, docId).title, random.int(2_700, 13_600));
  const body = Buffer.from(text, 'utf8');
  return {
    key: documentKey(docId),
    body,
    contentType: 'text/markdown',
    metadata: { 'doc-id': docId, version: String(version) },
    digest: sha256Hex(body),
  };
}

/** The index attributes that change with every version of a document. */
export function documentVersionAttributes(
  seed: number,
  object: DemoObject,
  version: number,
  updatedAt: string,
): DemoItem {
  const random = new SeededRandom(seed, 'document-embedding', object.key, version);
  return {
    digest: str(object.digest),
    size: num(object.body.byteLength),
    version: num(version),
    updatedAt: str(updatedAt),
    // A quantised 64-dimension embedding: binary, so snapshots must keep B values intact.
    embedding: { B: random.bytes(64) },
    score: decimal(random.int(1, 9999), 10_000),
  };
}

/** Inputs of one document. */
export interface DocumentInput {
  readonly seed: number;
  readonly docId: string;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly authorId: string;
  /** An agent who reviewed it, or undefined for an unreviewed document (stored as NULL). */
  readonly reviewerId: string | undefined;
}

/** A document: body and index item agreeing on digest, size and version. */
export function buildDocument(input: DocumentInput): DemoDocument {
  const { seed, docId, version } = input;
  const identity = documentIdentity(seed, docId);
  const object = documentObject(seed, docId, version);
  const indexItem: DemoItem = {
    pk: str(`DOC#${docId}`),
    sk: str('META'),
    docId: str(docId),
    title: str(identity.title),
    tags: strSet(identity.tags),
    bodyKey: str(object.key),
    contentType: str(object.contentType),
    language: str('en'),
    author: str(input.authorId),
    reviewedBy: input.reviewerId === undefined ? nul() : str(input.reviewerId),
    createdAt: str(iso(input.createdAt)),
    ...documentVersionAttributes(seed, object, version, iso(input.updatedAt)),
  };
  return { docId, object, indexItem };
}

/** The base documents of a scale. */
export function* generateVisionLakeDocuments(options: DemoGenerationOptions): Generator<DemoDocument> {
  const counts = validateDemoOptions(options);
  const now = clock(options);
  for (let i = 0; i < counts.documents; i++) {
    const docId = demoId('doc', options.seed, i);
    const random = new SeededRandom(options.seed, 'document-meta', i);
    const createdAt = now - random.int(1, 365) * DAY + random.int(0, DAY - 1);
    yield buildDocument({
      seed: options.seed,
      docId,
      version: random.int(1, 6),
      createdAt,
      updatedAt: createdAt + Math.floor(random.float() * (now - createdAt)),
      authorId: demoId('agt', options.seed, random.int(0, counts.agents - 1)),
      reviewerId: random.chance(0.6) ? demoId('agt', options.seed, random.int(0, counts.agents - 1)) : undefined,
    });
  }
}

// ---------- auth ----------

const FIRST_NAMES = ['ana', 'ben', 'chen', 'dara', 'eli', 'fatima', 'goran', 'hana', 'ivan', 'julia', 'kofi', 'lena',
  'mateo', 'nadia', 'omar', 'priya', 'quinn', 'rosa', 'sven', 'tariq', 'uma', 'viktor', 'wen', 'yara', 'zoe'];
const LAST_NAMES = ['adler', 'baptiste', 'costa', 'dubois', 'eriksen', 'fischer', 'garcia', 'haddad', 'ito', 'jensen',
  'kowalski', 'lindqvist', 'moreau', 'nakamura', 'okafor', 'petrov', 'rossi', 'silva', 'tanaka', 'weber'];
const ROLES = [...Array<string>(40).fill('viewer'), ...Array<string>(25).fill('agent-owner'),
  ...Array<string>(20).fill('operator'), ...Array<string>(7).fill('auditor'), ...Array<string>(5).fill('service'),
  ...Array<string>(3).fill('admin')];
const USER_AGENTS = ['Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0', 'wing-cli/2.4.1 node/20.15.0', 'wing-agent-runtime/1.9.3'];
const REVOCATION_REASONS = ['user-logout', 'password-change', 'suspicious-activity', 'admin-action', 'token-leak'];
const SESSION_LIFETIME = 14 * DAY;

/** A password hash in argon2id's encoded form; `salt` keys the stream so a change yields a new hash. */
function passwordHash(seed: number, userId: string, salt: string | number): string {
  const random = new SeededRandom(seed, 'password', userId, salt);
  return `$argon2id$v=19$m=65536,t=3,p=4$${random.chars(BASE64, 22)}$${random.chars(BASE64, 43)}`;
}

/** Inputs of one user. */
export interface UserInput {
  readonly seed: number;
  readonly userId: string;
  /** Makes the username unique. */
  readonly serial: number;
  readonly createdAt: number;
  readonly now: number;
  readonly disabled: boolean;
}

/** A user profile item. */
export function buildUser(input: UserInput): DemoItem {
  const { seed, userId } = input;
  const random = new SeededRandom(seed, 'user', userId);
  const username = `${random.pick(FIRST_NAMES)}.${random.pick(LAST_NAMES)}${String(input.serial)}`;
  const updatedAt = input.createdAt + Math.floor(random.float() * (input.now - input.createdAt));
  const picked = random.pick(ROLES);
  // The first user is an administrator, so every demo platform has one (auth's health check).
  const role = input.serial === 1 ? 'admin' : picked;
  return {
    pk: str(`USER#${userId}`),
    sk: str('PROFILE'),
    kind: str('user'),
    userId: str(userId),
    username: str(username),
    email: str(`${username}@wing.example`),
    role: str(role),
    passwordHash: str(passwordHash(seed, userId, 'initial')),
    mfaSecret: str(random.chars(BASE32, 32)),
    disabled: bool(input.disabled),
    createdAt: str(iso(input.createdAt)),
    updatedAt: str(iso(updatedAt)),
    lastLoginAt: str(iso(updatedAt + Math.floor(random.float() * (input.now - updatedAt)))),
  };
}

/** Inputs of one session. */
export interface SessionInput {
  readonly seed: number;
  readonly sessionId: string;
  readonly userId: string;
  readonly issuedAt: number;
}

/** A session item, kept under its user's partition. */
export function buildSession(input: SessionInput): DemoItem {
  const random = new SeededRandom(input.seed, 'session', input.sessionId);
  return {
    pk: str(`USER#${input.userId}`),
    sk: str(`SESSION#${input.sessionId}`),
    kind: str('session'),
    sessionId: str(input.sessionId),
    userId: str(input.userId),
    issuedAt: str(iso(input.issuedAt)),
    expiresAt: str(iso(input.issuedAt + SESSION_LIFETIME)),
    userAgent: str(random.pick(USER_AGENTS)),
    ip: str(`10.${String(random.int(0, 255))}.${String(random.int(0, 255))}.${String(random.int(1, 254))}`),
    tokenHash: str(random.hex(64)),
  };
}

/** A revocation of a session at `revokedAt`; it names the session's key so the session can be found. */
export function buildRevocation(
  seed: number,
  session: { readonly sessionId: string; readonly userId: string },
  revokedAt: number,
): DemoItem {
  const random = new SeededRandom(seed, 'revocation', session.sessionId);
  return {
    pk: str(`REVOCATION#${session.sessionId}`),
    sk: str('META'),
    kind: str('revocation'),
    sessionId: str(session.sessionId),
    sessionPk: str(`USER#${session.userId}`),
    sessionSk: str(`SESSION#${session.sessionId}`),
    revokedAt: str(iso(revokedAt)),
    reason: str(random.pick(REVOCATION_REASONS)),
  };
}

/** A break-glass credential; these are sealed and never rolled back. */
function buildEmergencyCredential(seed: number, index: number, now: number): DemoItem {
  const credentialId = demoId('emg', seed, index);
  const random = new SeededRandom(seed, 'emergency-credential', index);
  const createdAt = now - random.int(30, 200) * DAY - random.int(0, DAY - 1);
  return {
    pk: str(`EMERGENCY#${credentialId}`),
    sk: str('CREDENTIAL'),
    kind: str('emergency-credential'),
    credentialId: str(credentialId),
    label: str(`break-glass-${String(index + 1)}`),
    custodian: str(`${random.pick(FIRST_NAMES)}.${random.pick(LAST_NAMES)}`),
    secretHash: str(sha256Hex(random.bytes(32))),
    scopes: strSet(['rollback:emergency', 'auth:reset-admin', 'system:safe-mode']),
    sealed: bool(true),
    createdAt: str(iso(createdAt)),
    rotatedAt: str(iso(createdAt + random.int(0, 20) * DAY)),
  };
}

/** The base session `index`, rebuilt the same way for the revocation that points at it. */
function baseSession(seed: number, index: number, counts: DemoCounts, now: number): SessionInput {
  const random = new SeededRandom(seed, 'session-meta', index);
  return {
    seed,
    sessionId: demoId('ses', seed, index),
    userId: demoId('usr', seed, random.int(0, counts.users - 1)),
    issuedAt: now - random.int(0, SESSION_LIFETIME - 1),
  };
}

/** The base auth items: users, their sessions, revocations of some sessions, emergency credentials. */
export function* generateAuthItems(options: DemoGenerationOptions): Generator<DemoItem> {
  const { seed } = options;
  const counts = validateDemoOptions(options);
  const now = clock(options);
  for (let i = 0; i < counts.users; i++) {
    const random = new SeededRandom(seed, 'user-meta', i);
    yield buildUser({
      seed,
      userId: demoId('usr', seed, i),
      serial: i + 1,
      createdAt: now - random.int(1, 400) * DAY - random.int(0, DAY - 1),
      now,
      // The first user stays enabled so there is always someone to sign in as.
      disabled: i > 0 && random.chance(0.03),
    });
  }
  for (let i = 0; i < counts.sessions; i++) yield buildSession(baseSession(seed, i, counts, now));
  // Spread revocations evenly over the sessions so each revokes a distinct one.
  const stride = Math.floor(counts.sessions / counts.revocations);
  for (let i = 0; i < counts.revocations; i++) {
    const session = baseSession(seed, i * stride, counts, now);
    const random = new SeededRandom(seed, 'revocation-meta', i);
    yield buildRevocation(seed, session, session.issuedAt + Math.floor(random.float() * (now - session.issuedAt)));
  }
  for (let i = 0; i < counts.emergencyCredentials; i++) yield buildEmergencyCredential(seed, i, now);
}

// ---------- agents ----------

const MODELS = ['claude-sonnet-4', 'claude-haiku-4', 'gpt-4o', 'llama-3-70b', 'mistral-large'];
const AGENT_STATUSES = ['idle', 'running', 'waiting', 'paused', 'error'];
const TOOLS = ['web_search', 'code_exec', 'vector_lookup', 'file_read', 'file_write', 'http_get', 'sql_query',
  'summarize', 'plan', 'notify'];
const RELATIONSHIP_TYPES = ['reports-to', 'collaborates-with', 'delegates-to', 'supervises', 'mirrors'];

/** Up to `count` relationships of `agentId`, each to another agent of `agentIds`. */
export function buildRelationships(
  random: SeededRandom,
  agentId: string,
  agentIds: readonly string[],
  count: number,
): AttributeValue {
  const others = random.sample(agentIds.filter((id) => id !== agentId), count);
  return list(others.map((id) => map({ agentId: str(id), type: str(random.pick(RELATIONSHIP_TYPES)) })));
}

/** The runtime attributes of an agent's STATE item at `at`. */
export function agentStateAttributes(random: SeededRandom, at: number): DemoItem {
  const status = random.pick(AGENT_STATUSES);
  return {
    status: str(status),
    currentTask: status === 'running' || status === 'waiting' ? str(`task-${random.hex(10)}`) : nul(),
    lastHeartbeat: str(iso(at - random.int(0, 10 * 60_000))),
    updatedAt: str(iso(at)),
  };
}

/** The attributes of an agent's METRICS item for the day ending at `at`. */
export function agentMetricsAttributes(random: SeededRandom, at: number): DemoItem {
  return {
    windowStart: str(iso(at - DAY)),
    windowEnd: str(iso(at)),
    tasksDone: num(random.int(0, 100_000)),
    tasksFailed: num(random.int(0, 5_000)),
    tokensIn: num(random.int(0, 1_000_000_000)),
    tokensOut: num(random.int(0, 100_000_000)),
    p50Ms: num(random.int(100, 3_000)),
    p99Ms: num(random.int(3_000, 60_000)),
    costUsd: decimal(random.int(0, 5_000_000), 100),
    updatedAt: str(iso(at)),
  };
}

/** The attributes of an agent's MEMORY item compacted at `at`. */
export function agentMemoryAttributes(random: SeededRandom, at: number): DemoItem {
  const summary: string[] = [];
  for (let n = random.int(4, 7); n > 0; n--) summary.push(random.paragraph());
  const facts: AttributeValue[] = [];
  for (let n = random.int(3, 8); n > 0; n--) facts.push(str(random.sentence()));
  const text = summary.join('\n\n');
  return {
    summary: str(text),
    facts: list(facts),
    tokenCount: num(Math.round(text.length / 4)),
    compactedAt: str(iso(at)),
  };
}

/** The four items of base agent `index`. */
function buildAgentItems(seed: number, index: number, agentIds: readonly string[], now: number): DemoItem[] {
  const agentId = demoId('agt', seed, index);
  const random = new SeededRandom(seed, 'agent', index);
  const pk = str(`AGENT#${agentId}`);
  const name = `${random.word()}-${random.word()}-${String(index + 1)}`;
  const createdAt = now - random.int(1, 200) * DAY - random.int(0, DAY - 1);
  const tools = random.sample(TOOLS, random.int(3, 8));
  const prompt: string[] = [];
  for (let n = random.int(2, 4); n > 0; n--) prompt.push(random.paragraph());
  return [
    { pk, sk: str('STATE'), agentId: str(agentId), name: str(name), createdAt: str(iso(createdAt)),
      relationships: buildRelationships(random, agentId, agentIds, random.int(0, 5)),
      ...agentStateAttributes(random, now - random.int(0, 6 * HOUR)) },
    { pk, sk: str('CONFIG'), agentId: str(agentId), model: str(random.pick(MODELS)),
      temperature: decimal(random.int(0, 100), 100), maxTokens: num(random.pick([1024, 2048, 4096, 8192])),
      systemPrompt: str(prompt.join('\n\n')), tools: strSet(tools),
      retry: map({ maxAttempts: num(random.int(1, 5)), backoffMs: num(random.int(100, 5_000)) }),
      limits: map({ rpm: num(random.int(10, 600)), tpm: num(random.int(10_000, 500_000)),
        budgetUsd: decimal(random.int(1_000, 5_000_000), 100) }),
      version: num(random.int(1, 12)), updatedAt: str(iso(createdAt + random.int(0, 30) * DAY)) },
    { pk, sk: str('MEMORY'), agentId: str(agentId), ...agentMemoryAttributes(random, now - random.int(0, 3 * DAY)) },
    { pk, sk: str('METRICS'), agentId: str(agentId), ...agentMetricsAttributes(random, now - random.int(0, HOUR)) },
  ];
}

/** The base agent ids of a scale, in index order. */
export function demoAgentIds(seed: number, scale: number): string[] {
  const { agents } = demoCounts(scale);
  return Array.from({ length: agents }, (_, i) => demoId('agt', seed, i));
}

/** The base agents' items (STATE, CONFIG, MEMORY, METRICS per agent). */
export function* generateAgentItems(options: DemoGenerationOptions): Generator<DemoItem> {
  const agentIds = demoAgentIds(options.seed, options.scale);
  const now = clock(options);
  for (let i = 0; i < agentIds.length; i++) yield* buildAgentItems(options.seed, i, agentIds, now);
}

// ---------- squadrons ----------

const MISSION_KINDS = ['recon', 'triage', 'ingest', 'refactor', 'audit', 'support', 'research', 'migrate', 'evaluate',
  'monitor'];
const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-2'];
const MISSION_STATUSES = ['queued', 'active', 'done', 'blocked'];
const ESCALATION_POLICIES = ['page-on-call', 'notify-owner', 'auto-retry', 'halt-squadron'];

/** Squadron parameters; `random` decides them, so a day of activity can redraw some. */
export function squadronParameters(random: SeededRandom): AttributeValue {
  return map({
    maxConcurrency: num(random.int(1, 64)),
    priority: num(random.int(1, 5)),
    autoscale: bool(random.chance(0.5)),
    budgetUsd: decimal(random.int(10_000, 10_000_000), 100),
    retryLimit: num(random.int(0, 10)),
    escalationPolicy: str(random.pick(ESCALATION_POLICIES)),
    regions: strSet(random.sample(REGIONS, random.int(1, 3))),
  });
}

/** Base squadron `index`: members are existing agents, the parent (if any) has a lower index. */
function buildSquadron(seed: number, index: number, agentIds: readonly string[], now: number): DemoItem {
  const squadronId = demoId('sqd', seed, index);
  const random = new SeededRandom(seed, 'squadron', index);
  const createdAt = now - random.int(1, 200) * DAY - random.int(0, DAY - 1);
  const item: DemoItem = {
    pk: str(`SQUADRON#${squadronId}`),
    sk: str('META'),
    squadronId: str(squadronId),
    name: str(`${random.title(2)} Squadron`),
    members: strSet(random.sample(agentIds, random.int(Math.min(8, agentIds.length), Math.min(48, agentIds.length)))),
    mission: map({
      missionId: str(`msn-${random.hex(12)}`),
      kind: str(random.pick(MISSION_KINDS)),
      objective: str(random.sentence()),
      priority: num(random.int(1, 5)),
      status: str(random.pick(MISSION_STATUSES)),
      startedAt: str(iso(createdAt + random.int(0, 10) * DAY)),
    }),
    parameters: squadronParameters(random),
    createdAt: str(iso(createdAt)),
    updatedAt: str(iso(createdAt + Math.floor(random.float() * (now - createdAt)))),
  };
  // Roots have no parent attribute at all; a parent always has a lower index, so the hierarchy is acyclic.
  if (index > 0 && random.chance(0.8)) item.parentSquadron = str(demoId('sqd', seed, random.int(0, index - 1)));
  return item;
}

/** The base squadrons. */
export function* generateSquadronItems(options: DemoGenerationOptions): Generator<DemoItem> {
  const agentIds = demoAgentIds(options.seed, options.scale);
  const { squadrons } = validateDemoOptions(options);
  const now = clock(options);
  for (let i = 0; i < squadrons; i++) yield buildSquadron(options.seed, i, agentIds, now);
}

// ---------- sizes ----------

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/** DynamoDB's size of a number: about one byte per two significant digits, plus one. */
function numberSize(value: string): number {
  const digits = value.replace(/^[-+]?0*|[.eE].*$/g, '').length + (/\.(\d+)/.exec(value)?.[1]?.length ?? 0);
  return Math.ceil(Math.max(1, digits) / 2) + 1;
}

function attributeSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8Length(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8Length(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return value.L.reduce((sum, v) => sum + 1 + attributeSize(v), 3);
  if (value.M !== undefined) {
    return Object.entries(value.M).reduce((sum, [k, v]) => sum + utf8Length(k) + 1 + attributeSize(v), 3);
  }
  return 0;
}

/** The size DynamoDB accounts for an item: attribute names plus values (approximate for numbers). */
export function dynamoItemSize(item: DemoItem): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8Length(name) + attributeSize(value);
  return size;
}

/** Size of a generated data set, per component and in total. */
export interface DemoSizeEstimate {
  readonly components: Record<DemoComponent, DemoComponentSize>;
  readonly totalBytes: number;
}

/**
 * The data set a scale and seed produce, measured by generating it in memory (nothing is written).
 * Bytes are DynamoDB item sizes plus document bodies.
 */
export function estimateDemoSize(options: DemoGenerationOptions): DemoSizeEstimate {
  const empty = (): DemoComponentSize => ({ items: 0, objects: 0, bytes: 0 });
  const components: Record<DemoComponent, DemoComponentSize> = {
    'vision-lake': empty(), auth: empty(), agents: empty(), squadrons: empty(),
  };
  const add = (size: DemoComponentSize, item: DemoItem): void => {
    size.items += 1;
    size.bytes += dynamoItemSize(item);
  };
  for (const doc of generateVisionLakeDocuments(options)) {
    add(components['vision-lake'], doc.indexItem);
    components['vision-lake'].objects += 1;
    components['vision-lake'].bytes += doc.object.body.byteLength;
  }
  for (const item of generateAuthItems(options)) add(components.auth, item);
  for (const item of generateAgentItems(options)) add(components.agents, item);
  for (const item of generateSquadronItems(options)) add(components.squadrons, item);
  const totalBytes = demoComponents.reduce((sum, c) => sum + components[c].bytes, 0);
  return { components, totalBytes };
}

// ---------- a day of activity ----------

/** The parts of the live data a day of activity reads, so that what it writes stays valid. */
export interface DemoLiveState {
  readonly documents: readonly { readonly docId: string; readonly version: number }[];
  readonly users: readonly { readonly userId: string; readonly disabled: boolean }[];
  readonly sessions: readonly { readonly sessionId: string; readonly userId: string; readonly issuedAt: string }[];
  /** Ids of sessions that already have a revocation. */
  readonly revokedSessionIds: ReadonlySet<string>;
  /** All auth items, every kind. */
  readonly authItemCount: number;
  readonly agentIds: readonly string[];
  /** All agent items (about four per agent). */
  readonly agentItemCount: number;
  /** Full squadron items: a change keeps what it does not touch. */
  readonly squadrons: readonly DemoItem[];
}

const stringOf = (value: AttributeValue | undefined): string => value?.S ?? '';

/**
 * The live state from the items of the four tables. Items may be projections: vision-lake needs
 * `pk`, `sk`, `version`; auth `pk`, `sk`, `kind`, `disabled`, `sessionId`, `issuedAt`; agents `pk`;
 * squadrons whole items.
 */
export function demoLiveStateFromItems(items: {
  readonly visionLake: readonly DemoItem[];
  readonly auth: readonly DemoItem[];
  readonly agents: readonly DemoItem[];
  readonly squadrons: readonly DemoItem[];
}): DemoLiveState {
  const { auth } = items;
  const agentPks = items.agents.map((a) => stringOf(a.pk)).filter((pk) => pk.startsWith('AGENT#'));
  return {
    documents: items.visionLake
      .filter((d) => stringOf(d.pk).startsWith('DOC#') && stringOf(d.sk) === 'META')
      .map((d) => ({ docId: stringOf(d.pk).slice('DOC#'.length), version: Number(d.version?.N ?? '1') })),
    users: auth
      .filter((a) => stringOf(a.kind) === 'user')
      .map((a) => ({ userId: stringOf(a.pk).slice('USER#'.length), disabled: a.disabled?.BOOL === true })),
    sessions: auth
      .filter((a) => stringOf(a.kind) === 'session')
      .map((a) => ({
        sessionId: stringOf(a.sk).slice('SESSION#'.length),
        userId: stringOf(a.pk).slice('USER#'.length),
        issuedAt: stringOf(a.issuedAt),
      })),
    revokedSessionIds: new Set(auth.filter((a) => stringOf(a.kind) === 'revocation').map((a) => stringOf(a.sessionId))),
    authItemCount: auth.length,
    agentIds: [...new Set(agentPks.map((pk) => pk.slice('AGENT#'.length)))],
    agentItemCount: items.agents.length,
    squadrons: items.squadrons,
  };
}

/** Which of the four tables a write goes to (a field of the resource names). */
export type DemoTable = 'visionLakeTable' | 'authTable' | 'agentsTable' | 'squadronsTable';

/**
 * One write of a day of activity. Applied in three phases so readers never see the index point at
 * a body that is not there yet: object puts, then item writes, then object deletes.
 */
export type DemoWrite =
  | { readonly type: 'put-item'; readonly table: DemoTable; readonly item: DemoItem }
  | { readonly type: 'update-item'; readonly table: DemoTable; readonly key: DemoItem; readonly set: DemoItem }
  | { readonly type: 'delete-item'; readonly table: DemoTable; readonly key: DemoItem }
  | { readonly type: 'put-object'; readonly object: DemoObject }
  | { readonly type: 'delete-object'; readonly key: string };

/** Records of one component a day of activity changed. */
export interface DemoChangeCounts {
  updated: number;
  added: number;
  deleted: number;
}

/** What a day of activity does, and how much of each component it changes. */
export interface DemoMutationPlan {
  readonly writes: DemoWrite[];
  readonly changes: Record<DemoComponent, DemoChangeCounts>;
}

/** Which day to simulate and how much to change. */
export interface DemoMutationOptions {
  readonly seed: number;
  /** Day number; each day draws different changes. */
  readonly day: number;
  /** About this percentage of each component's records changes (at least one record each). */
  readonly percent: number;
  /** End of the simulated day; every timestamp written falls in the 20 hours before it. */
  readonly now: Date;
}

/** How many records a percentage of `total` is: at least one whenever anything is asked. */
function touchedCount(total: number, percent: number): number {
  return percent <= 0 || total === 0 ? 0 : Math.max(1, Math.round((total * percent) / 100));
}

const byString = <T>(key: (value: T) => string) => (a: T, b: T): number => {
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

const noChanges = (): DemoChangeCounts => ({ updated: 0, added: 0, deleted: 0 });

interface DayContext {
  readonly seed: number;
  readonly day: number;
  readonly percent: number;
  readonly random: SeededRandom;
  readonly writes: DemoWrite[];
  /** A moment of the simulated day. */
  at(): number;
}

/**
 * Plans one day of activity over the live data: document edits, additions and deletions (index
 * item and body together), new sessions and users, revocations, logins, password changes, the odd
 * disabled account, agents' state, metrics and memory, squadron parameters and membership. Only
 * existing agents are referenced, so relationships and memberships keep resolving. The live state
 * is sorted first, so the plan depends on the data, not on the order a scan returned it in.
 */
export function planDemoMutation(state: DemoLiveState, options: DemoMutationOptions): DemoMutationPlan {
  const { seed, day, percent } = options;
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new ValidationError(`invalid change percentage ${String(percent)}: give a number from 0 to 100`);
  }
  if (!Number.isInteger(day) || day < 0) {
    throw new ValidationError(`invalid day ${String(day)}: give a whole number >= 0`);
  }
  const now = options.now.getTime();
  const writes: DemoWrite[] = [];
  const context = (component: DemoComponent): DayContext => {
    const random = new SeededRandom(seed, 'day', day, component);
    return { seed, day, percent, random, writes, at: () => now - random.int(0, 20 * HOUR) };
  };
  const agentIds = [...state.agentIds].sort();
  return {
    writes,
    changes: {
      'vision-lake': planVisionLakeDay(context('vision-lake'), state, agentIds),
      auth: planAuthDay(context('auth'), state),
      agents: planAgentsDay(context('agents'), state, agentIds),
      squadrons: planSquadronsDay(context('squadrons'), state, agentIds),
    },
  };
}

function planVisionLakeDay(day: DayContext, state: DemoLiveState, agentIds: readonly string[]): DemoChangeCounts {
  const { random, writes, seed } = day;
  const documents = [...state.documents].sort(byString((d) => d.docId));
  const touched = touchedCount(documents.length, day.percent);
  if (touched === 0 || agentIds.length === 0) return noChanges();
  // Mostly edits; a few additions and deletions, as a knowledge base grows and is pruned.
  const deletes = documents.length > MINIMUM.documents ? Math.max(1, Math.round(touched * 0.075)) : 0;
  const adds = Math.max(1, Math.round(touched * 0.075));
  const edits = Math.max(1, touched - deletes - adds);
  const chosen = random.sample(documents, edits + deletes);
  const edited = chosen.slice(0, edits);
  const deleted = chosen.slice(edits);
  for (const doc of edited) {
    const version = doc.version + 1;
    const object = documentObject(seed, doc.docId, version);
    writes.push({ type: 'put-object', object });
    writes.push({
      type: 'update-item',
      table: 'visionLakeTable',
      key: { pk: str(`DOC#${doc.docId}`), sk: str('META') },
      set: documentVersionAttributes(seed, object, version, iso(day.at())),
    });
  }
  for (const doc of deleted) {
    const key = { pk: str(`DOC#${doc.docId}`), sk: str('META') };
    writes.push({ type: 'delete-item', table: 'visionLakeTable', key });
    writes.push({ type: 'delete-object', key: documentKey(doc.docId) });
  }
  for (let n = 0; n < adds; n++) {
    const createdAt = day.at();
    const document = buildDocument({
      seed,
      docId: demoId('doc', seed, addedRecordIndex(day.day, n)),
      version: 1,
      createdAt,
      updatedAt: createdAt,
      authorId: random.pick(agentIds),
      reviewerId: undefined,
    });
    writes.push({ type: 'put-object', object: document.object });
    writes.push({ type: 'put-item', table: 'visionLakeTable', item: document.indexItem });
  }
  return { updated: edited.length, added: adds, deleted: deleted.length };
}

function planAuthDay(day: DayContext, state: DemoLiveState): DemoChangeCounts {
  const { random, writes, seed } = day;
  const touched = touchedCount(state.authItemCount, day.percent);
  // The first user (the demo's administrator) is never disabled: a demo platform keeps one.
  const firstUser = demoId('usr', seed, 0);
  const active = state.users.filter((u) => !u.disabled && u.userId !== firstUser).sort(byString((u) => u.userId));
  if (touched === 0 || active.length === 0) return noChanges();
  const changes = noChanges();
  const userKey = (userId: string): DemoItem => ({ pk: str(`USER#${userId}`), sk: str('PROFILE') });

  // Users: a password change (rotation or compromise) every day, logins, and now and then an
  // account disabled; one user each, and at least one user stays enabled.
  const passwordChanges = Math.max(1, Math.round(touched * 0.05));
  const disables =
    day.day % 3 === 0 || touched >= 100 ? Math.min(active.length - 1, Math.max(1, Math.round(touched * 0.01))) : 0;
  const logins = Math.round(touched * 0.2);
  const users = random.sample(active, passwordChanges + disables + logins);
  users.forEach((user, n) => {
    const at = iso(day.at());
    let set: DemoItem;
    if (n < passwordChanges) {
      const hash = passwordHash(seed, user.userId, `day-${String(day.day)}`);
      set = { passwordHash: str(hash), passwordChangedAt: str(at), updatedAt: str(at) };
    } else if (n < passwordChanges + disables) {
      set = { disabled: bool(true), disabledAt: str(at), updatedAt: str(at) };
    } else {
      set = { lastLoginAt: str(at) };
    }
    writes.push({ type: 'update-item', table: 'authTable', key: userKey(user.userId), set });
    changes.updated += 1;
  });

  const newUsers = Math.round(touched * 0.03);
  for (let n = 0; n < newUsers; n++) {
    const index = addedRecordIndex(day.day, n);
    const createdAt = day.at();
    writes.push({
      type: 'put-item',
      table: 'authTable',
      item: buildUser({
        seed,
        userId: demoId('usr', seed, index),
        serial: index,
        createdAt,
        now: createdAt,
        disabled: false,
      }),
    });
    changes.added += 1;
  }

  // Sessions: new sign-ins, a revocation or more, and the oldest sessions cleaned up (expired or
  // signed out). Revoked sessions are left alone so each revocation keeps pointing at its session.
  const newSessions = Math.max(1, Math.round(touched * 0.45));
  for (let n = 0; n < newSessions; n++) {
    writes.push({
      type: 'put-item',
      table: 'authTable',
      item: buildSession({
        seed,
        sessionId: demoId('ses', seed, addedRecordIndex(day.day, n)),
        userId: random.pick(active).userId,
        issuedAt: day.at(),
      }),
    });
    changes.added += 1;
  }
  const open = state.sessions
    .filter((s) => !state.revokedSessionIds.has(s.sessionId))
    .sort(byString((s) => `${s.issuedAt}|${s.sessionId}`));
  const cleaned = open.slice(0, Math.round(touched * 0.2));
  for (const session of cleaned) {
    writes.push({
      type: 'delete-item',
      table: 'authTable',
      key: { pk: str(`USER#${session.userId}`), sk: str(`SESSION#${session.sessionId}`) },
    });
    changes.deleted += 1;
  }
  for (const session of random.sample(open.slice(cleaned.length), Math.max(1, Math.round(touched * 0.05)))) {
    writes.push({ type: 'put-item', table: 'authTable', item: buildRevocation(seed, session, day.at()) });
    changes.added += 1;
  }
  return changes;
}

function planAgentsDay(day: DayContext, state: DemoLiveState, agentIds: readonly string[]): DemoChangeCounts {
  const { random, writes } = day;
  const touched = touchedCount(state.agentItemCount, day.percent);
  if (touched === 0 || agentIds.length === 0) return noChanges();
  const memories = Math.round(touched * 0.1);
  const states = Math.max(1, Math.round(touched * 0.45));
  const metrics = Math.max(1, touched - states - memories);
  const key = (agentId: string, sk: string): DemoItem => ({ pk: str(`AGENT#${agentId}`), sk: str(sk) });
  const update = (agentId: string, sk: string, set: DemoItem): void => {
    writes.push({ type: 'update-item', table: 'agentsTable', key: key(agentId, sk), set });
  };
  const stateAgents = random.sample(agentIds, states);
  for (const agentId of stateAgents) {
    const set = agentStateAttributes(random, day.at());
    // Relationships are redrawn from live agents only, so they always resolve.
    if (random.chance(0.3)) set.relationships = buildRelationships(random, agentId, agentIds, random.int(0, 5));
    update(agentId, 'STATE', set);
  }
  const metricAgents = random.sample(agentIds, metrics);
  for (const agentId of metricAgents) update(agentId, 'METRICS', agentMetricsAttributes(random, day.at()));
  const memoryAgents = random.sample(agentIds, memories);
  for (const agentId of memoryAgents) update(agentId, 'MEMORY', agentMemoryAttributes(random, day.at()));
  return { updated: stateAgents.length + metricAgents.length + memoryAgents.length, added: 0, deleted: 0 };
}

function planSquadronsDay(day: DayContext, state: DemoLiveState, agentIds: readonly string[]): DemoChangeCounts {
  const { random, writes } = day;
  const squadrons = [...state.squadrons].sort(byString((s) => s.pk?.S ?? ''));
  const touched = touchedCount(squadrons.length, day.percent);
  if (touched === 0 || agentIds.length === 0) return noChanges();
  const live = new Set(agentIds);
  const chosen = random.sample(squadrons, touched);
  for (const squadron of chosen) {
    const at = iso(day.at());
    const set: DemoItem = { parameters: squadronParameters(random), updatedAt: str(at) };
    // Members are rewritten from live agents: a change never leaves a dangling member behind.
    const current =
      squadron.members?.SS ?? (squadron.members?.L ?? []).flatMap((m) => (m.S === undefined ? [] : [m.S]));
    const members = current.filter((id) => live.has(id));
    const outsiders = agentIds.filter((id) => !members.includes(id));
    if (random.chance(0.4) && members.length > 1) members.splice(random.int(0, members.length - 1), 1);
    if ((random.chance(0.4) || members.length === 0) && outsiders.length > 0) members.push(random.pick(outsiders));
    if (members.length > 0) set.members = strSet(members.sort());
    const mission = squadron.mission?.M;
    if (mission !== undefined && random.chance(0.3)) {
      set.mission = map({ ...mission, status: str(random.pick(MISSION_STATUSES)) });
    }
    writes.push({ type: 'update-item', table: 'squadronsTable', key: itemKey(squadron), set });
  }
  return { updated: chosen.length, added: 0, deleted: 0 };
}

function clock(options: DemoGenerationOptions): number {
  return options.now?.getTime() ?? DEMO_EPOCH_MS;
}
