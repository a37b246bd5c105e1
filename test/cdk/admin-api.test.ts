/**
 * The admin API as synthesized (lib/admin-api.ts): one method per route of the route table, each
 * on its group's function; request validation with body models made from the routes' zod
 * schemas; the plan's throttling, JSON access logs, tracing; the resource policy carrying the
 * address allowlist (sparing only requests with the portal's origin secret); errors API Gateway
 * answers itself in the API's own shape; the session key secret; and least privilege of each
 * route group's function, group by group. Two stacks of one app, synthesized once: the default
 * configuration, and a locked one (allowlisted addresses and countries, its own throttling,
 * demo components).
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readAdminApiEnvironment } from '../../src/adapters/aws-environment.js';
import { STACK_OUTPUTS } from '../../src/adapters/stack-outputs.js';
import { routeGroups } from '../../src/api/route-groups.js';
import { PORTAL_ORIGIN_HEADER } from '../../lib/admin-api.js';
import { ADMIN_API_ENV, LAMBDA_ENV, type WingFunction } from '../../lib/wing-function.js';
import type { WingRollbackStack } from '../../lib/wing-rollback-stack.js';
import { addStack, testApp, testEnv, twoSchedulePlan } from './cdk-app.js';
import { type Statement, entriesOfType, list, logicalId, resources } from './template-queries.js';

const lockedSecurity = { allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'], allowedCountries: ['DE', 'NL'], apiThrottle: { rateLimit: 4, burstLimit: 7 } };

let plain: WingRollbackStack;
let locked: WingRollbackStack;
let t: Template;
let l: Template;

beforeAll(() => {
  const app = testApp();
  plain = addStack(app, 'Plain', {});
  locked = addStack(app, 'Locked', { plan: { ...twoSchedulePlan, security: lockedSecurity }, createDemoComponents: true, logRetentionDays: 90 }, testEnv);
  app.synth();
  t = Template.fromStack(plain);
  l = Template.fromStack(locked);
});

const ofType = entriesOfType;
const json = (v: unknown): string => JSON.stringify(v);

function fnOf(stack: WingRollbackStack, group: string): WingFunction {
  const fn = stack.adminApi.functions[group];
  if (!fn) throw new Error(`no function for route group ${group}`);
  return fn;
}

/** The allow statements of a route group's role. */
function statementsOf(stack: WingRollbackStack, template: Template, group: string): Statement[] {
  const role = logicalId(stack, fnOf(stack, group).role.node.defaultChild);
  return ofType(template, 'AWS::IAM::Policy')
    .filter(([, p]) => json(p.Properties?.Roles) === json([{ Ref: role }]))
    .flatMap(([, p]) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((s) => s.Effect === 'Allow');
}

/** The actions a statement list allows on exactly this resource. */
function actionsOn(statements: Statement[], resource: unknown): string[] {
  const wanted = json(resource);
  return [...new Set(statements.filter((s) => list(s.Resource).some((r) => json(r) === wanted)).flatMap((s) => list(s.Action)))].sort();
}

const allActions = (statements: Statement[]): string[] => [...new Set(statements.flatMap((s) => list(s.Action)))].sort();

describe('AdminApi: the REST API', () => {
  it('is one regional REST API with a method for every route of the route table, each on its group\'s function', () => {
    t.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    t.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    const methods = ofType(t, 'AWS::ApiGateway::Method').map(([, m]) => m.Properties ?? {});
    expect(methods).toHaveLength(routeGroups.flatMap((g) => g.routes).length);
    for (const group of routeGroups) {
      const fnArn = json({ 'Fn::GetAtt': [logicalId(plain, fnOf(plain, group.name).function.node.defaultChild), 'Arn'] });
      const ofGroup = methods.filter((m) => json(m.Integration).includes(fnArn));
      expect(ofGroup.map((m) => m.HttpMethod).sort(), group.name).toEqual(group.routes.map((r) => r.method).sort());
      for (const m of ofGroup) expect(m).toMatchObject({ AuthorizationType: 'NONE', Integration: { Type: 'AWS_PROXY' } });
    }
  });

  it('lets API Gateway invoke each function for its own methods only (no test-invoke stage)', () => {
    const permissions = ofType(t, 'AWS::Lambda::Permission').map(([, p]) => p.Properties ?? {});
    expect(permissions).toHaveLength(routeGroups.flatMap((g) => g.routes).length);
    for (const p of permissions) {
      expect(p.Principal).toBe('apigateway.amazonaws.com');
      expect(json(p.SourceArn)).not.toContain('test-invoke-stage');
      expect(json(p.SourceArn)).toMatch(/\/(GET|POST|DELETE)\/api/);
    }
  });

  it('validates bodies and parameters on every method, with a model from the route\'s schema on every route that has a body', () => {
    t.resourceCountIs('AWS::ApiGateway::RequestValidator', 1);
    const [validatorId] = ofType(t, 'AWS::ApiGateway::RequestValidator')[0] ?? [];
    t.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    const bodies = routeGroups.flatMap((g) => g.routes).filter((r) => r.body && !(r.method === 'POST' && r.path === '/api/sessions'));
    t.resourceCountIs('AWS::ApiGateway::Model', bodies.length);
    for (const [id, m] of ofType(t, 'AWS::ApiGateway::Method')) {
      expect(m.Properties?.RequestValidatorId, id).toEqual({ Ref: validatorId });
      if (m.Properties?.HttpMethod === 'POST' && !id.startsWith('AdminApiapisessionsPOST')) expect(m.Properties.RequestModels, id).toEqual({ 'application/json': { Ref: expect.any(String) as string } });
    }
  });

  it('turns the start of a rollback into a strict draft-4 model: the password and the data-loss confirmation are required, nothing else is accepted', () => {
    const model = ofType(t, 'AWS::ApiGateway::Model').find(([, m]) => m.Properties?.Name === 'POSTApiRollbacks')?.[1];
    expect(model?.Properties).toMatchObject({
      ContentType: 'application/json',
      Schema: {
        $schema: 'http://json-schema.org/draft-04/schema#',
        type: 'object',
        additionalProperties: false,
        required: expect.arrayContaining(['command', 'confirmDataLoss', 'password', 'reason']) as string[],
        properties: { confirmDataLoss: { type: 'boolean', enum: [true] }, command: { enum: expect.arrayContaining(['rollback:emergency']) as string[] } },
      },
    });
  });

  it('leaves sign-in bodies to the handler, which audits malformed attempts too', () => {
    const signIn = ofType(t, 'AWS::ApiGateway::Method').find(([id]) => id.startsWith('AdminApiapisessionsPOST'))?.[1];
    expect(signIn?.Properties?.RequestModels).toBeUndefined();
  });

  it('declares path parameters as required and query parameters as optional', () => {
    const status = ofType(t, 'AWS::ApiGateway::Method').find(([id]) => /^AdminApiapirollbacksrollbackIdGET/.test(id))?.[1];
    expect(status?.Properties?.RequestParameters).toEqual({ 'method.request.path.rollbackId': true });
    const plan = ofType(t, 'AWS::ApiGateway::Method').find(([id]) => /^AdminApiapirollbacksplanGET/.test(id))?.[1];
    expect(plan?.Properties?.RequestParameters).toEqual({ 'method.request.querystring.hours': false, 'method.request.querystring.backupId': false });
  });

  it('throttles the stage at the plan\'s rate and burst, traces it, and logs every request as JSON to its own log group', () => {
    t.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: true, MethodSettings: [Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 })] });
    l.hasResourceProperties('AWS::ApiGateway::Stage', { MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 4, ThrottlingBurstLimit: 7 })] });
    const stage = ofType(l, 'AWS::ApiGateway::Stage')[0]?.[1];
    const access = stage?.Properties?.AccessLogSetting as { DestinationArn: unknown; Format: string };
    expect(json(access.DestinationArn)).toContain(logicalId(locked, locked.adminApi.accessLogs.node.defaultChild));
    const fields = JSON.parse(access.Format) as Record<string, string>;
    expect(fields).toMatchObject({ requestId: '$context.requestId', sourceIp: '$context.identity.sourceIp', status: '$context.status', errorMessage: '$context.error.message', validationError: '$context.error.validationErrorString' });
    l.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('answers what API Gateway refuses itself in the API\'s shape, throttling with Retry-After', () => {
    const responses = ofType(t, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => r.Properties ?? {});
    const byType = (type: string): Record<string, unknown> | undefined => responses.find((r) => r.ResponseType === type);
    for (const [type, status] of [['BAD_REQUEST_BODY', '400'], ['BAD_REQUEST_PARAMETERS', '400'], ['MISSING_AUTHENTICATION_TOKEN', '404'], ['ACCESS_DENIED', '403'], ['WAF_FILTERED', '403'], ['THROTTLED', '429'], ['DEFAULT_4XX', undefined], ['DEFAULT_5XX', undefined]] as const) {
      const r = byType(type);
      expect(r?.StatusCode, type).toBe(status);
      expect((r?.ResponseTemplates as Record<string, string>)['application/json'], type).toMatch(/^\{"success":false,"error":/);
      expect(r?.ResponseParameters, type).toMatchObject({ 'gatewayresponse.header.Content-Type': "'application/json'", 'gatewayresponse.header.Cache-Control': "'no-store'" });
    }
    expect(byType('THROTTLED')?.ResponseParameters).toMatchObject({ 'gatewayresponse.header.Retry-After': "'5'" });
  });

  it('allows every caller when the plan names no address, and denies addresses outside the allowlist otherwise, sparing only the portal\'s origin secret', () => {
    expect((ofType(t, 'AWS::ApiGateway::RestApi')[0]?.[1].Properties?.Policy as { Statement: unknown[] }).Statement).toEqual([{ Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*' }]);
    const statements = (ofType(l, 'AWS::ApiGateway::RestApi')[0]?.[1].Properties?.Policy as { Statement: Statement[] }).Statement;
    expect(statements).toHaveLength(2);
    const deny = statements.find((s) => s.Effect === 'Deny');
    expect(deny).toMatchObject({ Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*' });
    expect((deny?.Condition as { NotIpAddress: unknown }).NotIpAddress).toEqual({ 'aws:SourceIp': lockedSecurity.allowedCidrs });
    const referer = json((deny?.Condition as { StringNotEquals: Record<string, unknown> }).StringNotEquals[`aws:${PORTAL_ORIGIN_HEADER}`]);
    expect(referer).toContain('{{resolve:secretsmanager:');
    expect(referer).toContain(logicalId(locked, locked.adminApi.portalOriginSecret.node.defaultChild));
  });

  it('keeps the session key in a generated Secrets Manager secret encrypted with the vault key', () => {
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: { 'Fn::GetAtt': [logicalId(plain, plain.vault.key.node.defaultChild), 'Arn'] },
      GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }),
    });
    t.resourceCountIs('AWS::SecretsManager::Secret', 2);
  });

  it('declares the API\'s URL (ending in /api, as the CLI\'s client takes it)', () => {
    const output = (t.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs[STACK_OUTPUTS.adminApiUrl];
    expect(json(output?.Value)).toMatch(/execute-api/);
    expect(json(output?.Value)).toMatch(/\/api"\]\]\}$/);
  });

  it('alarms on server errors and near-timeout latency', () => {
    const alarms = ofType(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties ?? {});
    expect(alarms.find((a) => a.MetricName === '5XXError' && a.Namespace === 'AWS/ApiGateway')).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(alarms.find((a) => a.MetricName === 'Latency' && a.Namespace === 'AWS/ApiGateway')).toMatchObject({ ExtendedStatistic: 'p99', Threshold: 25_000, EvaluationPeriods: 3 });
  });
});

describe('AdminApi: each route group\'s function', () => {
  it('gets the environment readAdminApiEnvironment reads', () => {
    for (const group of routeGroups) {
      const fn = resources(t)[logicalId(plain, fnOf(plain, group.name).function.node.defaultChild)];
      const variables = (fn?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(variables).sort(), group.name).toEqual([...Object.values(LAMBDA_ENV), ...Object.values(ADMIN_API_ENV), 'NODE_OPTIONS'].sort());
      const env = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : 'arn:aws:resolved:eu-west-1:111111111111:x']));
      expect(() => readAdminApiEnvironment(env), group.name).not.toThrow();
      expect(variables[ADMIN_API_ENV.sessionKeySecretArn]).toEqual({ Ref: logicalId(plain, plain.adminApi.sessionKey.node.defaultChild) });
      expect(variables[ADMIN_API_ENV.stateMachineArn]).toEqual({ Ref: logicalId(plain, plain.rollback.stateMachine.node.defaultChild) });
      expect(variables[ADMIN_API_ENV.portalOriginSecretArn]).toEqual({ Ref: logicalId(plain, plain.adminApi.portalOriginSecret.node.defaultChild) });
    }
  });

  it('reads the session key and the portal\'s origin secret, and no other secret', () => {
    const sessionKey = { Ref: logicalId(plain, plain.adminApi.sessionKey.node.defaultChild) };
    const originSecret = { Ref: logicalId(plain, plain.adminApi.portalOriginSecret.node.defaultChild) };
    for (const group of routeGroups) {
      const statements = statementsOf(plain, t, group.name);
      expect(actionsOn(statements, sessionKey), group.name).toEqual(['secretsmanager:GetSecretValue']);
      expect(actionsOn(statements, originSecret), group.name).toEqual(['secretsmanager:GetSecretValue']);
      const secrets = statements.filter((s) => list(s.Action).some((a) => a.startsWith('secretsmanager:'))).flatMap((s) => list(s.Resource));
      expect(secrets.map((r) => json(r)).sort(), group.name).toEqual([json(sessionKey), json(originSecret)].sort());
    }
  });

  it('has no wildcard action, and "*" only for X-Ray (and ListTables for drills)', () => {
    for (const group of routeGroups) {
      const statements = statementsOf(plain, t, group.name);
      for (const action of allActions(statements)) expect(action, group.name).not.toMatch(/\*/);
      expect(statements.filter((s) => list(s.Resource).includes('*')).flatMap((s) => list(s.Action)).sort(), group.name).toEqual(
        group.name === 'backups' ? ['dynamodb:ListTables', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'] : ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
      );
    }
  });

  it('writes the system table and appends to the audit bucket (never deletes there) in every group', () => {
    const systemTable = { 'Fn::GetAtt': [logicalId(plain, plain.systemTable.table.node.defaultChild), 'Arn'] };
    for (const group of routeGroups) {
      const statements = statementsOf(plain, t, group.name);
      expect(actionsOn(statements, systemTable), group.name).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']) as string[]);
      const audit = statements.filter((s) => json(s.Resource).includes(logicalId(plain, plain.vault.auditBucket.node.defaultChild)) && json(s.Resource).includes('/audit/*'));
      expect(allActions(audit), group.name).toEqual(['s3:GetObject', 's3:PutObject', 's3:PutObjectRetention']);
    }
  });

  it('starts and follows rollback executions from the rollbacks group only, with exactly the calls the code makes (no StopExecution)', () => {
    const stateMachine = { Ref: logicalId(plain, plain.rollback.stateMachine.node.defaultChild) };
    for (const group of routeGroups) {
      const statements = statementsOf(plain, t, group.name);
      const states = allActions(statements).filter((a) => a.startsWith('states:'));
      if (group.name !== 'rollbacks') {
        expect(states, group.name).toEqual([]);
        continue;
      }
      expect(states).toEqual(['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StartExecution']);
      expect(actionsOn(statements, stateMachine)).toEqual(['states:StartExecution']);
      const executions = statements.find((s) => list(s.Action).includes('states:DescribeExecution'));
      expect(json(executions?.Resource)).toMatch(/:execution:.*:\*"\]\]\}$/);
      expect(json(executions?.Resource)).toContain(stateMachine.Ref);
    }
  });

  it('publishes to a topic and puts events only where the group\'s code does', () => {
    const admin = { Ref: logicalId(plain, plain.notifications.adminTopic.node.defaultChild) };
    const users = { Ref: logicalId(plain, plain.notifications.userTopic.node.defaultChild) };
    const expected: Record<string, { topics: string[]; events: boolean }> = {
      sessions: { topics: [], events: false },
      docs: { topics: [], events: false },
      audit: { topics: [], events: false },
      system: { topics: [], events: true },
      health: { topics: ['admin'], events: true },
      backups: { topics: ['admin'], events: true },
      rollbacks: { topics: ['users'], events: true },
      platform: { topics: ['users'], events: true },
      'vision-lake': { topics: [], events: false },
    };
    for (const group of routeGroups) {
      const statements = statementsOf(plain, t, group.name);
      const topics = [actionsOn(statements, admin).includes('sns:Publish') ? 'admin' : undefined, actionsOn(statements, users).includes('sns:Publish') ? 'users' : undefined].filter((x) => x !== undefined);
      expect({ topics, events: allActions(statements).includes('events:PutEvents') }, group.name).toEqual(expected[group.name]);
    }
  });

  it('touches the WING components only where the group\'s code does, writing only the ones it changes', () => {
    const names = { 'vision-lake': 'wing-vision-lake', auth: 'wing-auth', agents: 'wing-agents', squadrons: 'wing-squadrons' } as const;
    const writes = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
    const expected: Record<string, { read: string[]; write: string[] }> = {
      sessions: { read: [], write: [] },
      docs: { read: [], write: [] },
      audit: { read: [], write: [] },
      system: { read: [], write: [] },
      health: { read: ['vision-lake', 'auth', 'agents', 'squadrons'], write: [] },
      backups: { read: ['vision-lake', 'auth', 'agents', 'squadrons'], write: [] },
      rollbacks: { read: ['vision-lake', 'auth', 'agents', 'squadrons'], write: ['vision-lake', 'auth', 'agents', 'squadrons'] },
      platform: { read: ['auth', 'agents'], write: ['auth', 'agents'] },
      'vision-lake': { read: ['vision-lake'], write: ['vision-lake'] },
    };
    for (const group of routeGroups) {
      const statements = statementsOf(locked, l, group.name);
      const on = (c: keyof typeof names): string[] => actionsOn(statements, { 'Fn::GetAtt': [logicalId(locked, locked.components.tables.get(names[c])?.node.defaultChild), 'Arn'] });
      const components = Object.keys(names) as (keyof typeof names)[];
      expect(components.filter((c) => on(c).includes('dynamodb:GetItem')).sort(), `${group.name} reads`).toEqual([...(expected[group.name]?.read ?? [])].sort());
      expect(components.filter((c) => writes.some((w) => on(c).includes(w))).sort(), `${group.name} writes`).toEqual([...(expected[group.name]?.write ?? [])].sort());
      // Imported by name in the default configuration: the same decisions on the names.
      const plainStatements = statementsOf(plain, t, group.name);
      expect(components.filter((c) => plainStatements.some((s) => list(s.Resource).some((r) => json(r).includes(`table/${names[c]}"`)))).sort(), group.name).toEqual(
        [...(expected[group.name]?.read ?? [])].sort(),
      );
    }
  });

  it('reads the vision-lake documents under their prefix only, and writes them only to return a crashed rollback', () => {
    const bucket = logicalId(locked, locked.components.buckets.get('wing-vision-lake-documents')?.node.defaultChild);
    for (const group of routeGroups) {
      const onDocuments = statementsOf(locked, l, group.name).filter((s) => json(s.Resource).includes(bucket) && json(s.Resource).includes('/docs/*'));
      const actions = allActions(onDocuments);
      if (['health', 'backups', 'vision-lake'].includes(group.name)) expect(actions, group.name).toEqual(['s3:GetObject']);
      else if (group.name === 'rollbacks') expect(actions, group.name).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
      else expect(actions, group.name).toEqual([]);
    }
  });

  it('uses the vault as its routes do: backups the whole of it, health and plans the snapshots read-only, rollbacks their logs and status document', () => {
    const vault = logicalId(plain, plain.vault.bucket.node.defaultChild);
    const onVault = (group: string): Record<string, string[]> => {
      const out: Record<string, string[]> = {};
      for (const s of statementsOf(plain, t, group)) {
        for (const r of list(s.Resource)) {
          const m = /"VaultBucket[0-9A-F]+","Arn"\]\},"\/(.*)"\]\]\}$/.exec(json(r));
          if (!json(r).includes(vault) || !m?.[1]) continue;
          out[m[1]] = [...new Set([...(out[m[1]] ?? []), ...list(s.Action)])].sort();
        }
      }
      return out;
    };
    expect(onVault('backups')).toEqual({ '*': ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'] });
    expect(onVault('health')).toEqual({ 'components/*': ['s3:GetObject'] });
    expect(onVault('rollbacks')).toEqual({ 'components/*': ['s3:GetObject'], 'rollback-logs/*': ['s3:GetObject', 's3:PutObject'], 'status/rollback-status.json': ['s3:PutObject'] });
    for (const group of ['sessions', 'docs', 'audit', 'system', 'platform', 'vision-lake']) expect(onVault(group), group).toEqual({});
  });

  it('creates scratch tables (restore drills) only in the backups group, named after the system table', () => {
    for (const group of routeGroups) {
      const creates = statementsOf(plain, t, group.name).filter((s) => list(s.Action).includes('dynamodb:CreateTable'));
      if (group.name !== 'backups') expect(creates, group.name).toEqual([]);
      else expect(json(creates[0]?.Resource)).toContain('table/wing-rollback-system-drill-*');
    }
  });

  it('runs long routes to 15 minutes, quick ones for 30 s', () => {
    const timeout = (group: string): unknown => resources(t)[logicalId(plain, fnOf(plain, group).function.node.defaultChild)]?.Properties?.Timeout;
    for (const group of ['backups', 'rollbacks', 'health', 'vision-lake']) expect(timeout(group), group).toBe(900);
    for (const group of ['sessions', 'docs', 'audit', 'system']) expect(timeout(group), group).toBe(30);
  });
});
