/**
 * The CDK test apps: the app of bin/app.ts with cdk.json's feature flags, bundling skipped (the
 * bundles are the bundle test's), and CDK's built-in CloudFormation schema validation off (it
 * costs ~10 s of CPU per synth; `npx cdk synth` runs it). Each test file synthesizes once.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Environment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig, type WingRollbackConfigInput } from '../../lib/config.js';
import { PROJECT_ROOT } from '../../lib/wing-function.js';
import { WingRollbackStack } from '../../lib/wing-rollback-stack.js';

/** cdk.json's context (the recommended feature flags), as `cdk synth` passes it. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export function testApp(): App {
  return new App({
    outdir: mkdtempSync(join(tmpdir(), 'wing-cdk-')),
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
}

export function addStack(app: App, id: string, config: WingRollbackConfigInput, env?: Environment): WingRollbackStack {
  return new WingRollbackStack(app, id, { config: loadConfig(config), ...(env ? { env } : {}) });
}

/** A plan with two backup schedules, for the per-component alarms and the schedule grouping. */
export const twoSchedulePlan = {
  systemTable: 'acme-rollback-system',
  vaultBucket: 'acme-rollback-vault',
  auditBucket: 'acme-rollback-audit',
  drillSchedule: 'cron(0 3 ? * 2 *)',
  components: [
    { name: 'vision-lake', kind: 'vision-lake', sources: [{ type: 'dynamodb', tableName: 'wing-vision-lake' }, { type: 's3', bucketName: 'wing-vision-lake-documents', prefix: 'docs/' }], schedule: 'rate(1 hour)' },
    { name: 'auth', kind: 'auth', sources: [{ type: 'dynamodb', tableName: 'wing-auth' }], dependsOn: ['vision-lake'], schedule: 'rate(1 hour)' },
    { name: 'agents', kind: 'agents', sources: [{ type: 'dynamodb', tableName: 'wing-agents' }], dependsOn: ['vision-lake', 'auth'], schedule: 'cron(0/30 * * * ? *)' },
    { name: 'squadrons', kind: 'squadrons', sources: [{ type: 'dynamodb', tableName: 'wing-squadrons' }], dependsOn: ['agents'], schedule: 'cron(0/30 * * * ? *)' },
  ],
};

/** The second configuration the tests synthesize: demo components, two schedules, events to the topic, a locked vault replicated to another account. */
export const demoConfig: WingRollbackConfigInput = {
  plan: twoSchedulePlan,
  adminEmails: ['oncall@example.com', 'platform@example.com'],
  userNoticeEmails: ['status@example.com'],
  createDemoComponents: true,
  forwardEvents: 'admin-topic',
  vault: { coldStorageAfterDays: 60, noncurrentVersionDays: 14, objectLockDays: 35, replication: { bucketArn: 'arn:aws:s3:::acme-rollback-vault-replica', account: '222222222222', kmsKeyArn: 'arn:aws:kms:eu-central-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab' } },
  logRetentionDays: 90,
};

export const testEnv: Environment = { account: '111111111111', region: 'eu-west-1' };

/** The two stacks most tests read: the default configuration, and {@link demoConfig} in {@link testEnv}; synthesized once. */
export function plainAndDemoStacks(): { plain: WingRollbackStack; demo: WingRollbackStack; t: Template; d: Template } {
  const app = testApp();
  const plain = addStack(app, 'Plain', {});
  const demo = addStack(app, 'Demo', demoConfig, testEnv);
  app.synth();
  return { plain, demo, t: Template.fromStack(plain), d: Template.fromStack(demo) };
}
