/**
 * The backup plan: which components exist, where their data lives, what each depends on, and how
 * often and how long they are kept. The plan is data, validated with zod, never code: an operator
 * adds a component by adding an entry. Restore order is derived, not declared: components are
 * grouped into dependency levels by a topological sort (Kahn's algorithm), and the components of
 * one level may restore in parallel because none depends on another.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from './errors.js';
import { isCidr, isCountryCode } from './network-policy.js';

const nameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,62}$/, 'a component name is lower-case letters, digits and dashes');

export const dynamoSourceSchema = z.strictObject({
  type: z.literal('dynamodb'),
  tableName: z.string().min(3).max(255),
});
export const s3SourceSchema = z.strictObject({
  type: z.literal('s3'),
  bucketName: z.string().min(3).max(63),
  prefix: z.string().default(''),
});
export const sourceSchema = z.discriminatedUnion('type', [dynamoSourceSchema, s3SourceSchema]);

/**
 * Field rules applied at backup time; restore keeps the live value of such a field (see
 * sanitization.ts). `field` is a top-level attribute name of the component's DynamoDB items (no
 * nested paths; S3 objects have no attributes to sanitize).
 */
export const sanitizationRuleSchema = z.strictObject({
  field: z.string().min(1),
  action: z.enum(['omit', 'hash', 'mask']),
});

export const retentionSchema = z.strictObject({
  keepLast: z.number().int().min(0).default(0),
  hourly: z.number().int().min(0).default(0),
  daily: z.number().int().min(0).default(7),
  weekly: z.number().int().min(0).default(4),
  monthly: z.number().int().min(0).default(6),
});

/** An EventBridge schedule expression: rate(...) or cron(...) with six fields. */
const scheduleSchema = z
  .string()
  .regex(
    /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\((\S+ ){5}\S+\))$/,
    'a schedule is rate(N unit) or cron(six fields)',
  );

export const componentSchema = z.strictObject({
  name: nameSchema,
  /** Which component semantics (validators, reconciliation) apply; `generic` has none. */
  kind: z.enum(['vision-lake', 'auth', 'agents', 'squadrons', 'generic']).default('generic'),
  description: z.string().default(''),
  sources: z.array(sourceSchema).min(1),
  dependsOn: z.array(nameSchema).default([]),
  schedule: scheduleSchema.default('rate(1 hour)'),
  sanitize: z.array(sanitizationRuleSchema).default([]),
});

/**
 * Who may reach the administrative operations and how often (issue 5). Addresses are enforced by
 * the admin API's handlers (and, on AWS, by the API's resource policy and the WAF); countries by
 * CloudFront / WAF geo match on AWS and the viewer-country header in the handlers. An empty list
 * means no restriction of that kind. The limits count per user and per source address.
 */
export const securitySchema = z.strictObject({
  allowedCidrs: z.array(z.string().refine(isCidr, 'a CIDR block such as 203.0.113.0/24 or 2001:db8::/32')).default([]),
  allowedCountries: z.array(z.string().refine(isCountryCode, 'an ISO 3166-1 alpha-2 country code such as DE or US')).default([]),
  /** Rollback starts per user and per source address in any hour (undo and cleanup are not limited). */
  rollbackStartsPerHour: z.number().int().min(1).max(1000).default(3),
  /** Failed sign-ins per user and source address within the window before a lockout. */
  failedSignIns: z.number().int().min(1).max(1000).default(5),
  failedSignInWindowMinutes: z.number().int().min(1).max(24 * 60).default(15),
  /** The first lockout; each further one without a successful sign-in between doubles it (at most a day). */
  lockoutMinutes: z.number().int().min(1).max(24 * 60).default(15),
  /** API Gateway stage throttling on AWS (requests per second, burst). */
  apiThrottle: z.strictObject({ rateLimit: z.number().min(1).default(10), burstLimit: z.number().int().min(1).default(20) }).default({ rateLimit: 10, burstLimit: 20 }),
});

export const planSchema = z.strictObject({
  version: z.literal(1).default(1),
  /** The rollback system's own table (catalog, administrators, audit, locks). */
  systemTable: z.string().min(3).default('wing-rollback-system'),
  /** The bucket holding packs, manifests and summaries. */
  vaultBucket: z.string().min(3).default('wing-rollback-vault'),
  /** The bucket mirroring the audit trail, one object per record; Object-Locked on AWS. */
  auditBucket: z.string().min(3).default('wing-rollback-audit'),
  /** How long each record's copy in the audit bucket is locked (COMPLIANCE mode, on AWS). */
  auditRetentionDays: z.number().int().min(1).max(36_500).default(400),
  retention: retentionSchema.default({ keepLast: 0, hourly: 0, daily: 7, weekly: 4, monthly: 6 }),
  /** Pack target size in bytes before compression. */
  packTargetBytes: z.number().int().min(64 * 1024).default(4 * 1024 * 1024),
  /** zstd level of packs (1 fastest .. 19 smallest); see ZstdCompressor for the trade-off. */
  compressionLevel: z.number().int().min(1).max(19).default(1),
  /** When retention is applied (it holds the rollback lock while it prunes: not every hour). */
  retentionSchedule: scheduleSchema.default('rate(1 day)'),
  /** When a restore drill restores the newest point into scratch copies to prove it restores. */
  drillSchedule: scheduleSchema.default('rate(1 day)'),
  /** When the health watch checks the platform (transitions are announced and notified). */
  healthSchedule: scheduleSchema.default('rate(15 minutes)'),
  security: securitySchema.default({
    allowedCidrs: [],
    allowedCountries: [],
    rollbackStartsPerHour: 3,
    failedSignIns: 5,
    failedSignInWindowMinutes: 15,
    lockoutMinutes: 15,
    apiThrottle: { rateLimit: 10, burstLimit: 20 },
  }),
  components: z.array(componentSchema).min(1),
});

export type DynamoSource = z.infer<typeof dynamoSourceSchema>;
export type S3Source = z.infer<typeof s3SourceSchema>;
export type Source = z.infer<typeof sourceSchema>;
export type SanitizationRule = z.infer<typeof sanitizationRuleSchema>;
export type RetentionPolicy = z.infer<typeof retentionSchema>;
export type SecurityPolicy = z.infer<typeof securitySchema>;
export type ComponentPlan = z.infer<typeof componentSchema>;
export type ComponentKind = ComponentPlan['kind'];

/** A validated plan with its components' dependency levels (0 restores first). */
export interface Plan extends z.infer<typeof planSchema> {
  readonly levels: readonly (readonly ComponentPlan[])[];
}

/** Names of the default WING resources (the demo creates them; on AWS they are imported). */
export const defaultResourceNames = {
  visionLakeTable: 'wing-vision-lake',
  visionLakeBucket: 'wing-vision-lake-documents',
  authTable: 'wing-auth',
  agentsTable: 'wing-agents',
  squadronsTable: 'wing-squadrons',
} as const;

/** The four WING components of ARCHITECTURE.md, in the plan's input form. */
export function defaultPlanInput(): z.input<typeof planSchema> {
  const n = defaultResourceNames;
  return {
    version: 1,
    components: [
      {
        name: 'vision-lake',
        kind: 'vision-lake',
        description: 'knowledge documents every agent reads: index table and document bodies',
        sources: [
          { type: 'dynamodb', tableName: n.visionLakeTable },
          { type: 's3', bucketName: n.visionLakeBucket, prefix: '' },
        ],
        dependsOn: [],
        schedule: 'rate(1 hour)',
      },
      {
        name: 'auth',
        kind: 'auth',
        description: 'users, sessions, tokens, revocations, emergency credentials',
        // Sessions and grants reference documents of the knowledge store.
        sources: [{ type: 'dynamodb', tableName: n.authTable }],
        dependsOn: ['vision-lake'],
        schedule: 'rate(1 hour)',
      },
      {
        name: 'agents',
        kind: 'agents',
        description: 'agent state, configuration, memory, metrics, relationships',
        // Agents read the knowledge store and run as principals of auth.
        sources: [{ type: 'dynamodb', tableName: n.agentsTable }],
        dependsOn: ['vision-lake', 'auth'],
        schedule: 'rate(1 hour)',
      },
      {
        name: 'squadrons',
        kind: 'squadrons',
        description: 'groups of agents, missions, hierarchy, parameters',
        // Squadron members are agents: agents must be restored first.
        sources: [{ type: 'dynamodb', tableName: n.squadronsTable }],
        dependsOn: ['agents'],
        schedule: 'rate(1 hour)',
      },
    ],
  };
}

/** Validates a plan and derives its dependency levels; any problem is one ValidationError. */
export function parsePlan(input: unknown): Plan {
  const parsed = planSchema.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    throw new ValidationError(`invalid plan${where}: ${first?.message ?? 'unknown problem'}`);
  }
  const plan = parsed.data;
  const levels = dependencyLevels(plan.components);
  checkSourcesDisjoint(plan);
  checkSanitizationRules(plan);
  return { ...plan, levels };
}

/** The key attributes of every component table (CONTRACT.md, "Data of the four components"). */
const KEY_ATTRIBUTES: readonly string[] = ['pk', 'sk'];

/**
 * Sanitization rules apply to top-level attributes of a component's DynamoDB items: a component
 * reading only S3 has nothing they could apply to. A key attribute cannot be sanitized (a restore
 * finds the live item by its key), and two rules for one field would contradict each other.
 */
function checkSanitizationRules(plan: z.infer<typeof planSchema>): void {
  for (const c of plan.components) {
    if (c.sanitize.length === 0) continue;
    if (!c.sources.some((s) => s.type === 'dynamodb')) {
      throw new ValidationError(`invalid plan: component "${c.name}" has sanitization rules but no DynamoDB source (rules apply to attributes of DynamoDB items)`);
    }
    const seen = new Set<string>();
    for (const { field } of c.sanitize) {
      if (KEY_ATTRIBUTES.includes(field)) throw new ValidationError(`invalid plan: component "${c.name}" cannot sanitize the key attribute "${field}"`);
      if (seen.has(field)) throw new ValidationError(`invalid plan: component "${c.name}" has more than one sanitization rule for "${field}"`);
      seen.add(field);
    }
  }
}

/**
 * Every live record belongs to exactly one component: a differential restore deletes what its
 * snapshot did not have, so two components over the same data, or a component over the rollback
 * system's own table or vault, would delete each other's data (or the backups themselves).
 */
function checkSourcesDisjoint(plan: z.infer<typeof planSchema>): void {
  // The vault is pruned and the audit mirror never is: one bucket cannot be both.
  if (plan.auditBucket === plan.vaultBucket) throw new ValidationError(`invalid plan: the audit bucket and the vault bucket are both ${plan.vaultBucket}`);
  const tables = new Map<string, string>();
  const prefixes: { bucket: string; prefix: string; component: string }[] = [];
  for (const c of plan.components) {
    for (const source of c.sources) {
      if (source.type === 'dynamodb') {
        if (source.tableName === plan.systemTable) throw new ValidationError(`invalid plan: component "${c.name}" reads the rollback system's own table ${source.tableName}`);
        const other = tables.get(source.tableName);
        if (other) throw new ValidationError(`invalid plan: table ${source.tableName} is a source of both "${other}" and "${c.name}"`);
        tables.set(source.tableName, c.name);
        continue;
      }
      if (source.bucketName === plan.vaultBucket) throw new ValidationError(`invalid plan: component "${c.name}" reads the vault bucket ${source.bucketName}`);
      if (source.bucketName === plan.auditBucket) throw new ValidationError(`invalid plan: component "${c.name}" reads the audit bucket ${source.bucketName}`);
      if (source.prefix !== '' && !source.prefix.endsWith('/')) {
        throw new ValidationError(`invalid plan: prefix "${source.prefix}" of "${c.name}" must end with "/" (or be empty for the whole bucket)`);
      }
      const overlap = prefixes.find((p) => p.bucket === source.bucketName && (p.prefix.startsWith(source.prefix) || source.prefix.startsWith(p.prefix)));
      if (overlap) {
        throw new ValidationError(`invalid plan: s3://${source.bucketName}/${source.prefix} of "${c.name}" overlaps s3://${overlap.bucket}/${overlap.prefix} of "${overlap.component}"`);
      }
      prefixes.push({ bucket: source.bucketName, prefix: source.prefix, component: c.name });
    }
  }
}

/** The default plan, validated. */
export function defaultPlan(): Plan {
  return parsePlan(defaultPlanInput());
}

/**
 * Groups components into levels: level k holds the components whose dependencies all sit in levels
 * below k. Duplicate names, unknown dependencies and cycles are refused with one clear error.
 */
export function dependencyLevels(components: readonly ComponentPlan[]): ComponentPlan[][] {
  const byName = new Map<string, ComponentPlan>();
  for (const c of components) {
    if (byName.has(c.name)) throw new ValidationError(`invalid plan: component "${c.name}" is declared twice`);
    byName.set(c.name, c);
  }
  for (const c of components) {
    for (const d of c.dependsOn) {
      if (!byName.has(d)) throw new ValidationError(`invalid plan: component "${c.name}" depends on unknown component "${d}"`);
      if (d === c.name) throw new ValidationError(`invalid plan: component "${c.name}" depends on itself`);
    }
  }
  const levels: ComponentPlan[][] = [];
  const placed = new Set<string>();
  let remaining = [...components];
  while (remaining.length > 0) {
    const level = remaining.filter((c) => c.dependsOn.every((d) => placed.has(d)));
    if (level.length === 0) {
      throw new ValidationError(`invalid plan: dependency cycle ${describeCycle(remaining)}`);
    }
    for (const c of level) placed.add(c.name);
    levels.push(level);
    remaining = remaining.filter((c) => !placed.has(c.name));
  }
  return levels;
}

/** Finds one cycle among components that could not be placed, as "a -> b -> a". */
function describeCycle(stuck: readonly ComponentPlan[]): string {
  const byName = new Map(stuck.map((c) => [c.name, c]));
  const start = stuck[0];
  if (!start) return '';
  const path: string[] = [];
  const seen = new Map<string, number>();
  let current: ComponentPlan | undefined = start;
  while (current && !seen.has(current.name)) {
    seen.set(current.name, path.length);
    path.push(current.name);
    const next: string | undefined = current.dependsOn.find((d) => byName.has(d));
    current = next === undefined ? undefined : byName.get(next);
  }
  if (!current) return path.join(' -> ');
  const from = seen.get(current.name) ?? 0;
  return [...path.slice(from), current.name].join(' -> ');
}

/** Restore order: the components level by level. */
export function restoreOrder(plan: Plan): ComponentPlan[] {
  return plan.levels.flat();
}

/** The component of the plan with that name, or a ValidationError naming the known ones. */
export function componentByName(plan: Plan, name: string): ComponentPlan {
  const found = plan.components.find((c) => c.name === name);
  if (!found) {
    throw new ValidationError(
      `unknown component "${name}": the plan has ${plan.components.map((c) => c.name).join(', ')}`,
    );
  }
  return found;
}

/**
 * A digest of what a plan means (its validated form, keys sorted), so that two copies of a plan
 * can be compared: the deployed stack publishes the digest of the plan it was built from, and
 * the CLI's `--target aws` refuses a different local plan instead of acting on wrong names.
 */
export function planDigest(plan: Plan): string {
  // The levels follow from the components.
  const meaning: Record<string, unknown> = { ...plan };
  delete meaning.levels;
  return createHash('sha256').update(sortedJson(meaning)).digest('hex');
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sortedJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
