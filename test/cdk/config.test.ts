/**
 * The deployment configuration (lib/config.ts): defaults, and every bad configuration refused
 * with one ValidationError naming the field, before any construct exists. Also the two pure
 * derivations the constructs use: the schedules of a plan and the staleness window of a backup
 * schedule.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { defaultPlan, defaultPlanInput, parsePlan, planDigest } from '../../src/core/plan.js';
import { plannedSchedules } from '../../lib/backup-schedules.js';
import { loadConfig, planJson } from '../../lib/config.js';
import { stalenessWindowSeconds } from '../../lib/monitoring.js';
import { twoSchedulePlan } from './cdk-app.js';

function refusal(input: unknown, options: { baseDir?: string } = {}): ValidationError {
  try {
    loadConfig(input, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/^invalid Wing Rollback configuration \(context "wingRollback"\)/);
    expect((err as Error).message).not.toContain('\n');
    return err as ValidationError;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('loadConfig', () => {
  it('defaults to the default plan, components imported, events archived in a log group', () => {
    for (const input of [undefined, {}, '{}']) {
      const c = loadConfig(input);
      expect(planDigest(c.plan)).toBe(planDigest(defaultPlan()));
      expect(c).toMatchObject({ adminEmails: [], userNoticeEmails: [], createDemoComponents: false, eventBusName: 'default', forwardEvents: 'log-group', logRetention: RetentionDays.ONE_YEAR });
      expect(c.vault).toEqual({ coldStorageAfterDays: 30, noncurrentVersionDays: 30, objectLockDays: undefined });
    }
  });

  it('reads the plan from a file relative to the working directory, or inline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wing-config-'));
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(twoSchedulePlan));
    expect(loadConfig({ planFile: 'plan.json' }, { baseDir: dir }).plan.systemTable).toBe('acme-rollback-system');
    expect(loadConfig({ plan: twoSchedulePlan }).plan.components.map((c) => c.schedule)).toEqual(['rate(1 hour)', 'rate(1 hour)', 'cron(0/30 * * * ? *)', 'cron(0/30 * * * ? *)']);
  });

  it('hands the Lambdas the plan without its derived levels, which parses back to the same plan', () => {
    const plan = loadConfig({}).plan;
    const json = JSON.parse(planJson(plan)) as Record<string, unknown>;
    expect(json.levels).toBeUndefined();
    expect(planDigest(parsePlan(json))).toBe(planDigest(plan));
  });

  const plan = defaultPlanInput();
  it.each([
    ['a bad email', { adminEmails: ['oncall'] }, /at adminEmails\.0: an email address/],
    ['an unknown key', { colour: 'blue' }, /Unrecognized key/],
    ['a non-boolean flag', { createDemoComponents: 'yes' }, /at createDemoComponents/],
    ['an unknown event target', { forwardEvents: 'email' }, /at forwardEvents/],
    ['too early a transition', { vault: { coldStorageAfterDays: 7 } }, /at vault\.coldStorageAfterDays: S3 moves objects to STANDARD_IA after 30 days at the earliest/],
    ['a zero lock', { vault: { objectLockDays: 0 } }, /at vault\.objectLockDays/],
    ['a replica bucket given by name', { vault: { replication: { bucketArn: 'my-replica', kmsKeyArn: 'arn:aws:kms:eu-central-1:222222222222:key/abc' } } }, /at vault\.replication\.bucketArn: the ARN of an S3 bucket/],
    ['a replica key given as an alias', { vault: { replication: { bucketArn: 'arn:aws:s3:::my-replica', kmsKeyArn: 'alias/replica' } } }, /at vault\.replication\.kmsKeyArn: the ARN of a KMS key/],
    ['a replica account that is not an id', { vault: { replication: { bucketArn: 'arn:aws:s3:::my-replica', account: 'prod', kmsKeyArn: 'arn:aws:kms:eu-central-1:222222222222:key/abc' } } }, /at vault\.replication\.account: a 12-digit AWS account id/],
    ['a retention Logs does not offer', { logRetentionDays: 42 }, /at logRetentionDays: a retention CloudWatch Logs offers/],
    ['a bad bus name', { eventBusName: 'my bus' }, /at eventBusName: an event bus name/],
    ['context text that is not JSON', '{not json', /the context value is not JSON/],
    ['a plan without components', { plan: { components: [] } }, /at plan: invalid plan at components/],
    [
      'a plan with a cycle',
      { plan: { components: [{ name: 'alpha', sources: [{ type: 'dynamodb', tableName: 'table-a' }], dependsOn: ['beta'] }, { name: 'beta', sources: [{ type: 'dynamodb', tableName: 'table-b' }], dependsOn: ['alpha'] }] } },
      /dependency cycle alpha -> beta -> alpha/,
    ],
    ['a bucket name S3 refuses', { plan: { ...plan, vaultBucket: 'Wing_Vault' } }, /at plan\.vaultBucket: "Wing_Vault" is not a valid S3 bucket name/],
    ['a table name DynamoDB refuses', { plan: { ...plan, systemTable: 'bad table' } }, /at plan\.systemTable/],
    ['both plan and planFile', { plan, planFile: 'plan.json' }, /give either plan or planFile, not both/],
  ])('refuses %s with one clear error', (_label, input, message) => {
    expect(refusal(input).message).toMatch(message);
  });

  it('refuses a plan file it cannot read, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wing-config-'));
    expect(refusal({ planFile: 'missing.json' }, { baseDir: dir }).message).toMatch(/at planFile: cannot read .*missing\.json as JSON/);
  });

  it('refuses a plan too large for the Lambdas\' 4 KB of environment variables', () => {
    const input = defaultPlanInput();
    const components = input.components.map((c) => ({ ...c, description: 'x'.repeat(700) }));
    expect(refusal({ plan: { ...input, components } }).message).toMatch(/at plan: the plan is \d+ bytes as JSON; .* 4 KB/);
  });
});

describe('plannedSchedules', () => {
  it('groups components by schedule expression, in plan order, then retention, health and drill', () => {
    expect(plannedSchedules(loadConfig({ plan: twoSchedulePlan }).plan).map((s) => [s.id, s.expression, s.input])).toEqual([
      ['Backup1', 'rate(1 hour)', { job: 'backup', components: ['vision-lake', 'auth'] }],
      ['Backup2', 'cron(0/30 * * * ? *)', { job: 'backup', components: ['agents', 'squadrons'] }],
      ['Retention', 'rate(1 day)', { job: 'retention' }],
      ['Health', 'rate(15 minutes)', { job: 'health' }],
      ['Drill', 'cron(0 3 ? * 2 *)', { job: 'drill' }],
    ]);
  });
});

describe('stalenessWindowSeconds', () => {
  it.each([
    ['rate(1 hour)', 7200],
    ['rate(15 minutes)', 1800],
    ['rate(1 day)', 172_800],
    ['cron(0 2 * * ? *)', 172_800],
    // Friday 17:55 to Monday 08:00 is the longest gap.
    ['cron(0/5 8-17 ? * MON-FRI *)', 2 * 223_500],
    ['rate(3 days)', 518_400],
    ['rate(4 days)', 604_800],
  ])('%s: twice the longest gap, at most the 7 days an alarm evaluates', (expression, seconds) => {
    expect(stalenessWindowSeconds(expression)).toBe(seconds);
  });

  it.each(['rate(8 days)', 'cron(0 0 1 * ? *)', 'cron(0 0 1 1 ? 2030)'])('%s: none (a gap longer than 7 days, or one it cannot tell)', (expression) => {
    expect(stalenessWindowSeconds(expression)).toBeUndefined();
  });
});
