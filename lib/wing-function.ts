/**
 * Every Lambda of the system: one handler file of `lambdas/`, bundled locally with esbuild (no
 * Docker, no npm install at synth), on nodejs22.x x86_64 with active tracing, its own log group
 * and its own role. The bind methods are the only way a function gets access: each sets the
 * environment variable the code reads (src/adapters/aws-environment.ts) and grants exactly the
 * actions the code calls, on exactly the resources it names.
 *
 * The native zstd binding (@mongodb-js/zstd, loaded at run time through createRequire, so esbuild
 * leaves it alone) is copied into the bundle's node_modules by an afterBundling hook: the
 * prebuilt linux-x64-gnu binary installed by npm, which is why the functions are x86_64.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Plan } from '../src/core/plan.js';
import { planJson } from './config.js';
import { acknowledgeWildcardResource } from './nag.js';

/** The environment variables of src/adapters/aws-environment.ts. */
export const LAMBDA_ENV = {
  plan: 'WING_PLAN',
  kmsKeyId: 'WING_KMS_KEY_ID',
  eventBusName: 'WING_EVENT_BUS_NAME',
  adminTopicArn: 'WING_ADMIN_TOPIC_ARN',
  userTopicArn: 'WING_USER_TOPIC_ARN',
} as const;

/** What the admin API's functions read besides (readAdminApiEnvironment in src/adapters/aws-environment.ts). */
export const ADMIN_API_ENV = {
  stateMachineArn: 'WING_STATE_MACHINE_ARN',
  sessionKeySecretArn: 'WING_SESSION_KEY_SECRET_ARN',
  portalOriginSecretArn: 'WING_PORTAL_ORIGIN_SECRET_ARN',
} as const;

/** The repository root: entries, package-lock.json and node_modules are found from it. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What a function does with a table: `read` (backups, health checks) or `readWrite`. */
export type TableAccess = 'read' | 'readWrite';
/**
 * What a function does with a bucket: `read`, `readWrite` (the vault), `append` (the audit
 * bucket: put with a retention, never delete), `put` (new objects only, never read: the rollback
 * log's lines) or `readPut` (read and add, never delete: a safety snapshot's packs and manifests).
 */
export type BucketAccess = 'read' | 'readWrite' | 'append' | 'put' | 'readPut';
/**
 * What a function does with the vault key: data keys for packs it writes and reads
 * (`encryptDecrypt`), reads only (`decrypt`), or nothing but read its id at cold start (`nameOnly`).
 */
export type KeyAccess = 'encryptDecrypt' | 'decrypt' | 'nameOnly';
/** Which of the two topics a function publishes to. */
export type NoticeTopic = 'admin' | 'users';

const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
  readWrite: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
};
/** The key actions on an encrypted table's key, by access: what DynamoDB checks of the caller. */
export const TABLE_KEY_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: ['kms:Decrypt', 'kms:DescribeKey'],
  readWrite: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
};
const OBJECT_ACTIONS: Readonly<Record<BucketAccess, readonly string[]>> = {
  read: ['s3:GetObject'],
  readWrite: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
  // PutObject with ObjectLockMode/ObjectLockRetainUntilDate needs s3:PutObjectRetention.
  append: ['s3:GetObject', 's3:PutObject', 's3:PutObjectRetention'],
  put: ['s3:PutObject'],
  readPut: ['s3:GetObject', 's3:PutObject'],
};
const BUCKET_KEY_ACTIONS: Readonly<Record<BucketAccess, readonly string[]>> = {
  read: ['kms:Decrypt'],
  readWrite: ['kms:Decrypt', 'kms:GenerateDataKey'],
  append: ['kms:Decrypt', 'kms:GenerateDataKey'],
  // SSE-KMS: S3 asks the key for a data key on a put, and to decrypt it on a get.
  put: ['kms:GenerateDataKey'],
  readPut: ['kms:Decrypt', 'kms:GenerateDataKey'],
};

const OBJECT_REASONS: Readonly<Record<BucketAccess, string>> = {
  read: 'Backups read every object of a component\'s source (the whole prefix the plan names, read-only): object keys are WING\'s and not known at deploy time.',
  readWrite: 'The vault\'s object keys are made per snapshot, pack and manifest (src/core/vault-layout.ts), and retention deletes them: the bucket, the system\'s own, is the boundary.',
  append: 'Each audit record is one new object (audit/<seq>.json) put with its Object Lock retention; the function can put and read but never delete, and the bucket\'s COMPLIANCE lock protects every copy.',
  put: 'Each line is a new object whose key is made when it is written (time and a random suffix, so parallel writers never collide); the function can add objects under the prefix, never read or delete them.',
  readPut: 'The function adds objects whose keys are made per snapshot (packs, indexes, manifest chunks, summary) and reads back what it wrote and the snapshots before it; it can never delete one.',
};

const ZSTD_PACKAGES = ['@mongodb-js/zstd', '@mongodb-js/zstd-linux-x64-gnu'] as const;

export interface WingFunctionProps {
  /** The handler file, relative to the repository root (e.g. `lambdas/scheduled-job.ts`). */
  readonly entry: string;
  /** @default 'handler' */
  readonly handler?: string;
  readonly description?: string;
  /** @default 1024 */
  readonly memorySize?: number;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Copy the native zstd binding into the bundle. @default true */
  readonly bundleZstd?: boolean;
  /** @default the repository root */
  readonly projectRoot?: string;
  /**
   * Acknowledge this function's cdk-nag findings (the runtime, its wildcard resources) on its own
   * role. false: a construct grouping several functions that share those decisions acknowledges
   * them once, at its own scope, with reasons of its own.
   * @default true
   */
  readonly acknowledgeFindings?: boolean;
}

export class WingFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  private readonly acknowledgeFindings: boolean;

  constructor(scope: Construct, id: string, props: WingFunctionProps) {
    super(scope, id);
    const root = props.projectRoot ?? PROJECT_ROOT;
    const entry = join(root, props.entry);
    if (!existsSync(entry)) throw new Error(`WingFunction ${id}: no handler file ${entry}`);
    this.acknowledgeFindings = props.acknowledgeFindings ?? true;

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR });
    // Its own role without the AWSLambdaBasicExecutionRole managed policy: logs go to this one log group only.
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: `Wing Rollback ${id}` });
    this.logGroup.grantWrite(this.role);

    const bundleZstd = props.bundleZstd ?? true;
    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: props.handler ?? 'handler',
      projectRoot: root,
      depsLockFilePath: join(root, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.X86_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(1),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      ...(props.description === undefined ? {} : { description: props.description }),
      environment: { NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        // Error class names are the contract of the state machine's Retry/Catch (WingError sets name = new.target.name).
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        // The SDK versions the code is tested with are bundled, not the runtime's.
        externalModules: [],
        // Bundled CommonJS dependencies call require(): give the ES module one.
        banner: 'import { createRequire as __wingCreateRequire } from "node:module"; const require = __wingCreateRequire(import.meta.url);',
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string): string[] => (bundleZstd ? copyZstdCommands(inputDir, outputDir) : []),
        },
      },
    });
    if (this.acknowledgeFindings) this.acknowledgeOwnFindings();
  }

  private acknowledgeOwnFindings(): void {
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'nodejs22.x is the runtime the project fixes on purpose (ARCHITECTURE.md, TOOLCHAIN.md): the code is kept valid on Node 20 (local tests) and 22, and the bundled native zstd binary is chosen for it; moving to a newer runtime is a deliberate, tested change.',
    });
    acknowledgeWildcardResource(
      this.role,
      '*',
      'Only actions without resource-level permissions use "*": X-Ray\'s PutTraceSegments and PutTelemetryRecords (active tracing) and, for a function that runs restore drills, dynamodb:ListTables (finding scratch tables a dead drill left).',
    );
  }

  private env(name: string, value: string): void {
    this.function.addEnvironment(name, value);
  }

  private allow(actions: readonly string[], resources: readonly string[], conditions?: Record<string, Record<string, unknown>>): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [...resources], ...(conditions ? { conditions } : {}) }));
  }

  /** WING_PLAN: the plan, from which the code also takes the names of every table and bucket. */
  bindPlan(plan: Plan): this {
    this.env(LAMBDA_ENV.plan, planJson(plan));
    return this;
  }

  /**
   * WING_KMS_KEY_ID: envelope encryption of packs (GenerateDataKey, Decrypt with an encryption
   * context); `decrypt` for a function that only reads packs; `nameOnly` for one that never
   * touches a pack but whose cold start reads the variable (src/adapters/aws-environment.ts).
   */
  bindKey(key: kms.IKey, access: KeyAccess = 'encryptDecrypt'): this {
    this.env(LAMBDA_ENV.kmsKeyId, key.keyArn);
    if (access !== 'nameOnly') this.allow(access === 'decrypt' ? ['kms:Decrypt'] : ['kms:GenerateDataKey', 'kms:Decrypt'], [key.keyArn]);
    return this;
  }

  /** A table the code names through the plan (no variable): its item actions and its key. */
  bindTable(table: dynamodb.ITable, access: TableAccess): this {
    this.allow(TABLE_ACTIONS[access], [table.tableArn]);
    if (table.encryptionKey) this.allow(TABLE_KEY_ACTIONS[access], [table.encryptionKey.keyArn]);
    return this;
  }

  /**
   * The restore drill's scratch tables, created and deleted by the code under a name prefix
   * (`<systemTable>-drill-`); finding those a dead drill left needs ListTables, which has no
   * resource-level permission.
   */
  bindScratchTables(namePrefix: string): this {
    const arn = Stack.of(this).formatArn({ service: 'dynamodb', resource: 'table', resourceName: `${namePrefix}*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    this.allow(['dynamodb:CreateTable', 'dynamodb:DeleteTable', ...TABLE_ACTIONS.readWrite], [arn]);
    if (this.acknowledgeFindings) acknowledgeWildcardResource(this.role, arn, `Restore drills create, fill, scan and delete scratch tables whose names are made per drill; the prefix ${namePrefix} (the system table's name) confines them, and no WING table has it.`);
    this.allow(['dynamodb:ListTables'], ['*']);
    return this;
  }

  /**
   * A bucket the code names through the plan: listing (except for `put`, which never reads), the
   * object actions of `access` under `prefix`, its key.
   */
  bindBucket(bucket: s3.IBucket, access: BucketAccess, prefix = ''): this {
    if (access !== 'put') this.allow(['s3:ListBucket'], [bucket.bucketArn], prefix === '' ? undefined : { StringLike: { 's3:prefix': [`${prefix}*`] } });
    const objects = bucket.arnForObjects(`${prefix}*`);
    this.allow(OBJECT_ACTIONS[access], [objects]);
    if (this.acknowledgeFindings) acknowledgeWildcardResource(this.role, objects, OBJECT_REASONS[access]);
    if (bucket.encryptionKey) this.allow(BUCKET_KEY_ACTIONS[access], [bucket.encryptionKey.keyArn]);
    return this;
  }

  /** One object of a bucket, by its exact key (no wildcard): the object actions of `access` and the bucket's key. */
  bindObject(bucket: s3.IBucket, key: string, access: BucketAccess): this {
    this.allow(OBJECT_ACTIONS[access], [bucket.arnForObjects(key)]);
    if (bucket.encryptionKey) this.allow(BUCKET_KEY_ACTIONS[access], [bucket.encryptionKey.keyArn]);
    return this;
  }

  /**
   * WING_ADMIN_TOPIC_ARN or WING_USER_TOPIC_ARN: publish, and the topic's key for SNS's
   * encryption; `nameOnly`: the variable a cold start reads, for a function that never publishes.
   */
  bindTopic(topic: sns.ITopic, which: NoticeTopic, access: 'publish' | 'nameOnly' = 'publish'): this {
    this.env(which === 'admin' ? LAMBDA_ENV.adminTopicArn : LAMBDA_ENV.userTopicArn, topic.topicArn);
    if (access === 'nameOnly') return this;
    this.allow(['sns:Publish'], [topic.topicArn]);
    if (topic.masterKey) this.allow(['kms:GenerateDataKey', 'kms:Decrypt'], [topic.masterKey.keyArn]);
    return this;
  }

  /** WING_EVENT_BUS_NAME: put events on that bus; `nameOnly`: the variable alone, for a function that never puts one. */
  bindEventBus(bus: events.IEventBus, access: 'put' | 'nameOnly' = 'put'): this {
    this.env(LAMBDA_ENV.eventBusName, bus.eventBusName);
    if (access === 'nameOnly') return this;
    this.allow(['events:PutEvents'], [bus.eventBusArn]);
    return this;
  }

  /**
   * WING_STATE_MACHINE_ARN, and the calls of src/adapters/step-functions-*.ts that `uses` names:
   * `start` (StartExecution on the state machine), `describe` (DescribeExecution: does a
   * rollback's execution still run) and `history` (GetExecutionHistory: its steps) on its
   * executions, which are named by rollback ids made per rollback. No use: the variable alone.
   */
  bindStateMachine(stateMachine: sfn.IStateMachine, uses: readonly StateMachineUse[]): this {
    this.env(ADMIN_API_ENV.stateMachineArn, stateMachine.stateMachineArn);
    if (uses.includes('start')) this.allow(['states:StartExecution'], [stateMachine.stateMachineArn]);
    const onExecutions = [...(uses.includes('describe') ? ['states:DescribeExecution'] : []), ...(uses.includes('history') ? ['states:GetExecutionHistory'] : [])];
    if (onExecutions.length > 0) {
      const executions = executionsOf(stateMachine);
      this.allow(onExecutions, [executions]);
      if (this.acknowledgeFindings) acknowledgeWildcardResource(this.role, executions, 'Each rollback is one execution named by its rollback id, made when it is requested; the wildcard covers the executions of this one state machine only.');
    }
    return this;
  }

  /** WING_SESSION_KEY_SECRET_ARN: the admin API's session signing key, read once per cold start (GetSecretValue), and its key to decrypt it. */
  bindSessionKeySecret(secret: secretsmanager.ISecret): this {
    this.env(ADMIN_API_ENV.sessionKeySecretArn, secret.secretArn);
    this.allow(['secretsmanager:GetSecretValue'], [secret.secretArn]);
    if (secret.encryptionKey) this.allow(['kms:Decrypt'], [secret.encryptionKey.keyArn]);
    return this;
  }

  /** WING_PORTAL_ORIGIN_SECRET_ARN: the value that marks requests from the portal's distribution (lambdas/portal-viewer.ts), read once per cold start. */
  bindPortalOriginSecret(secret: secretsmanager.ISecret): this {
    this.env(ADMIN_API_ENV.portalOriginSecretArn, secret.secretArn);
    this.allow(['secretsmanager:GetSecretValue'], [secret.secretArn]);
    if (secret.encryptionKey) this.allow(['kms:Decrypt'], [secret.encryptionKey.keyArn]);
    return this;
  }
}

/** What a function does with the rollback state machine (WingFunction.bindStateMachine). */
export type StateMachineUse = 'start' | 'describe' | 'history';

/** The ARN pattern of a state machine's executions (`arn:...:execution:<name>:*`), as CDK's own grants build it. */
export function executionsOf(stateMachine: sfn.IStateMachine): string {
  const stack = Stack.of(stateMachine);
  const name = stack.splitArn(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName ?? '';
  return stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** Shell commands (run by the local bundler) copying the installed zstd packages into the bundle. */
function copyZstdCommands(inputDir: string, outputDir: string): string[] {
  const binary = `${inputDir}/node_modules/@mongodb-js/zstd-linux-x64-gnu/zstd.linux-x64-gnu.node`;
  return [
    `test -f "${binary}" || { echo "Wing Rollback: ${binary} is missing: the Lambdas need the linux-x64 zstd binary (npm installs it on linux x64; elsewhere run npm install --cpu=x64 --os=linux @mongodb-js/zstd-linux-x64-gnu)" >&2; exit 1; }`,
    `mkdir -p "${outputDir}/node_modules/@mongodb-js"`,
    ...ZSTD_PACKAGES.map((p) => `cp -R "${inputDir}/node_modules/${p}" "${outputDir}/node_modules/${p}"`),
  ];
}
