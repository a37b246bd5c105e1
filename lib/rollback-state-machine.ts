/**
 * The emergency rollback: the Step Functions state machine of
 * `statemachines/emergency-rollback.asl.json` (the file local mode runs too), and one Lambda per
 * Task of it (`lambdas/<task>.ts`).
 *
 * The definition is the file's text, unchanged: its `${Name}` placeholders are CloudFormation's
 * definitionSubstitutions, derived from the file itself, so a placeholder the construct does not
 * fill (or a function no Task calls any more) is an error at synth rather than a broken
 * deployment. The execution logs everything (level ALL with execution data) to its own log group,
 * and X-Ray traces it.
 *
 * Every Task function builds the same rollback services at cold start (so each gets every
 * variable src/adapters/aws-environment.ts reads), but is granted only what its step does
 * (TASKS below, from src/rollback/rollback-steps.ts): all of them renew the lock and keep the
 * rollback record in the system table and add lines to the rollback log and the status document
 * in the vault; only some read the components, the snapshots, or publish. The state machine's own
 * role invokes exactly these functions and reaches exactly what the ASL's direct integrations
 * name: the lock item's table (deleteItem), the event bus, the administrators' topic.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { rollbackTaskNames, type RollbackTaskName } from '../lambdas/rollback-task-handlers.js';
import { AUDIT_MIRROR_PREFIX } from '../src/core/audit-mirror.js';
import { vaultLayout } from '../src/core/vault-layout.js';
import { acknowledgeWildcardResource } from './nag.js';
import { PROJECT_ROOT, TABLE_KEY_ACTIONS, WingFunction, type KeyAccess } from './wing-function.js';
import type { SystemResources } from './system-resources.js';

/** Where every rollback's log lines are (vaultLayout.rollbackLogPrefix(id) is below it). */
export const ROLLBACK_LOGS_PREFIX = 'rollback-logs/';

/** The definition file, relative to the repository root. */
export const ROLLBACK_DEFINITION_FILE = 'statemachines/emergency-rollback.asl.json';

/** The placeholders (`${Name}`) of an ASL text, each once, in order of first appearance. */
export function definitionPlaceholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] ?? ''))];
}

/** The handler file of a Task: `AcquireLock` → `lambdas/acquire-lock.ts`. */
export function taskEntry(task: RollbackTaskName): string {
  return `lambdas/${task.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}.ts`;
}

/** The placeholder of a Task's function ARN, as in the ASL file and in local mode's substitutions. */
export function taskPlaceholder(task: RollbackTaskName): string {
  return `${task}FunctionArn`;
}

/** What one Task's code touches beyond what every Task does (system table, rollback log, status document). */
interface TaskAccess {
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  /** The WING component tables and prefixes: read (checks, snapshots, verification) or written (restore). */
  readonly components?: 'read' | 'readWrite';
  /** The snapshots in the vault (`components/`): read, or read and added to (a safety snapshot). */
  readonly snapshots?: 'read' | 'readPut';
  /** Puts events itself (health transitions, BackupCompleted), beside the state machine's own. */
  readonly events?: boolean;
  /** Publishes to the administrators' topic itself (health transitions). */
  readonly adminTopic?: boolean;
  /** Publishes to the users' service-notice topic (services stop and restart). */
  readonly userTopic?: boolean;
  /** Appends to the audit trail (its table records and their Object-Locked copies). */
  readonly audit?: boolean;
}

/**
 * Every Task of the ASL's Lambda states and what its step (src/rollback/rollback-steps.ts) does.
 * Timeouts: each Task state allows 900 s; the long ones get all of it (a restore hands over with
 * a continuation token a minute before its timeout, and the state machine loops it), the short
 * ones fail fast and are retried by the state machine.
 */
const TASKS: Readonly<Record<RollbackTaskName, TaskAccess>> = {
  AcquireLock: { description: 'takes the rollback lock (conditional write with a lease)', timeout: Duration.minutes(1), memorySize: 512 },
  SelectRecoveryPoint: { description: 'chooses the recovery point (or the safety snapshots to undo to) from the catalog', timeout: Duration.minutes(1), memorySize: 512 },
  // The platform check, and its notice when the status changed (with a dry run of a rollback to propose).
  HealthCheck: { description: 'checks the platform before and after (never blocking)', timeout: Duration.minutes(15), memorySize: 1024, components: 'read', snapshots: 'read', events: true, adminTopic: true },
  // Drains backups in flight (up to a minute) before the services stop.
  SetSystemMode: { description: 'enters and leaves recovery mode, or safe mode', timeout: Duration.minutes(5), memorySize: 512, userTopic: true, audit: true },
  // A snapshot like a backup (compression beside reading and hashing: one full vCPU).
  SafetySnapshot: { description: 'takes the safety snapshot of one component (undo and recovery)', timeout: Duration.minutes(15), memorySize: 1769, components: 'read', snapshots: 'readPut', events: true },
  RestoreComponent: { description: 'restores one component in place, in runs handing over with a continuation token', timeout: Duration.minutes(15), memorySize: 1769, components: 'readWrite', snapshots: 'read' },
  VerifyComponent: { description: 'verifies one restored component against the expected state', timeout: Duration.minutes(15), memorySize: 1769, components: 'read', snapshots: 'read' },
  IntegrityCheck: { description: 'runs the cross-component checks after the restore (never blocking)', timeout: Duration.minutes(15), memorySize: 1024, components: 'read', snapshots: 'read', events: true, adminTopic: true },
  RecordOutcome: { description: 'records the outcome and says what to announce', timeout: Duration.minutes(1), memorySize: 512, audit: true },
};

export interface RollbackStateMachineProps extends SystemResources {
  /** The ASL file, absolute or relative to the repository root. @default ROLLBACK_DEFINITION_FILE */
  readonly definitionFile?: string;
}

export class RollbackStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** The execution log (level ALL, with execution data). */
  readonly logGroup: logs.LogGroup;
  /** The function of each Task. */
  readonly functions: Readonly<Record<RollbackTaskName, WingFunction>>;
  /** The definitionSubstitutions, by placeholder (tokens until deployment). */
  readonly substitutions: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: RollbackStateMachineProps) {
    super(scope, id);
    const file = resolve(PROJECT_ROOT, props.definitionFile ?? ROLLBACK_DEFINITION_FILE);
    const definition = readDefinition(file);
    const placeholders = definitionPlaceholders(definition);
    const problems = missingSources(props);
    const taskPlaceholders = new Set(rollbackTaskNames.map(taskPlaceholder));
    const known = new Set(['SystemTableName', 'EventBusName', 'AdminTopicArn', ...taskPlaceholders]);
    const unknown = placeholders.filter((p) => !known.has(p));
    if (unknown.length > 0) problems.push(`${file} has placeholders no resource of this construct fills: ${unknown.join(', ')}`);
    const unused = [...taskPlaceholders].filter((p) => !placeholders.includes(p));
    if (unused.length > 0) problems.push(`${file} calls no function for ${unused.join(', ')}: remove the Task from rollbackTaskNames or put it back in the definition`);
    if (problems.length > 0) throw new Error(`RollbackStateMachine ${id}: ${problems.join('; ')}`);

    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const tasks = new Construct(this, 'Tasks');
    const functions = {} as Record<RollbackTaskName, WingFunction>;
    for (const task of rollbackTaskNames) functions[task] = this.taskFunction(tasks, task, props, retention);
    this.functions = functions;

    const values: Record<string, string> = {
      SystemTableName: props.systemTable.tableName,
      EventBusName: props.eventBus.eventBusName,
      AdminTopicArn: props.adminTopic.topicArn,
    };
    for (const task of rollbackTaskNames) values[taskPlaceholder(task)] = functions[task].function.functionArn;
    this.substitutions = Object.fromEntries(placeholders.map((p) => [p, values[p] ?? '']));

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      // The file's text as it is (CloudFormation fills the placeholders), inline in the template
      // so that `cdk diff` shows a change of the flow.
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions: this.substitutions,
      stateMachineType: sfn.StateMachineType.STANDARD,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    const allow = (actions: string[], resources: string[]): void => {
      this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    };
    // The unqualified ARNs the ASL names: no version or alias may be invoked.
    allow(['lambda:InvokeFunction'], rollbackTaskNames.map((t) => functions[t].function.functionArn));
    // ReleaseLock: the conditional delete of the lock item (DynamoDB uses the table's key as the caller).
    allow(['dynamodb:DeleteItem'], [props.systemTable.tableArn]);
    if (props.systemTable.encryptionKey) allow([...TABLE_KEY_ACTIONS.readWrite], [props.systemTable.encryptionKey.keyArn]);
    allow(['events:PutEvents'], [props.eventBus.eventBusArn]);
    allow(['sns:Publish'], [props.adminTopic.topicArn]);
    // Publishing to an encrypted topic: SNS encrypts with the topic's key on the publisher's behalf.
    if (props.adminTopic.masterKey) allow(['kms:GenerateDataKey', 'kms:Decrypt'], [props.adminTopic.masterKey.keyArn]);

    this.acknowledgeFindings(props);
  }

  private taskFunction(scope: Construct, task: RollbackTaskName, props: RollbackStateMachineProps, logRetention: logs.RetentionDays): WingFunction {
    const access = TASKS[task];
    const fn = new WingFunction(scope, task, {
      entry: taskEntry(task),
      description: `Wing Rollback ${task}: ${access.description}`,
      timeout: access.timeout,
      memorySize: access.memorySize,
      logRetention,
      acknowledgeFindings: false,
    });
    const keyAccess: KeyAccess = access.snapshots === 'readPut' ? 'encryptDecrypt' : access.snapshots === 'read' ? 'decrypt' : 'nameOnly';
    fn.bindPlan(props.plan)
      .bindKey(props.key, keyAccess)
      .bindEventBus(props.eventBus, access.events ? 'put' : 'nameOnly')
      .bindTopic(props.adminTopic, 'admin', access.adminTopic ? 'publish' : 'nameOnly')
      .bindTopic(props.userTopic, 'users', access.userTopic ? 'publish' : 'nameOnly')
      // Every step renews the lock and keeps the rollback record (and reads the mode, the catalog).
      .bindTable(props.systemTable, 'readWrite')
      // Every step adds lines to the rollback log and rewrites the status document.
      .bindBucket(props.vaultBucket, 'put', ROLLBACK_LOGS_PREFIX)
      .bindObject(props.vaultBucket, vaultLayout.statusDocument, 'put');
    if (access.snapshots) fn.bindBucket(props.vaultBucket, access.snapshots, vaultLayout.componentsPrefix);
    if (access.audit) fn.bindBucket(props.auditBucket, 'append', AUDIT_MIRROR_PREFIX);
    if (access.components) {
      for (const c of props.plan.components) {
        for (const source of c.sources) {
          if (source.type === 'dynamodb') fn.bindTable(lookUp(props.componentTables, source.tableName), access.components);
          else fn.bindBucket(lookUp(props.componentBuckets, source.bucketName), access.components, source.prefix);
        }
      }
    }
    return fn;
  }

  /**
   * The findings the Task functions and the state machine share, acknowledged once here rather
   * than on each of their roles.
   */
  private acknowledgeFindings(props: RollbackStateMachineProps): void {
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason:
        'The rollback Task functions run nodejs22.x, the runtime the whole project is built and tested for (its bundled zstd binary included): an emergency path is the last place to run on a runtime its handlers were not tested on.',
    });
    acknowledgeWildcardResource(
      this,
      '*',
      'In the rollback, "*" appears only for actions AWS offers no resource-level permission for: X-Ray trace segments and telemetry (the Task functions and the state machine trace actively) and the CloudWatch Logs delivery calls Step Functions makes to log executions.',
    );
    acknowledgeWildcardResource(
      this,
      props.vaultBucket.arnForObjects(`${ROLLBACK_LOGS_PREFIX}*`),
      'The rollback log is one object per line, named by time and a random suffix so that the parallel restores of a level never overwrite each other: the Tasks may only add objects under rollback-logs/, never read or delete them.',
    );
    acknowledgeWildcardResource(
      this,
      props.vaultBucket.arnForObjects(`${vaultLayout.componentsPrefix}*`),
      'Snapshot objects are named by content and snapshot (packs, indexes, manifest chunks, summaries under components/): restores, verification and health proposals read them, the safety snapshot adds its own; no Task may delete one.',
    );
    acknowledgeWildcardResource(
      this,
      props.auditBucket.arnForObjects(`${AUDIT_MIRROR_PREFIX}*`),
      'Mode changes and outcomes append numbered audit copies (audit/<seq>.json) with their COMPLIANCE retention, repairing a missing predecessor: put and read under audit/, never delete, and the lock protects each copy.',
    );
    const prefixes = new Set<string>();
    for (const c of props.plan.components) {
      for (const source of c.sources) {
        if (source.type !== 's3' || prefixes.has(`${source.bucketName}/${source.prefix}`)) continue;
        prefixes.add(`${source.bucketName}/${source.prefix}`);
        acknowledgeWildcardResource(
          this,
          lookUp(props.componentBuckets, source.bucketName).arnForObjects(`${source.prefix}*`),
          `The ${c.name} documents under s3://${source.bucketName}/${source.prefix} are WING's, named by WING: the checks, the safety snapshot and verification read them all, and RestoreComponent alone writes back and deletes what differs from the recovery point.`,
        );
      }
    }
  }
}

function readDefinition(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`RollbackStateMachine: cannot read the definition ${file} (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  try {
    JSON.parse(text);
  } catch (err) {
    throw new Error(`RollbackStateMachine: ${file} is not JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  return text;
}

function missingSources(props: RollbackStateMachineProps): string[] {
  const problems: string[] = [];
  for (const c of props.plan.components) {
    for (const s of c.sources) {
      if (s.type === 'dynamodb' && !props.componentTables.has(s.tableName)) problems.push(`no table ${s.tableName} (component ${c.name}) among componentTables`);
      if (s.type === 's3' && !props.componentBuckets.has(s.bucketName)) problems.push(`no bucket ${s.bucketName} (component ${c.name}) among componentBuckets`);
    }
  }
  return problems;
}

function lookUp<T>(map: ReadonlyMap<string, T>, name: string): T {
  const found = map.get(name);
  if (found === undefined) throw new Error(`RollbackStateMachine: no component resource ${name}`);
  return found;
}
