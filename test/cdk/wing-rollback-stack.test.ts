/**
 * The synthesized stack, asserted property by property: encryption with the vault key, rotation,
 * versioning, public access blocks, SSL-only policies, access logs, Object Lock, PITR and
 * deletion protection, encrypted topics, the schedules and their inputs, the alarms, and least
 * privilege of the scheduled-job function. Two stacks of one app, synthesized once: the default
 * configuration (components imported by name) and a demo one (components created, two backup
 * schedules, events to the administrators' topic, a locked vault).
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readAwsEnvironment } from '../../src/adapters/aws-environment.js';
import { STACK_OUTPUTS } from '../../src/adapters/stack-outputs.js';
import { defaultPlan, defaultResourceNames, planDigest, parsePlan } from '../../src/core/plan.js';
import { LAMBDA_ENV, WingFunction } from '../../lib/wing-function.js';
import type { WingRollbackStack } from '../../lib/wing-rollback-stack.js';
import { plainAndDemoStacks, twoSchedulePlan } from './cdk-app.js';
import { type Resource, type Statement, entriesOfType, list, logicalId, resources } from './template-queries.js';

let plain: WingRollbackStack;
let demo: WingRollbackStack;
let t: Template;
let d: Template;

beforeAll(() => {
  ({ plain, demo, t, d } = plainAndDemoStacks());
});

const ofType = (template: Template, type: string): Resource[] => entriesOfType(template, type).map(([, r]) => r);
const ref = (stack: WingRollbackStack, token: string): unknown => stack.resolve(token);

/** The statements of the scheduled-job role's policies. */
function jobStatements(stack: WingRollbackStack, template: Template): Statement[] {
  const role = logicalId(stack, stack.scheduledJob.role.node.defaultChild);
  return ofType(template, 'AWS::IAM::Policy')
    .filter((p) => JSON.stringify(p.Properties?.Roles).includes(role))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The actions the job role may do on exactly this resource. */
function actionsOn(statements: Statement[], resource: unknown): string[] {
  const wanted = JSON.stringify(resource);
  return statements.filter((s) => s.Effect === 'Allow' && list(s.Resource).some((r) => JSON.stringify(r) === wanted)).flatMap((s) => list(s.Action));
}

describe('BackupVault', () => {
  it('has one KMS key, rotated, retained', () => {
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResource('AWS::KMS::Key', { Properties: Match.objectLike({ EnableKeyRotation: true }), DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('encrypts the vault with the key (SSE-KMS), versions it, blocks public access, logs access, moves it to a colder class, retains it', () => {
    t.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketName: 'wing-rollback-vault',
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: ref(plain, plain.vault.key.keyArn) }, BucketKeyEnabled: true }] },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LoggingConfiguration: { DestinationBucketName: ref(plain, plain.vault.accessLogsBucket.bucketName), LogFilePrefix: 'vault/' },
        LifecycleConfiguration: {
          Rules: [Match.objectLike({ Status: 'Enabled', Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }], NoncurrentVersionExpiration: { NoncurrentDays: 30 } })],
        },
      }),
      DeletionPolicy: 'Retain',
    });
    const vault = resources(t)[logicalId(plain, plain.vault.bucket.node.defaultChild)];
    expect(vault?.Properties?.ObjectLockEnabled).toBeUndefined();
  });

  it('locks the vault when configured (governance mode, the configured days) and uses the configured lifecycle', () => {
    d.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'acme-rollback-vault',
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 35 } } },
      LifecycleConfiguration: { Rules: [Match.objectLike({ Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 60 }], NoncurrentVersionExpiration: { NoncurrentDays: 14 } })] },
    });
  });

  it('replicates the vault when configured: every object, KMS-encrypted ones with the destination key, deletions kept, the replicas owned by the other account', () => {
    const vault = resources(t)[logicalId(plain, plain.vault.bucket.node.defaultChild)];
    expect(vault?.Properties?.ReplicationConfiguration).toBeUndefined();
    d.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'acme-rollback-vault',
      ReplicationConfiguration: {
        Role: Match.anyValue(),
        Rules: [
          Match.objectLike({
            Status: 'Enabled',
            Destination: Match.objectLike({
              Bucket: 'arn:aws:s3:::acme-rollback-vault-replica',
              Account: '222222222222',
              AccessControlTranslation: { Owner: 'Destination' },
              EncryptionConfiguration: { ReplicaKmsKeyID: 'arn:aws:kms:eu-central-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
            }),
            SourceSelectionCriteria: Match.objectLike({ SseKmsEncryptedObjects: { Status: 'Enabled' } }),
            DeleteMarkerReplication: { Status: 'Disabled' },
          }),
        ],
      },
    });
    // The role decrypts with the vault key and encrypts with the destination's, and writes only to the destination.
    const policies = Object.values(resources(d)).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes('ReplicationRole'));
    const statements = policies.flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
    const writes = statements.filter((st) => list(st.Action).some((a) => a.startsWith('s3:Replicate')));
    expect(writes.flatMap((st) => list(st.Resource as string))).toEqual(['arn:aws:s3:::acme-rollback-vault-replica/*']);
    expect(JSON.stringify(statements)).toContain('arn:aws:kms:eu-central-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  });

  it('keeps the audit trail in a separate bucket that always has Object Lock, encrypted with the key, logged, retained', () => {
    for (const [stack, template, name] of [[plain, t, 'wing-rollback-audit'], [demo, d, 'acme-rollback-audit']] as const) {
      template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({
          BucketName: name,
          ObjectLockEnabled: true,
          VersioningConfiguration: { Status: 'Enabled' },
          BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: ref(stack, stack.vault.key.keyArn) } })] },
          PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicPolicy: true, RestrictPublicBuckets: true }),
          LoggingConfiguration: Match.objectLike({ DestinationBucketName: ref(stack, stack.vault.accessLogsBucket.bucketName) }),
        }),
        DeletionPolicy: 'Retain',
      });
    }
  });

  it('lets every bucket be reached over TLS only and blocks public access on all of them', () => {
    const buckets = Object.entries(resources(t)).filter(([, r]) => r.Type === 'AWS::S3::Bucket');
    // The vault, the audit bucket, their access logs; the portal and its access logs.
    expect(buckets).toHaveLength(5);
    const policies = ofType(t, 'AWS::S3::BucketPolicy');
    for (const [id, bucket] of buckets) {
      expect(bucket.Properties?.PublicAccessBlockConfiguration, id).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      const policy = policies.find((p) => JSON.stringify(p.Properties?.Bucket) === JSON.stringify({ Ref: id }));
      const statements = (policy?.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [];
      expect(statements, id).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    }
  });

  it('delivers access logs to an S3-managed-encrypted bucket (the only kind S3 logs to)', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365 })] },
    });
  });
});

describe('SystemTable', () => {
  it('is the plan\'s pk/sk table, on demand, with PITR, deletion protection, the TTL, encrypted with the vault key, retained', () => {
    t.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        TableName: 'wing-rollback-system',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: ref(plain, plain.vault.key.keyArn) },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('is the only table when the components are imported', () => {
    t.resourceCountIs('AWS::DynamoDB::Table', 1);
  });
});

describe('Notifications', () => {
  it('encrypts both topics with the key and refuses publishing without TLS', () => {
    for (const [stack, template] of [[plain, t], [demo, d]] as const) {
      const topics = ofType(template, 'AWS::SNS::Topic');
      expect(topics).toHaveLength(2);
      for (const topic of topics) expect(topic.Properties?.KmsMasterKeyId).toEqual(ref(stack, stack.vault.key.keyArn));
      const policies = ofType(template, 'AWS::SNS::TopicPolicy');
      const denies = policies.flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement).filter((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'));
      expect(denies).toHaveLength(2);
    }
  });

  it('subscribes the configured addresses', () => {
    t.resourceCountIs('AWS::SNS::Subscription', 0);
    const subscriptions = ofType(d, 'AWS::SNS::Subscription').map((s) => [s.Properties?.Endpoint, s.Properties?.TopicArn]);
    const admin = ref(demo, demo.notifications.adminTopic.topicArn);
    const users = ref(demo, demo.notifications.userTopic.topicArn);
    expect(subscriptions).toEqual(expect.arrayContaining([['oncall@example.com', admin], ['platform@example.com', admin], ['status@example.com', users]]));
    expect(subscriptions).toHaveLength(3);
    d.allResourcesProperties('AWS::SNS::Subscription', { Protocol: 'email' });
  });

  it('forwards wing.rollback events to an encrypted log group by default, through a resource policy limited to the rule', () => {
    t.hasResourceProperties('AWS::Events::Rule', { EventBusName: 'default', EventPattern: { source: ['wing.rollback'] }, Targets: [Match.objectLike({ Arn: Match.anyValue() })] });
    t.hasResource('AWS::Logs::LogGroup', { Properties: Match.objectLike({ KmsKeyId: ref(plain, plain.vault.key.keyArn), RetentionInDays: 365 }), DeletionPolicy: 'Retain' });
    const policy = JSON.stringify(ofType(t, 'AWS::Logs::ResourcePolicy')[0]?.Properties?.PolicyDocument);
    expect(policy).toContain('aws:SourceArn');
    expect(policy).toContain(JSON.stringify(ref(plain, plain.notifications.eventRule?.ruleArn ?? '')).slice(1, -1));
    // The target is the log group's ARN without the ":*" of its Arn attribute.
    const target = (ofType(t, 'AWS::Events::Rule')[0]?.Properties?.Targets as { Arn: unknown }[])[0]?.Arn;
    expect(JSON.stringify(target)).toMatch(/log-group:/);
    expect(JSON.stringify(target)).not.toContain(':*');
    // No custom-resource Lambda for the log group's policy: every function is one of the system's own
    // (beside CDK's BucketDeployment handler, which copies the portal).
    const own = plain.node.findAll().filter((c): c is WingFunction => c instanceof WingFunction).map((w) => logicalId(plain, w.function.node.defaultChild));
    expect(Object.keys(t.findResources('AWS::Lambda::Function')).filter((id) => !id.startsWith('CustomCDKBucketDeployment')).sort()).toEqual(own.sort());
  });

  it('forwards them to the administrators\' topic when configured, and lets EventBridge and CloudWatch use the key for it', () => {
    d.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['wing.rollback'] }, Targets: [Match.objectLike({ Arn: ref(demo, demo.notifications.adminTopic.topicArn) })] });
    d.resourceCountIs('AWS::Logs::ResourcePolicy', 0);
    const keyPolicy = JSON.stringify(ofType(d, 'AWS::KMS::Key')[0]?.Properties?.KeyPolicy);
    expect(keyPolicy).toContain('events.amazonaws.com');
    expect(keyPolicy).toContain('cloudwatch.amazonaws.com');
  });
});

describe('the scheduled-job function', () => {
  it('runs nodejs22.x on x86_64 with active tracing, its own log group with the configured retention, and no managed policy', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['x86_64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
      Timeout: 900,
      LoggingConfig: { LogGroup: ref(plain, plain.scheduledJob.logGroup.logGroupName) },
    });
    d.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.absent(), RetentionInDays: 90 });
    for (const role of ofType(t, 'AWS::IAM::Role')) expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
  });

  it('gets the environment src/adapters/aws-environment.ts reads, and the plan in it is the deployed plan', () => {
    const fn = resources(t)[logicalId(plain, plain.scheduledJob.function.node.defaultChild)];
    const variables = (fn?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables).sort()).toEqual([...Object.values(LAMBDA_ENV), 'NODE_OPTIONS'].sort());
    // Tokens stand for ARNs at deploy time.
    const env = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : 'arn:aws:resolved:eu-west-1:111111111111:x']));
    const read = readAwsEnvironment(env);
    expect(planDigest(read.plan)).toBe(planDigest(defaultPlan()));
    expect(variables[LAMBDA_ENV.eventBusName]).toBe('default');
    expect(variables[LAMBDA_ENV.kmsKeyId]).toEqual(ref(plain, plain.vault.key.keyArn));
    expect(variables[LAMBDA_ENV.adminTopicArn]).toEqual(ref(plain, plain.notifications.adminTopic.topicArn));
    expect(variables[LAMBDA_ENV.userTopicArn]).toEqual(ref(plain, plain.notifications.userTopic.topicArn));
  });
});

describe('least privilege of the scheduled-job function', () => {
  it('has no wildcard action, and "*" only for actions without resource-level permissions', () => {
    for (const [stack, template] of [[plain, t], [demo, d]] as const) {
      const statements = jobStatements(stack, template);
      expect(statements.length).toBeGreaterThan(5);
      for (const s of statements) {
        expect(s.Effect).toBe('Allow');
        for (const a of list(s.Action)) expect(a, JSON.stringify(s)).not.toContain('*');
      }
      expect(actionsOn(statements, '*').sort()).toEqual(['dynamodb:ListTables', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });

  it('names the system table, the key and the topics, and uses the key for envelope encryption and SSE only', () => {
    const s = jobStatements(plain, t);
    expect(actionsOn(s, ref(plain, plain.systemTable.table.tableArn))).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query']),
    );
    expect(new Set(actionsOn(s, ref(plain, plain.vault.key.keyArn)))).toEqual(new Set(['kms:GenerateDataKey', 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt']));
    expect(actionsOn(s, ref(plain, plain.notifications.adminTopic.topicArn))).toEqual(['sns:Publish']);
    expect(actionsOn(s, ref(plain, plain.notifications.userTopic.topicArn))).toEqual(['sns:Publish']);
    expect(JSON.stringify(s.filter((x) => list(x.Action).includes('events:PutEvents')))).toContain('event-bus/default');
  });

  it('reads, writes and prunes the vault, but only appends to the audit bucket (no delete)', () => {
    const s = jobStatements(plain, t);
    const vaultObjects = ref(plain, plain.vault.bucket.arnForObjects('*'));
    const auditObjects = ref(plain, plain.vault.auditBucket.arnForObjects('*'));
    expect(new Set(actionsOn(s, vaultObjects))).toEqual(new Set(['s3:GetObject', 's3:PutObject', 's3:DeleteObject']));
    expect(new Set(actionsOn(s, auditObjects))).toEqual(new Set(['s3:GetObject', 's3:PutObject', 's3:PutObjectRetention']));
    expect(actionsOn(s, ref(plain, plain.vault.auditBucket.bucketArn))).toEqual(['s3:ListBucket']);
  });

  it('only reads the component tables and buckets, imported by name', () => {
    const s = jobStatements(plain, t);
    for (const name of [defaultResourceNames.visionLakeTable, defaultResourceNames.authTable, defaultResourceNames.agentsTable, defaultResourceNames.squadronsTable]) {
      const table = plain.components.tables.get(name);
      expect(table, name).toBeDefined();
      if (!table) continue;
      expect(new Set(actionsOn(s, ref(plain, table.tableArn))), name).toEqual(new Set(['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan']));
    }
    const bucket = plain.components.buckets.get(defaultResourceNames.visionLakeBucket);
    expect(bucket).toBeDefined();
    if (bucket) expect(actionsOn(s, ref(plain, bucket.arnForObjects('*')))).toEqual(['s3:GetObject']);
  });

  it('reads a component bucket only under its prefix, and created demo tables with their key', () => {
    const s = jobStatements(demo, d);
    const bucket = demo.components.buckets.get('wing-vision-lake-documents');
    expect(bucket).toBeDefined();
    if (!bucket) return;
    expect(actionsOn(s, ref(demo, bucket.arnForObjects('docs/*')))).toEqual(['s3:GetObject']);
    const listing = s.find((x) => list(x.Action).includes('s3:ListBucket') && JSON.stringify(x.Resource) === JSON.stringify(ref(demo, bucket.bucketArn)));
    expect(listing?.Condition).toEqual({ StringLike: { 's3:prefix': ['docs/*'] } });
    const auth = demo.components.tables.get('wing-auth');
    expect(auth && actionsOn(s, ref(demo, auth.tableArn))).not.toContain('dynamodb:PutItem');
  });

  it('creates and deletes only the drill\'s scratch tables, named after the system table', () => {
    const s = jobStatements(demo, d);
    const scratch = s.filter((x) => list(x.Action).includes('dynamodb:CreateTable'));
    expect(scratch).toHaveLength(1);
    expect(scratch[0]?.Resource).toBe('arn:aws:dynamodb:eu-west-1:111111111111:table/acme-rollback-system-drill-*');
    expect(list(scratch[0]?.Action ?? [])).toContain('dynamodb:DeleteTable');
  });
});

describe('BackupSchedules', () => {
  const schedules = (template: Template): { expression: unknown; input: unknown; target: Record<string, unknown> }[] =>
    ofType(template, 'AWS::Scheduler::Schedule').map((s) => {
      const target = s.Properties?.Target as Record<string, unknown>;
      return { expression: s.Properties?.ScheduleExpression, input: JSON.parse(target.Input as string) as unknown, target };
    });

  it('invokes the scheduled-job function on every schedule of the default plan with the input it validates', () => {
    const all = schedules(t);
    expect(all.map(({ expression, input }) => ({ expression, input }))).toEqual([
      { expression: 'rate(1 hour)', input: { job: 'backup', components: ['vision-lake', 'auth', 'agents', 'squadrons'] } },
      { expression: 'rate(1 day)', input: { job: 'retention' } },
      { expression: 'rate(15 minutes)', input: { job: 'health' } },
      { expression: 'rate(1 day)', input: { job: 'drill' } },
    ]);
    const fnArn = ref(plain, plain.scheduledJob.function.functionArn);
    const role = ref(plain, plain.schedules.role.roleArn);
    for (const s of all) expect(s.target).toMatchObject({ Arn: fnArn, RoleArn: role, RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 } });
    t.allResourcesProperties('AWS::Scheduler::Schedule', { State: 'ENABLED', GroupName: ref(plain, plain.schedules.group.scheduleGroupName) });
    // Configuration, not data: the group goes with the stack.
    t.hasResource('AWS::Scheduler::ScheduleGroup', { DeletionPolicy: 'Delete' });
  });

  it('makes one backup schedule per distinct expression, the components in plan order', () => {
    expect(schedules(d).map(({ expression, input }) => ({ expression, input }))).toEqual([
      { expression: 'rate(1 hour)', input: { job: 'backup', components: ['vision-lake', 'auth'] } },
      { expression: 'cron(0/30 * * * ? *)', input: { job: 'backup', components: ['agents', 'squadrons'] } },
      { expression: 'rate(1 day)', input: { job: 'retention' } },
      { expression: 'rate(15 minutes)', input: { job: 'health' } },
      { expression: 'cron(0 3 ? * 2 *)', input: { job: 'drill' } },
    ]);
  });

  it('lets only Scheduler of this account and schedule group assume a role that invokes only that function', () => {
    const role = resources(t)[logicalId(plain, plain.schedules.role.node.defaultChild)];
    expect(JSON.stringify(role?.Properties?.AssumeRolePolicyDocument)).toContain('scheduler.amazonaws.com');
    expect(role?.Properties?.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': ref(plain, plain.schedules.group.scheduleGroupArn) } } }],
    });
    const policies = ofType(t, 'AWS::IAM::Policy').filter((p) => JSON.stringify(p.Properties?.Roles).includes(logicalId(plain, plain.schedules.role.node.defaultChild)));
    const statements = policies.flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(statements.flatMap((s) => list(s.Action))).toEqual(['lambda:InvokeFunction']);
  });
});

describe('Monitoring', () => {
  const alarms = (template: Template): Record<string, unknown>[] => ofType(template, 'AWS::CloudWatch::Alarm').map((a) => a.Properties ?? {});
  const dimensionKey = (dimensions: unknown): string =>
    JSON.stringify(((dimensions ?? []) as { Name: string; Value: string }[]).map((x) => `${x.Name}=${x.Value}`).sort());
  const find = (template: Template, metric: string, dimensions: Record<string, string>): Record<string, unknown>[] =>
    alarms(template).filter((a) => a.MetricName === metric && dimensionKey(a.Dimensions) === dimensionKey(Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value }))));

  it('alarms on the scheduled job\'s metrics, every alarm to the administrators\' topic', () => {
    const admin = ref(plain, plain.notifications.adminTopic.topicArn);
    for (const a of alarms(t)) expect(a.AlarmActions).toEqual([admin]);
    expect(find(t, 'BackupFailed', { Job: 'backup' })).toMatchObject([{ Namespace: 'WingRollback', Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' }]);
    expect(find(t, 'HealthLevel', { Job: 'health' })).toMatchObject([{ Namespace: 'WingRollback', Statistic: 'Maximum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'ignore', OKActions: [admin] }]);
    expect(find(t, 'DrillFailed', { Job: 'drill' })).toMatchObject([{ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }]);
    for (const job of ['backup', 'retention', 'health', 'drill']) {
      expect(find(t, 'JobFailed', { Job: job }), job).toMatchObject([{ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }]);
    }
    expect(alarms(t).filter((a) => a.MetricName === 'Errors' && a.Namespace === 'AWS/Lambda')).toHaveLength(1);
  });

  it('alarms when no backup succeeded for twice the schedule, missing data counting as none', () => {
    expect(find(t, 'BackupSucceeded', { Job: 'backup' })).toMatchObject([{ Period: 7200, Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching', EvaluationPeriods: 1 }]);
  });

  it('watches each component on its own schedule when the plan has several', () => {
    expect(find(d, 'BackupSucceeded', { Job: 'backup' })).toHaveLength(0);
    for (const [component, period] of [['vision-lake', 7200], ['auth', 7200], ['agents', 3600], ['squadrons', 3600]] as const) {
      expect(find(d, 'BackupSucceeded', { Job: 'backup', Component: component }), component).toMatchObject([{ Period: period, TreatMissingData: 'breaching', OKActions: [ref(demo, demo.notifications.adminTopic.topicArn)] }]);
    }
  });

  it('has a dashboard', () => {
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('component resources', () => {
  it('creates the demo tables and bucket with the plan\'s names, encrypted, with PITR', () => {
    const tables = ofType(d, 'AWS::DynamoDB::Table').map((r) => r.Properties?.TableName);
    expect(tables.sort()).toEqual(['acme-rollback-system', 'wing-agents', 'wing-auth', 'wing-squadrons', 'wing-vision-lake']);
    for (const table of ofType(d, 'AWS::DynamoDB::Table')) {
      expect(table.Properties?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties?.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
    }
    d.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'wing-vision-lake-documents', BucketEncryption: Match.anyValue(), LoggingConfiguration: Match.anyValue() });
  });
});

describe('outputs', () => {
  it('declares what the CLI\'s --target aws reads (this slice\'s part of it), with the digest of the deployed plan', () => {
    const outputs = (t.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    for (const name of ['systemTableName', 'vaultBucketName', 'auditBucketName', 'kmsKeyArn', 'eventBusName', 'adminTopicArn', 'userTopicArn', 'planDigest'] as const) {
      expect(outputs[STACK_OUTPUTS[name]], name).toBeDefined();
    }
    expect(outputs[STACK_OUTPUTS.planDigest]?.Value).toBe(planDigest(defaultPlan()));
    const demoOutputs = (d.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    expect(demoOutputs[STACK_OUTPUTS.planDigest]?.Value).toBe(planDigest(parsePlan(twoSchedulePlan)));
    expect(demoOutputs[STACK_OUTPUTS.eventBusName]?.Value).toBe('default');
  });
});
