/**
 * The deployment's configuration: the plan (the same file drives local mode and AWS) and what
 * only a deployment needs (alert addresses, demo components, the event bus, vault lifecycle).
 * It comes from the CDK context key `wingRollback` (cdk.json, or `-c wingRollback='{...}'`) and
 * is validated once: any problem is one ValidationError naming the field, before a construct
 * exists.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { ValidationError } from '../src/core/errors.js';
import { defaultPlan, parsePlan, type Plan } from '../src/core/plan.js';

/** The context key holding the configuration. */
export const CONFIG_CONTEXT_KEY = 'wingRollback';

/** Lambda allows 4 KB of environment variables in all; the plan travels in one of them. */
export const MAX_PLAN_JSON_BYTES = 3072;

export type EventForwarding = 'log-group' | 'admin-topic' | 'none';

/** Where the vault is replicated (lib/backup-vault.ts). */
export interface VaultReplication {
  /** The destination bucket (versioned; Object-Locked too when the vault is). */
  readonly bucketArn: string;
  /** The destination bucket's account, when it is another one (its bucket policy must let this account's replication role write). */
  readonly account: string | undefined;
  /** The KMS key that encrypts the replicas in the destination's region (its key policy must let the replication role use it). */
  readonly kmsKeyArn: string;
}

const BUCKET_ARN = /^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

export interface WingRollbackConfig {
  readonly plan: Plan;
  /** Subscribed (email) to the administrators' topic: alarms, rollback and health notices. */
  readonly adminEmails: readonly string[];
  /** Subscribed (email) to the users' service-notice topic. */
  readonly userNoticeEmails: readonly string[];
  /** Create the plan's component tables and buckets (a demo account); otherwise import them by name. */
  readonly createDemoComponents: boolean;
  /** The bus the Lambdas put `wing.rollback` events on (`default`: the account's default bus). */
  readonly eventBusName: string;
  /** Where the `wing.rollback` events also go: a log group (an archive), the administrators' topic, or nowhere. */
  readonly forwardEvents: EventForwarding;
  readonly vault: {
    /** Days after which vault objects move to STANDARD_IA (S3 requires at least 30). */
    readonly coldStorageAfterDays: number;
    /** Days after which superseded (pruned) object versions are removed. */
    readonly noncurrentVersionDays: number;
    /** Object Lock (governance mode) on the vault for this many days; undefined: no lock. */
    readonly objectLockDays: number | undefined;
    /** A copy of every vault object in another bucket (another region or account); undefined: none. */
    readonly replication: VaultReplication | undefined;
  };
  /** Retention of the Lambdas' and the event archive's log groups. */
  readonly logRetention: RetentionDays;
  /** AWS WAF web ACLs in front of the admin API and the portal (lib/web-acl.ts). */
  readonly waf: {
    readonly enabled: boolean;
    /** Requests one address may make in any 5 minutes before the rate rule blocks it. */
    readonly rateLimit: number;
    /** The portal's ACL (CLOUDFRONT scope, made in us-east-1) when the stack is in another region. */
    readonly cloudFrontWebAclArn: string | undefined;
  };
  /** The portal's own domain; without it the distribution's *.cloudfront.net name. */
  readonly portal: {
    readonly domainName: string | undefined;
    /** An ACM certificate for `domainName`, in us-east-1 (where CloudFront takes them from). */
    readonly certificateArn: string | undefined;
  };
}

const CLOUDFRONT_WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]{1,128}\/[0-9a-f-]{36}$/;
const US_EAST_1_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]{36}$/;
const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The retentions CloudWatch Logs offers, by their number of days. */
const retentionByDays = new Map<number, RetentionDays>(
  Object.values(RetentionDays)
    .filter((v): v is RetentionDays => typeof v === 'number')
    .map((r): [number, RetentionDays] => [r, r]),
);

const configSchema = z.strictObject({
  /** A plan file (JSON), relative to the working directory; without it and `plan`, the default plan. */
  planFile: z.string().min(1).optional(),
  /** The plan inline (tests, small setups). */
  plan: z.record(z.string(), z.unknown()).optional(),
  adminEmails: z.array(z.email('an email address')).default([]),
  userNoticeEmails: z.array(z.email('an email address')).default([]),
  createDemoComponents: z.boolean().default(false),
  eventBusName: z.string().regex(/^[A-Za-z0-9._\-/]{1,256}$/, 'an event bus name').default('default'),
  forwardEvents: z.enum(['log-group', 'admin-topic', 'none']).default('log-group'),
  vault: z
    .strictObject({
      coldStorageAfterDays: z.number().int().min(30, 'S3 moves objects to STANDARD_IA after 30 days at the earliest').default(30),
      noncurrentVersionDays: z.number().int().min(1).default(30),
      objectLockDays: z.number().int().min(1).max(36_500).optional(),
      replication: z
        .strictObject({
          bucketArn: z.string().regex(BUCKET_ARN, 'the ARN of an S3 bucket (arn:aws:s3:::<name>)'),
          account: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id').optional(),
          kmsKeyArn: z.string().regex(KMS_KEY_ARN, 'the ARN of a KMS key in the destination\'s region (arn:aws:kms:<region>:<account>:key/<id>)'),
        })
        .optional(),
    })
    .default({ coldStorageAfterDays: 30, noncurrentVersionDays: 30 }),
  logRetentionDays: z
    .number()
    .int()
    .refine((d) => retentionByDays.has(d), 'a retention CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, ...)')
    .default(365),
  waf: z
    .strictObject({
      enabled: z.boolean().default(false),
      rateLimit: z.number().int().min(10, 'AWS WAF counts at least 10 requests per 5 minutes').max(2_000_000_000).default(500),
      cloudFrontWebAclArn: z.string().regex(CLOUDFRONT_WEB_ACL_ARN, 'the ARN of a web ACL with CLOUDFRONT scope (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)').optional(),
    })
    .default({ enabled: false, rateLimit: 500 }),
  portal: z
    .strictObject({
      domainName: z.string().regex(DOMAIN_NAME, 'a DNS name such as rollback.example.com').optional(),
      certificateArn: z.string().regex(US_EAST_1_CERTIFICATE_ARN, 'the ARN of an ACM certificate in us-east-1, where CloudFront takes certificates from').optional(),
    })
    .refine((p) => (p.domainName === undefined) === (p.certificateArn === undefined), 'give domainName and certificateArn together (CloudFront serves a domain of its own only with its certificate)')
    .default({}),
});

export type WingRollbackConfigInput = z.input<typeof configSchema>;

export interface LoadConfigOptions {
  /** Where a relative `planFile` is found (default: the working directory). */
  readonly baseDir?: string;
}

const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

function fail(where: string, message: string): never {
  throw new ValidationError(`invalid Wing Rollback configuration (context "${CONFIG_CONTEXT_KEY}")${where === '' ? '' : ` at ${where}`}: ${message}`);
}

/** The plan as the Lambdas read it (WING_PLAN): the validated plan without its derived levels. */
export function planJson(plan: Plan): string {
  const rest: Record<string, unknown> = { ...plan };
  delete rest.levels;
  return JSON.stringify(rest);
}

function loadPlan(input: z.infer<typeof configSchema>, baseDir: string): Plan {
  if (input.plan !== undefined && input.planFile !== undefined) fail('plan', 'give either plan or planFile, not both');
  let raw: unknown;
  if (input.planFile !== undefined) {
    const path = isAbsolute(input.planFile) ? input.planFile : resolve(baseDir, input.planFile);
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      fail('planFile', `cannot read ${path} as JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  } else if (input.plan !== undefined) {
    raw = input.plan;
  } else {
    return defaultPlan();
  }
  try {
    return parsePlan(raw);
  } catch (err) {
    return fail(input.planFile !== undefined ? 'planFile' : 'plan', err instanceof Error ? err.message : String(err));
  }
}

/** What only AWS adds to the plan's rules: names S3 and DynamoDB accept, and a plan that fits the environment. */
function checkForAws(plan: Plan): void {
  for (const [field, name] of [['vaultBucket', plan.vaultBucket], ['auditBucket', plan.auditBucket]] as const) {
    if (!BUCKET_NAME.test(name)) fail(`plan.${field}`, `"${name}" is not a valid S3 bucket name (3-63 lower-case letters, digits, dots and dashes)`);
  }
  // Drills create scratch tables named <systemTable>-drill-<drillId>-<n>.
  if (!TABLE_NAME.test(plan.systemTable) || plan.systemTable.length > 200) {
    fail('plan.systemTable', `"${plan.systemTable}" is not a usable DynamoDB table name (3-200 letters, digits, _ . -)`);
  }
  for (const c of plan.components) {
    for (const s of c.sources) {
      if (s.type === 'dynamodb' && !TABLE_NAME.test(s.tableName)) fail(`plan.components.${c.name}`, `"${s.tableName}" is not a valid DynamoDB table name`);
      if (s.type === 's3' && !BUCKET_NAME.test(s.bucketName)) fail(`plan.components.${c.name}`, `"${s.bucketName}" is not a valid S3 bucket name`);
    }
  }
  const bytes = Buffer.byteLength(planJson(plan));
  if (bytes > MAX_PLAN_JSON_BYTES) {
    fail('plan', `the plan is ${String(bytes)} bytes as JSON; the Lambdas receive it in an environment variable and Lambda allows 4 KB of them in all, so keep it under ${String(MAX_PLAN_JSON_BYTES)} (shorten the component descriptions)`);
  }
}

/** Validates the configuration (the context value, an object or its JSON text) and loads its plan. */
export function loadConfig(input: unknown, options: LoadConfigOptions = {}): WingRollbackConfig {
  let value: unknown = input ?? {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      fail('', 'the context value is not JSON');
    }
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    fail(first?.path.map(String).join('.') ?? '', first?.message ?? 'unknown problem');
  }
  const c = parsed.data;
  const plan = loadPlan(c, options.baseDir ?? process.cwd());
  checkForAws(plan);
  return {
    plan,
    adminEmails: c.adminEmails,
    userNoticeEmails: c.userNoticeEmails,
    createDemoComponents: c.createDemoComponents,
    eventBusName: c.eventBusName,
    forwardEvents: c.forwardEvents,
    vault: {
      coldStorageAfterDays: c.vault.coldStorageAfterDays,
      noncurrentVersionDays: c.vault.noncurrentVersionDays,
      objectLockDays: c.vault.objectLockDays,
      replication: c.vault.replication ? { bucketArn: c.vault.replication.bucketArn, account: c.vault.replication.account, kmsKeyArn: c.vault.replication.kmsKeyArn } : undefined,
    },
    logRetention: retentionByDays.get(c.logRetentionDays) ?? RetentionDays.ONE_YEAR,
    waf: { enabled: c.waf.enabled, rateLimit: c.waf.rateLimit, cloudFrontWebAclArn: c.waf.cloudFrontWebAclArn },
    portal: { domainName: c.portal.domainName, certificateArn: c.portal.certificateArn },
  };
}
