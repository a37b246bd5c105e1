/**
 * The rollback state machine as synthesized: its definition is the ASL file after substitution
 * (no drift, no placeholder left), asl-validator accepts it, it logs everything and is traced,
 * its failures raise an alarm, and each role (the state machine's, each Task function's) may do
 * exactly what its step does. Two stacks of one app, synthesized once: the default configuration
 * (components imported by name) and the demo one (components created, encrypted with the key).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { rollbackTaskNames, type RollbackTaskName } from '../../lambdas/rollback-task-handlers.js';
import { localSubstitutions } from '../../src/local/local-rollback-executor.js';
import { readAwsEnvironment } from '../../src/adapters/aws-environment.js';
import { STACK_OUTPUTS } from '../../src/adapters/stack-outputs.js';
import type { Plan } from '../../src/core/plan.js';
import { vaultLayout } from '../../src/core/vault-layout.js';
import { loadConfig } from '../../lib/config.js';
import {
  definitionPlaceholders,
  ROLLBACK_DEFINITION_FILE,
  ROLLBACK_LOGS_PREFIX,
  RollbackStateMachine,
  taskEntry,
  taskPlaceholder,
  type RollbackStateMachineProps,
} from '../../lib/rollback-state-machine.js';
import { PROJECT_ROOT } from '../../lib/wing-function.js';
import type { WingRollbackStack } from '../../lib/wing-rollback-stack.js';
import { demoConfig, plainAndDemoStacks } from './cdk-app.js';
import { type Resource, type Statement, list, logicalId, resources } from './template-queries.js';

const ASL_TEXT = readFileSync(join(PROJECT_ROOT, ROLLBACK_DEFINITION_FILE), 'utf8');

let plain: WingRollbackStack;
let demo: WingRollbackStack;
let t: Template;
let d: Template;

beforeAll(() => {
  ({ plain, demo, t, d } = plainAndDemoStacks());
});

/**
 * A CloudFormation value as a deterministic string: `<Id>` for a Ref, `<Id.Attr>` for a
 * GetAtt, the parts of a Join concatenated. Enough for every value these templates substitute
 * or name in a policy; anything else fails the test that meets it.
 */
function cfn(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return `<${v.Ref}>`;
  const att = v['Fn::GetAtt'] as [string, string] | undefined;
  if (att) return `<${att[0]}.${att[1]}>`;
  const join = v['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map(cfn).join(join[0]);
  throw new Error(`no deterministic form for ${JSON.stringify(value)}`);
}

/** `${Name}` replaced as CloudFormation's DefinitionSubstitutions do; a placeholder without a value is an error. */
function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no substitution for \${${name}}`);
    return value;
  });
}

function stateMachineOf(template: Template): Resource {
  const all = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as Resource[];
  expect(all).toHaveLength(1);
  return all[0] as Resource;
}

/** What each placeholder must become, worked out from the constructs (not from the template). */
function expectedValues(stack: WingRollbackStack, eventBusName: string): Record<string, string> {
  const values: Record<string, string> = {
    SystemTableName: `<${logicalId(stack, stack.systemTable.table.node.defaultChild)}>`,
    EventBusName: eventBusName,
    AdminTopicArn: `<${logicalId(stack, stack.notifications.adminTopic.node.defaultChild)}>`,
  };
  for (const task of rollbackTaskNames) values[taskPlaceholder(task)] = `<${logicalId(stack, stack.rollback.functions[task].function.node.defaultChild)}.Arn>`;
  return values;
}

/** The statements of the policies attached to a role. */
function statementsOf(stack: WingRollbackStack, template: Template, role: { node: { defaultChild?: unknown } }): Statement[] {
  const id = logicalId(stack, role.node.defaultChild);
  return Object.values(resources(template))
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes(`"${id}"`))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** resource → sorted actions, over every Allow statement (resources in their deterministic form). */
function grants(statements: Statement[]): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const s of statements) {
    expect(s.Effect).toBe('Allow');
    for (const r of list(s.Resource)) {
      const key = cfn(r);
      const set = out.get(key) ?? new Set<string>();
      for (const a of list(s.Action)) set.add(a);
      out.set(key, set);
    }
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

const taskRole = (stack: WingRollbackStack, task: RollbackTaskName) => stack.rollback.functions[task].role;

describe('the rollback definition', () => {
  it('is the ASL file, unchanged, with a substitution for every placeholder in it and no other', () => {
    for (const template of [t, d]) {
      const props = stateMachineOf(template).Properties ?? {};
      expect(props.DefinitionString).toBe(ASL_TEXT);
      expect(props.DefinitionS3Location).toBeUndefined();
      const substitutions = props.DefinitionSubstitutions as Record<string, unknown>;
      expect(Object.keys(substitutions).sort()).toEqual(definitionPlaceholders(ASL_TEXT).sort());
      // The same names as local mode's substitutions, so the file runs the same in both.
      expect(Object.keys(substitutions).sort()).toEqual(Object.keys(localSubstitutions('t')).sort());
    }
  });

  it('after substitution equals the file with each placeholder replaced by the resource the construct made for it (no drift)', () => {
    for (const [stack, template] of [[plain, t], [demo, d]] as const) {
      const props = stateMachineOf(template).Properties ?? {};
      const deployed = substitute(String(props.DefinitionString), Object.fromEntries(Object.entries(props.DefinitionSubstitutions as Record<string, unknown>).map(([k, v]) => [k, cfn(v)])));
      // Computed apart from the template: a placeholder the ASL gains without a resource behind it fails here.
      const expected = substitute(ASL_TEXT, expectedValues(stack, 'default'));
      expect(deployed).toBe(expected);
      expect(deployed).not.toMatch(/\$\{/);
    }
  });

  it('calls each Task function exactly where the file says, and every Task function is called', () => {
    const definition = JSON.parse(ASL_TEXT) as unknown;
    const resourcesUsed = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const o = node as Record<string, unknown>;
        if (o.Type === 'Task' && typeof o.Resource === 'string') resourcesUsed.add(o.Resource);
        Object.values(o).forEach(walk);
      }
    };
    walk(definition);
    const functions = [...resourcesUsed].filter((r) => r.startsWith('${')).sort();
    expect(functions).toEqual(rollbackTaskNames.map((task) => `\${${taskPlaceholder(task)}}`).sort());
  });

  it('is accepted by asl-validator once substituted with real-looking values', async () => {
    const validate = (await import('asl-validator')).default;
    const values: Record<string, string> = {
      SystemTableName: 'wing-rollback-system',
      EventBusName: 'default',
      AdminTopicArn: 'arn:aws:sns:eu-west-1:111111111111:WingRollback-AdminTopic',
    };
    for (const task of rollbackTaskNames) values[taskPlaceholder(task)] = `arn:aws:lambda:eu-west-1:111111111111:function:WingRollback-${task}`;
    const props = stateMachineOf(d).Properties ?? {};
    const definition = JSON.parse(substitute(String(props.DefinitionString), values)) as unknown;
    const r = validate(structuredClone(definition));
    expect(r.errors).toEqual([]);
    expect(r.isValid).toBe(true);
  });

  it('refuses, in one error naming it, a definition with a placeholder no resource fills', () => {
    const folder = mkdtempSync(join(tmpdir(), 'wing-asl-'));
    const file = join(folder, 'extra.asl.json');
    const withExtra = JSON.parse(ASL_TEXT) as { States: Record<string, unknown> };
    withExtra.States.Extra = { Type: 'Task', Resource: '${ArchiveFunctionArn}', End: true };
    writeFileSync(file, JSON.stringify(withExtra, null, 2));
    expect(() => new RollbackStateMachine(new Stack(new App(), 'S'), 'R', { ...propsOf(plain), definitionFile: file })).toThrow(/placeholders no resource of this construct fills: ArchiveFunctionArn/);
  });

  it('refuses a definition that no longer calls a Task function, and a plan source without its resource', () => {
    const folder = mkdtempSync(join(tmpdir(), 'wing-asl-'));
    const file = join(folder, 'fewer.asl.json');
    writeFileSync(file, ASL_TEXT.replaceAll('${IntegrityCheckFunctionArn}', '${HealthCheckFunctionArn}'));
    const props = { ...propsOf(plain), definitionFile: file, componentTables: new Map() };
    expect(() => new RollbackStateMachine(new Stack(new App(), 'S'), 'R', props)).toThrow(
      /RollbackStateMachine R: no table wing-vision-lake \(component vision-lake\) among componentTables; .*calls no function for IntegrityCheckFunctionArn/,
    );
  });
});

/** The props the stack gave its construct, for the construct's own checks (they fail before any resource is made). */
function propsOf(stack: WingRollbackStack): RollbackStateMachineProps {
  return {
    plan: planOf(stack),
    systemTable: stack.systemTable.table,
    vaultBucket: stack.vault.bucket,
    auditBucket: stack.vault.auditBucket,
    key: stack.vault.key,
    adminTopic: stack.notifications.adminTopic,
    userTopic: stack.notifications.userTopic,
    eventBus: stack.notifications.eventBus,
    componentTables: stack.components.tables,
    componentBuckets: stack.components.buckets,
  };
}

/** The plan each test stack was built from. */
function planOf(stack: WingRollbackStack): Plan {
  return loadConfig(stack === demo ? demoConfig : {}).plan;
}

describe('the rollback state machine', () => {
  it('logs every execution with its data to its own log group, with the configured retention, and is traced', () => {
    for (const [stack, template, days] of [[plain, t, 365], [demo, d, 90]] as const) {
      const props = stateMachineOf(template).Properties ?? {};
      expect(props.StateMachineType).toBe('STANDARD');
      expect(props.TracingConfiguration).toEqual({ Enabled: true });
      const logging = props.LoggingConfiguration as { Level: string; IncludeExecutionData: boolean; Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: unknown } }[] };
      expect(logging.Level).toBe('ALL');
      expect(logging.IncludeExecutionData).toBe(true);
      const group = logicalId(stack, stack.rollback.logGroup.node.defaultChild);
      expect(logging.Destinations.map((x) => cfn(x.CloudWatchLogsLogGroup.LogGroupArn))).toEqual([`<${group}.Arn>`]);
      expect(resources(template)[group]?.Properties?.RetentionInDays).toBe(days);
    }
  });

  it('may invoke exactly the Task functions, delete the lock item, put events on the bus and notify the administrators, and nothing else', () => {
    for (const [stack, template] of [[plain, t], [demo, d]] as const) {
      const role = stack.rollback.stateMachine.role as unknown as { node: { defaultChild?: unknown } };
      const g = grants(statementsOf(stack, template, role));
      const id = (c: { node: { defaultChild?: unknown } }): string => logicalId(stack, c.node.defaultChild);
      const key = `<${id(stack.vault.key)}.Arn>`;
      const expected = new Map<string, string[]>([
        // Step Functions' log delivery and X-Ray: AWS offers no resource-level permission for them.
        ['*', ['logs:CreateLogDelivery', 'logs:DeleteLogDelivery', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:GetLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:UpdateLogDelivery', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']],
        ...rollbackTaskNames.map((task): [string, string[]] => [`<${id(stack.rollback.functions[task].function)}.Arn>`, ['lambda:InvokeFunction']]),
        [`<${id(stack.systemTable.table)}.Arn>`, ['dynamodb:DeleteItem']],
        [cfn(stack.resolve(stack.notifications.eventBus.eventBusArn)), ['events:PutEvents']],
        [`<${id(stack.notifications.adminTopic)}>`, ['sns:Publish']],
        // The topic's key (SNS encrypts for the publisher) and the table's (DynamoDB uses it as the caller): the same key.
        [key, ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']],
      ]);
      expect(Object.fromEntries(g)).toEqual(Object.fromEntries(expected));
    }
  });

  it('alarms the administrators when a rollback fails, times out or is stopped', () => {
    for (const [stack, template] of [[plain, t], [demo, d]] as const) {
      const sm = logicalId(stack, stack.rollback.stateMachine.node.defaultChild);
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
      const rollbackAlarms = alarms.filter((a) => JSON.stringify(a.Properties?.Metrics ?? []).includes(`"${sm}"`));
      expect(rollbackAlarms).toHaveLength(1);
      const alarm = rollbackAlarms[0]?.Properties ?? {};
      const metrics = alarm.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] }; Stat: string } }[];
      const stats = metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat] : []));
      expect(stats.map((s) => s.Metric.MetricName).sort()).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
      for (const s of stats) {
        expect(s.Metric.Namespace).toBe('AWS/States');
        expect(s.Stat).toBe('Sum');
        expect(s.Metric.Dimensions.map((x) => [x.Name, cfn(x.Value)])).toEqual([['StateMachineArn', `<${sm}>`]]);
      }
      expect(metrics.find((m) => m.Expression)?.Expression).toMatch(/failed.*timedOut.*aborted/);
      expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
      expect((alarm.AlarmActions as unknown[]).map(cfn)).toEqual([`<${logicalId(stack, stack.notifications.adminTopic.node.defaultChild)}>`]);
    }
  });

  it('is named in the outputs the CLI reads', () => {
    t.hasOutput(STACK_OUTPUTS.stateMachineArn, { Value: { Ref: logicalId(plain, plain.rollback.stateMachine.node.defaultChild) } });
  });
});

describe('the Task functions', () => {
  it('are one per Task, from lambdas/<task>.ts, and none outlives the Task state that calls it', () => {
    expect(taskEntry('AcquireLock')).toBe('lambdas/acquire-lock.ts');
    expect(taskEntry('SelectRecoveryPoint')).toBe('lambdas/select-recovery-point.ts');
    const timeouts = new Map<string, number[]>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const o = node as Record<string, unknown>;
        if (o.Type === 'Task' && typeof o.Resource === 'string') timeouts.set(o.Resource, [...(timeouts.get(o.Resource) ?? []), Number(o.TimeoutSeconds)]);
        Object.values(o).forEach(walk);
      }
    };
    walk(JSON.parse(ASL_TEXT));
    const fns = resources(t);
    for (const task of rollbackTaskNames) {
      const fn = fns[logicalId(plain, plain.rollback.functions[task].function.node.defaultChild)]?.Properties ?? {};
      const stateTimeouts = timeouts.get(`\${${taskPlaceholder(task)}}`) ?? [];
      expect(stateTimeouts.length, task).toBeGreaterThan(0);
      expect(Number(fn.Timeout), task).toBeLessThanOrEqual(Math.min(...stateTimeouts));
    }
    // A restore hands over a minute before its timeout: it needs far more than that minute.
    expect(fns[logicalId(plain, plain.rollback.functions.RestoreComponent.function.node.defaultChild)]?.Properties?.Timeout).toBe(900);
  });

  it('get the environment every rollback Lambda reads at cold start, with the deployed plan', () => {
    for (const task of rollbackTaskNames) {
      const fn = resources(t)[logicalId(plain, plain.rollback.functions[task].function.node.defaultChild)]?.Properties ?? {};
      const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(variables).sort(), task).toEqual(['NODE_OPTIONS', 'WING_ADMIN_TOPIC_ARN', 'WING_EVENT_BUS_NAME', 'WING_KMS_KEY_ID', 'WING_PLAN', 'WING_USER_TOPIC_ARN']);
      // Tokens stand for ARNs at deploy time.
      const env = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `arn:aws:x:::${k}`]));
      expect(readAwsEnvironment(env).plan).toEqual(planOf(plain));
    }
  });

  /** Per function, the actions on every resource it may touch, in the default stack. */
  function access(stack: WingRollbackStack, template: Template, task: RollbackTaskName): Map<string, string[]> {
    return grants(statementsOf(stack, template, taskRole(stack, task)));
  }

  it('write the component tables and buckets only in RestoreComponent; the checks, the snapshot and verification only read them', () => {
    for (const [stack, template] of [[plain, t], [demo, d]] as const) {
      const sources = planOf(stack).components.flatMap((c) => c.sources);
      const tables = sources.flatMap((s) => (s.type === 'dynamodb' ? [cfn(stack.resolve(stack.components.tables.get(s.tableName)?.tableArn))] : []));
      const objects = sources.flatMap((s) => (s.type === 's3' ? [cfn(stack.resolve(stack.components.buckets.get(s.bucketName)?.arnForObjects(`${s.prefix}*`)))] : []));
      expect(tables.length * objects.length).toBeGreaterThan(0);
      const read = ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'];
      const write = [...read, 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'].sort();
      const expectation: Record<RollbackTaskName, 'none' | 'read' | 'write'> = {
        AcquireLock: 'none',
        SelectRecoveryPoint: 'none',
        HealthCheck: 'read',
        SetSystemMode: 'none',
        SafetySnapshot: 'read',
        RestoreComponent: 'write',
        VerifyComponent: 'read',
        IntegrityCheck: 'read',
        RecordOutcome: 'none',
      };
      for (const task of rollbackTaskNames) {
        const g = access(stack, template, task);
        const want = expectation[task];
        for (const table of tables) expect(g.get(table), `${task} ${table}`).toEqual(want === 'none' ? undefined : want === 'read' ? read : write);
        for (const o of objects) expect(g.get(o), `${task} ${o}`).toEqual(want === 'none' ? undefined : want === 'read' ? ['s3:GetObject'] : ['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
      }
    }
  });

  it('add rollback log lines and the status document, read snapshots only where a step needs them, and never delete from the vault', () => {
    for (const [stack, template] of [[plain, t], [demo, d]] as const) {
      const vault = (key: string): string => cfn(stack.resolve(stack.vault.bucket.arnForObjects(key)));
      const vaultArn = cfn(stack.resolve(stack.vault.bucket.bucketArn));
      const snapshots: Partial<Record<RollbackTaskName, string[]>> = {
        HealthCheck: ['s3:GetObject'],
        IntegrityCheck: ['s3:GetObject'],
        SafetySnapshot: ['s3:GetObject', 's3:PutObject'],
        RestoreComponent: ['s3:GetObject'],
        VerifyComponent: ['s3:GetObject'],
      };
      for (const task of rollbackTaskNames) {
        const g = access(stack, template, task);
        const onVault = [...g].filter(([r]) => r.startsWith(vaultArn));
        expect(Object.fromEntries(onVault), task).toEqual({
          [vault(`${ROLLBACK_LOGS_PREFIX}*`)]: ['s3:PutObject'],
          [vault(vaultLayout.statusDocument)]: ['s3:PutObject'],
          ...(snapshots[task] ? { [vault(`${vaultLayout.componentsPrefix}*`)]: snapshots[task], [vaultArn]: ['s3:ListBucket'] } : {}),
        });
      }
      expect(vaultLayout.rollbackLogPrefix('rb-1').startsWith(ROLLBACK_LOGS_PREFIX)).toBe(true);
    }
  });

  it('append to the audit trail only where a step records one (mode changes, outcomes), and never delete a copy', () => {
    const audit = cfn(plain.resolve(plain.vault.auditBucket.bucketArn));
    for (const task of rollbackTaskNames) {
      const onAudit = Object.fromEntries([...access(plain, t, task)].filter(([r]) => r.startsWith(audit)));
      expect(onAudit, task).toEqual(
        task === 'SetSystemMode' || task === 'RecordOutcome' ? { [`${audit}/audit/*`]: ['s3:GetObject', 's3:PutObject', 's3:PutObjectRetention'], [audit]: ['s3:ListBucket'] } : {},
      );
    }
  });

  it('publish and put events only where the code itself does: health notices, the users\' notice, BackupCompleted', () => {
    const admin = cfn(plain.resolve(plain.notifications.adminTopic.topicArn));
    const users = cfn(plain.resolve(plain.notifications.userTopic.topicArn));
    const bus = cfn(plain.resolve(plain.notifications.eventBus.eventBusArn));
    for (const task of rollbackTaskNames) {
      const g = access(plain, t, task);
      const health = task === 'HealthCheck' || task === 'IntegrityCheck';
      expect(g.get(admin), task).toEqual(health ? ['sns:Publish'] : undefined);
      expect(g.get(users), task).toEqual(task === 'SetSystemMode' ? ['sns:Publish'] : undefined);
      expect(g.get(bus), task).toEqual(health || task === 'SafetySnapshot' ? ['events:PutEvents'] : undefined);
    }
  });

  it('use the key only for what it protects, have no wildcard action, and "*" only for X-Ray', () => {
    for (const [stack, template] of [[plain, t], [demo, d]] as const) {
      const key = cfn(stack.resolve(stack.vault.key.keyArn));
      for (const task of rollbackTaskNames) {
        const statements = statementsOf(stack, template, taskRole(stack, task));
        for (const s of statements) for (const a of list(s.Action)) expect(a, task).not.toMatch(/\*/);
        const g = grants(statements);
        expect(g.get('*'), task).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
        const kmsResources = [...g].filter(([, actions]) => actions.some((a) => a.startsWith('kms:'))).map(([r]) => r);
        expect(kmsResources, task).toEqual([key]);
        // The system table (every step writes it) needs these of the key; no step may re-encrypt, grant or administer it.
        expect(g.get(key), task).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
        // The system table: every step renews the lock and keeps the rollback record.
        expect(g.get(cfn(stack.resolve(stack.systemTable.table.tableArn))), task).toContain('dynamodb:UpdateItem');
        expect(Object.keys(Object.fromEntries(g)).some((r) => r.includes('table/') && r.endsWith('*')), task).toBe(false);
      }
    }
  });

  it('cannot touch anything of the admin API or the scheduled job: no function, state machine or secret', () => {
    for (const task of rollbackTaskNames) {
      const actions = [...access(plain, t, task).values()].flat();
      expect(actions.filter((a) => /^(lambda|states|secretsmanager|iam):/.test(a)), task).toEqual([]);
    }
  });

  it('keep the acknowledgements of their shared findings on the rollback construct, not on each role', () => {
    const perRole = rollbackTaskNames.flatMap((task) => taskRole(plain, task).node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'));
    expect(perRole).toEqual([]);
  });
});
