/**
 * The admin API on API Gateway (REST, regional): one resource and method per route of
 * src/api/route-groups.ts, one Lambda per route group (lambdas/admin-api-<group>.ts, proxy
 * integration), and around them what API Gateway itself enforces before a function runs:
 * - request validation: the JSON body of every route with a schema is checked against a model
 *   made from the same zod schema the handler parses (src/api/api-schemas.ts, as JSON Schema
 *   draft 4), and the path and query parameters are declared, path ones required. The handler
 *   validates again, fully (API Gateway's models cannot express the cross-field rules). Sign-in
 *   is the exception: a malformed attempt must reach the handler, which audits every attempt;
 * - the plan's stage throttling (`security.apiThrottle`), access logs as JSON lines in a log
 *   group, X-Ray tracing;
 * - a resource policy rendered by src/core/network-policy.ts: invoke allowed, and denied from
 *   outside `security.allowedCidrs` when the list is not empty. The portal's distribution
 *   reaches the API from CloudFront's own addresses, never the administrator's: its requests
 *   carry a secret (the `Referer` CloudFront sets on every origin request, overwriting the
 *   viewer's), and the deny spares them; the distribution's geo restriction and web ACL, and
 *   the handlers' own checks on the viewer's address (lambdas/portal-viewer.ts, which trusts
 *   CloudFront's viewer headers only beside that secret), stand at that door;
 * - errors API Gateway answers itself (validation, throttling, the resource policy, an unknown
 *   route) in the API's own shape `{ success: false, error }`.
 *
 * Authentication is the API's own, in the Lambdas, not an API Gateway authorizer: an
 * administrator signs in with password and TOTP (`POST /api/sessions`, single-use codes,
 * lockout, audited) and gets a short-lived session token signed with the key in the
 * `SessionKey` secret (generated, encrypted with the vault key); every other route verifies
 * that token (signature, expiry, revocation, the user's current level) before its handler
 * runs (src/api/admin-api.ts). Cognito or IAM would be a second user directory beside the
 * system table's administrators, and could not give the TOTP replay and lockout rules of
 * CONTRACT.md.
 *
 * Each function is bound to exactly what its routes call (ROUTE_GROUP_ACCESS below).
 */
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { z } from 'zod';
import type { ApiRoute, RouteGroup } from '../src/api/admin-api.js';
import { routeGroups } from '../src/api/route-groups.js';
import { AUDIT_MIRROR_PREFIX } from '../src/core/audit-mirror.js';
import { apiResourcePolicy } from '../src/core/network-policy.js';
import type { ComponentKind, ComponentPlan, Plan } from '../src/core/plan.js';
import { vaultLayout } from '../src/core/vault-layout.js';
import { acknowledgeWildcardResource } from './nag.js';
import { executionsOf, WingFunction, type BucketAccess, type KeyAccess, type StateMachineUse, type TableAccess } from './wing-function.js';
import type { SystemResources } from './system-resources.js';

/** Every rollback's log lines (`rollback-logs/<rollbackId>/...`): the layout's prefix without a rollback id. */
const ROLLBACK_LOGS_PREFIX = vaultLayout.rollbackLogPrefix('').replace(/\/+$/, '/');

/** The header carrying the portal's origin secret: the one request header a REST API resource policy can test (`aws:Referer`). */
export const PORTAL_ORIGIN_HEADER = 'Referer';

/** Which components a route group touches, and how. */
interface ComponentAccess {
  /** `all` the plan's components, or only those of these kinds. */
  readonly kinds: 'all' | readonly ComponentKind[];
  readonly tables: TableAccess;
  readonly buckets: BucketAccess;
}

/** What one route group's code calls beyond what every group does (below). */
interface RouteGroupAccess {
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly components?: ComponentAccess;
  /** Vault objects by prefix of src/core/vault-layout.ts (`''`: the whole bucket). */
  readonly vault?: Readonly<Record<string, BucketAccess>>;
  readonly key: KeyAccess;
  readonly events?: boolean;
  readonly adminTopic?: boolean;
  readonly userTopic?: boolean;
  readonly stateMachine?: readonly StateMachineUse[];
  /** Restore drills: scratch tables named after the system table. */
  readonly scratchTables?: boolean;
}

/**
 * Every group, on top of what all of them do: read and write the system table (sessions, rate
 * limits, revocations, the audit trail, the mode, the lock), append the audit copies, read the
 * session key. Requests answered after API Gateway's 29 s keep running to the function's own
 * timeout (a backup or a cleanup finishes; the caller follows it with GET).
 */
const ROUTE_GROUP_ACCESS: Readonly<Record<string, RouteGroupAccess>> = {
  // Sign-in, the current session, sign-out: the system table only.
  sessions: { timeout: Duration.seconds(30), memorySize: 1024, key: 'nameOnly' },
  // The OpenAPI document (and the refusals of the address check it audits).
  docs: { timeout: Duration.seconds(30), memorySize: 512, key: 'nameOnly' },
  audit: { timeout: Duration.seconds(30), memorySize: 512, key: 'nameOnly' },
  // Safe mode: the mode item and SystemModeChanged.
  system: { timeout: Duration.seconds(30), memorySize: 512, key: 'nameOnly', events: true },
  // The platform check on live data; a transition is announced with a dry run of a rollback (snapshots read).
  health: {
    timeout: Duration.minutes(15),
    memorySize: 1024,
    components: { kinds: 'all', tables: 'read', buckets: 'read' },
    vault: { [vaultLayout.componentsPrefix]: 'read' },
    key: 'decrypt',
    events: true,
    adminTopic: true,
  },
  // Recovery points now, verification, drills and retention: what the scheduled backup job does.
  backups: {
    timeout: Duration.minutes(15),
    memorySize: 1769,
    components: { kinds: 'all', tables: 'read', buckets: 'read' },
    vault: { '': 'readWrite' },
    key: 'encryptDecrypt',
    events: true,
    adminTopic: true,
    scratchTables: true,
  },
  // Plans (live data against snapshots), starts and follows executions, reads logs, and cleanup,
  // which returns a crashed rollback's components to their safety snapshots.
  rollbacks: {
    timeout: Duration.minutes(15),
    memorySize: 1769,
    components: { kinds: 'all', tables: 'readWrite', buckets: 'readWrite' },
    vault: { [vaultLayout.componentsPrefix]: 'read', [ROLLBACK_LOGS_PREFIX]: 'readPut', [vaultLayout.statusDocument]: 'put' },
    key: 'decrypt',
    events: true,
    userTopic: true,
    stateMachine: ['start', 'describe', 'history'],
  },
  // auth:clear-cache (revocations in the auth component, a notice to users) and agent:restart.
  platform: { timeout: Duration.minutes(5), memorySize: 1024, components: { kinds: ['auth', 'agents'], tables: 'readWrite', buckets: 'readWrite' }, key: 'nameOnly', events: true, userTopic: true },
  // resync:vision-lake rewrites index entries from the documents, which it only reads.
  'vision-lake': { timeout: Duration.minutes(15), memorySize: 1024, components: { kinds: ['vision-lake'], tables: 'readWrite', buckets: 'read' }, key: 'nameOnly' },
};

/** What the admin API serves and what its functions may touch. */
export interface AdminApiProps extends SystemResources {
  /** The rollback state machine the rollbacks group starts and follows. */
  readonly stateMachine: sfn.IStateMachine;
  /** @default 'v1' */
  readonly stageName?: string;
}

/** The admin API: API Gateway, one function per route group, the session key (see the module comment). */
export class AdminApi extends Construct {
  readonly api: apigateway.RestApi;
  /** The API's base URL, ending in `/api` (what the CLI's AdminApiClient takes). */
  readonly url: string;
  /** The function of each route group, by group name. */
  readonly functions: Readonly<Record<string, WingFunction>>;
  /** The key that signs session tokens (generated, encrypted with the vault key). */
  readonly sessionKey: secretsmanager.Secret;
  /** The secret the portal's distribution sends as {@link PORTAL_ORIGIN_HEADER} (see the module comment). */
  readonly portalOriginSecret: secretsmanager.Secret;
  readonly accessLogs: logs.LogGroup;
  /** The validator every method uses: body and parameters. */
  readonly validator: apigateway.RequestValidator;

  constructor(scope: Construct, id: string, props: AdminApiProps) {
    super(scope, id);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const missing = routeGroups.filter((g) => !(g.name in ROUTE_GROUP_ACCESS)).map((g) => g.name);
    if (missing.length > 0) throw new Error(`AdminApi ${id}: no access decided for the route group(s) ${missing.join(', ')}: add them to ROUTE_GROUP_ACCESS in lib/admin-api.ts`);

    const secretString = (length: number): secretsmanager.SecretStringGenerator => ({ passwordLength: length, excludePunctuation: true, includeSpace: false });
    // Replacing it (a new deployment of the resource) signs everyone out: nothing else is lost.
    this.sessionKey = new secretsmanager.Secret(this, 'SessionKey', {
      description: 'Wing Rollback: the key signing the admin API session tokens',
      encryptionKey: props.key,
      generateSecretString: secretString(64),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.portalOriginSecret = new secretsmanager.Secret(this, 'PortalOriginSecret', {
      description: 'Wing Rollback: the value the portal distribution sends to the admin API, which its resource policy lets through from CloudFront\'s addresses',
      encryptionKey: props.key,
      generateSecretString: secretString(48),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const originSecret = this.portalOriginSecret.secretValue.unsafeUnwrap();

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention });
    const stageName = props.stageName ?? 'v1';
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: 'wing-rollback-admin',
      description: 'Wing Rollback admin API (sign in with POST /api/sessions; GET /api/openapi.json describes every route)',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: false,
      policy: resourcePolicy(props.plan, originSecret),
      deployOptions: {
        stageName,
        tracingEnabled: true,
        throttlingRateLimit: props.plan.security.apiThrottle.rateLimit,
        throttlingBurstLimit: props.plan.security.apiThrottle.burstLimit,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
      },
    });
    this.url = `${this.api.url}api`;
    this.validator = this.api.addRequestValidator('BodyAndParameters', { requestValidatorName: 'body-and-parameters', validateRequestBody: true, validateRequestParameters: true });
    addGatewayResponses(this.api);

    const functions: Record<string, WingFunction> = {};
    for (const group of routeGroups) {
      const fn = this.groupFunction(group, props, retention);
      functions[group.name] = fn;
      const integration = new apigateway.LambdaIntegration(fn.function, { proxy: true, allowTestInvoke: false });
      for (const route of group.routes) this.addRoute(route, integration);
    }
    this.functions = functions;
    this.acknowledgeFindings(props);
  }

  private groupFunction(group: RouteGroup, props: AdminApiProps, logRetention: logs.RetentionDays): WingFunction {
    const access = ROUTE_GROUP_ACCESS[group.name];
    if (!access) throw new Error(`no access decided for route group ${group.name}`);
    const fn = new WingFunction(this, pascal(group.name), {
      entry: `lambdas/admin-api-${group.name}.ts`,
      description: `Wing Rollback admin API: ${group.prefix} (${group.routes.map((r) => `${r.method} ${r.path}`).join(', ')})`.slice(0, 256),
      timeout: access.timeout,
      memorySize: access.memorySize,
      logRetention,
      acknowledgeFindings: false,
    });
    fn.bindPlan(props.plan)
      .bindKey(props.key, access.key)
      .bindEventBus(props.eventBus, access.events === true ? 'put' : 'nameOnly')
      .bindTopic(props.adminTopic, 'admin', access.adminTopic === true ? 'publish' : 'nameOnly')
      .bindTopic(props.userTopic, 'users', access.userTopic === true ? 'publish' : 'nameOnly')
      .bindStateMachine(props.stateMachine, access.stateMachine ?? [])
      .bindSessionKeySecret(this.sessionKey)
      .bindPortalOriginSecret(this.portalOriginSecret)
      .bindTable(props.systemTable, 'readWrite')
      .bindBucket(props.auditBucket, 'append', AUDIT_MIRROR_PREFIX);
    for (const [prefix, use] of Object.entries(access.vault ?? {})) {
      if (prefix.endsWith('/') || prefix === '') fn.bindBucket(props.vaultBucket, use, prefix);
      else fn.bindObject(props.vaultBucket, prefix, use);
    }
    if (access.scratchTables === true) fn.bindScratchTables(`${props.plan.systemTable}-drill-`);
    if (access.components) {
      for (const c of componentsOf(props.plan, access.components)) {
        for (const source of c.sources) {
          if (source.type === 'dynamodb') fn.bindTable(lookUp(props.componentTables, source.tableName), access.components.tables);
          else fn.bindBucket(lookUp(props.componentBuckets, source.bucketName), access.components.buckets, source.prefix);
        }
      }
    }
    return fn;
  }

  private addRoute(route: ApiRoute, integration: apigateway.LambdaIntegration): void {
    const resource = this.api.root.resourceForPath(route.path);
    const requestParameters: Record<string, boolean> = {};
    for (const m of route.path.matchAll(/\{([^}]+)\}/g)) requestParameters[`method.request.path.${m[1] ?? ''}`] = true;
    if (route.query) {
      const schema = jsonSchemaOf(route.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const name of Object.keys(schema.properties ?? {})) requestParameters[`method.request.querystring.${name}`] = schema.required?.includes(name) ?? false;
    }
    // Sign-in keeps its body to the handler: a malformed attempt is an attempt, and is audited.
    const model = route.body && !(route.method === 'POST' && route.path === '/api/sessions') ? this.modelOf(route) : undefined;
    resource.addMethod(route.method, integration, {
      authorizationType: apigateway.AuthorizationType.NONE,
      requestValidator: this.validator,
      requestParameters,
      ...(model ? { requestModels: { 'application/json': model } } : {}),
    });
  }

  private modelOf(route: ApiRoute): apigateway.Model {
    const name = `${route.method}${route.path}`.replace(/[{}]/g, '').split(/[^A-Za-z0-9]+/).map((w) => (w === '' ? '' : `${w[0]?.toUpperCase() ?? ''}${w.slice(1)}`)).join('');
    return this.api.addModel(name, {
      modelName: name,
      contentType: 'application/json',
      description: `The body of ${route.method} ${route.path}`,
      schema: jsonSchemaOf(route.body ?? z.never()),
    });
  }

  /** The findings every route group's function shares, acknowledged once here. */
  private acknowledgeFindings(props: AdminApiProps): void {
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'The admin API functions run nodejs22.x like every Lambda of the system: one runtime the handlers, the middy router and the bundled zstd binary are tested on, changed for all of them at once and deliberately.',
    });
    const auth =
      'The admin API authenticates in its Lambdas, not with an API Gateway authorizer: password and single-use TOTP at POST /api/sessions (lockout, audit), then a short-lived session token signed with the SessionKey secret and verified (signature, expiry, revocation, current level) before every other route; Cognito would be a second user directory beside the system table\'s administrators.';
    Validations.of(this.api).acknowledge({ id: 'AwsSolutions::AwsSolutions-APIG4', reason: auth });
    Validations.of(this.api).acknowledge({ id: 'AwsSolutions::AwsSolutions-COG4', reason: `No Cognito user pool by design. ${auth}` });
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG6',
      reason: 'Every request is in the JSON access log (status, latency, validation and integration errors, caller) and every function logs and traces itself; execution logging would need the account-wide API Gateway CloudWatch role, a region setting this stack must not take over from the WING APIs in the same account.',
    });
    Validations.of(this.sessionKey).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'The session signing key rotates by replacement (a new value signs every administrator out), never on a schedule in the middle of an emergency rollback; tokens it signs live minutes, not days.',
    });
    Validations.of(this.portalOriginSecret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'The portal origin secret is copied into the distribution and the API resource policy at deployment (CloudFormation dynamic references); a scheduled rotation would make them disagree until the next deployment, so it changes by redeploying.',
    });
    acknowledgeWildcardResource(
      this,
      '*',
      'In the admin API functions "*" appears only for X-Ray PutTraceSegments and PutTelemetryRecords (active tracing) and, for the backups group that runs restore drills, dynamodb:ListTables to find scratch tables a dead drill left: actions without resource-level permissions.',
    );
    acknowledgeWildcardResource(
      this,
      props.auditBucket.arnForObjects(`${AUDIT_MIRROR_PREFIX}*`),
      'Every route group appends audit copies (sign-ins, refusals, changes) as numbered objects under audit/ with their COMPLIANCE retention: put and read there, never delete; the lock protects each copy.',
    );
    acknowledgeWildcardResource(
      this,
      props.vaultBucket.arnForObjects('*'),
      'The backups group takes, verifies, drills and prunes recovery points over the whole vault (packs, manifests, summaries, drill copies, recovery-point records, all named per snapshot), as the scheduled backup job does: the system\'s own bucket is the boundary.',
    );
    acknowledgeWildcardResource(
      this,
      props.vaultBucket.arnForObjects(`${vaultLayout.componentsPrefix}*`),
      'Health proposals, rollback plans and crash cleanup read snapshot objects (packs, indexes, manifest chunks under components/), whose names are made per snapshot; read only.',
    );
    acknowledgeWildcardResource(
      this,
      props.vaultBucket.arnForObjects(`${ROLLBACK_LOGS_PREFIX}*`),
      'Starting a rollback writes its first log line and GET /api/rollbacks/{id}/log reads the lines back: one object per line under rollback-logs/<rollbackId>/, keys made per line; add and read, never delete.',
    );
    acknowledgeWildcardResource(
      this,
      executionsOf(props.stateMachine),
      'The rollbacks group follows the executions of the rollback state machine (DescribeExecution, GetExecutionHistory), each named by a rollback id made per request: the executions of this one state machine only.',
    );
    acknowledgeWildcardResource(
      this,
      Stack.of(this).formatArn({ service: 'dynamodb', resource: 'table', resourceName: `${props.plan.systemTable}-drill-*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
      `Drills started from the API create, fill and delete scratch tables named ${props.plan.systemTable}-drill-<drillId>-<n>; no WING table has that prefix.`,
    );
    const buckets = new Set<string>();
    for (const c of props.plan.components) {
      for (const source of c.sources) {
        const key = `${source.type === 's3' ? source.bucketName : ''}/${source.type === 's3' ? source.prefix : ''}`;
        if (source.type !== 's3' || buckets.has(key)) continue;
        buckets.add(key);
        acknowledgeWildcardResource(
          this,
          lookUp(props.componentBuckets, source.bucketName).arnForObjects(`${source.prefix}*`),
          `The ${c.name} objects under s3://${source.bucketName}/${source.prefix} are named by WING: health checks, backups and plans read them all, and cleanup (a crashed rollback back to its safety snapshot) or the platform actions rewrite them.`,
        );
      }
    }
  }
}

/** The resource policy: src/core/network-policy.ts's rendering, its deny sparing requests that carry the portal's origin secret. */
function resourcePolicy(plan: Plan, originSecret: string): iam.PolicyDocument {
  const rendered = apiResourcePolicy(plan.security, 'execute-api:/*');
  const statements = rendered.Statement.map((statement) =>
    statement.Effect === 'Deny' ? { ...statement, Condition: { ...(statement.Condition as Record<string, unknown>), StringNotEquals: { 'aws:Referer': originSecret } } } : statement,
  );
  return iam.PolicyDocument.fromJson({ ...rendered, Statement: statements });
}

/** One JSON object per request: who, what, the outcome, and why API Gateway refused it when it did. */
function accessLogFormat(): apigateway.AccessLogFormat {
  return apigateway.AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      extendedRequestId: '$context.extendedRequestId',
      requestTime: '$context.requestTime',
      sourceIp: '$context.identity.sourceIp',
      userAgent: '$context.identity.userAgent',
      httpMethod: '$context.httpMethod',
      resourcePath: '$context.resourcePath',
      path: '$context.path',
      status: '$context.status',
      protocol: '$context.protocol',
      responseLength: '$context.responseLength',
      responseLatency: '$context.responseLatency',
      integrationStatus: '$context.integration.status',
      integrationLatency: '$context.integration.latency',
      integrationError: '$context.integration.error',
      errorType: '$context.error.responseType',
      errorMessage: '$context.error.message',
      validationError: '$context.error.validationErrorString',
      wafResponseCode: '$context.wafResponseCode',
      xrayTraceId: '$context.xrayTraceId',
    }),
  );
}

/**
 * What API Gateway answers itself, in the API's shape (src/api/api-http.ts): a JSON body
 * `{ success: false, error }` that the portal and the CLI show as it is.
 */
function addGatewayResponses(api: apigateway.RestApi): void {
  const headers = { 'Content-Type': "'application/json'", 'Cache-Control': "'no-store'", 'X-Content-Type-Options': "'nosniff'" };
  const respond = (id: string, type: apigateway.ResponseType, error: string, statusCode?: string, extra: Record<string, string> = {}): void => {
    api.addGatewayResponse(id, {
      type,
      ...(statusCode === undefined ? {} : { statusCode }),
      responseHeaders: { ...headers, ...extra },
      templates: { 'application/json': `{"success":false,"error":${error},"requestId":"$context.requestId"}` },
    });
  };
  respond('BadRequestBody', apigateway.ResponseType.BAD_REQUEST_BODY, '"invalid request: the body of $context.httpMethod $context.resourcePath does not match its schema (GET /api/openapi.json describes it)"', '400');
  respond('BadRequestParameters', apigateway.ResponseType.BAD_REQUEST_PARAMETERS, '"invalid request: $context.httpMethod $context.resourcePath lacks a required parameter (GET /api/openapi.json describes it)"', '400');
  respond('UnknownRoute', apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, '"no route $context.httpMethod $context.path: GET /api/openapi.json lists them"', '404');
  respond('AccessDenied', apigateway.ResponseType.ACCESS_DENIED, '"authorization refused: this address may not call the admin API (the allowlist of administrative operations)"', '403');
  respond('WafFiltered', apigateway.ResponseType.WAF_FILTERED, '"authorization refused: the web application firewall blocked this request (address, country or rate)"', '403');
  respond('Throttled', apigateway.ResponseType.THROTTLED, '"rate limited: too many requests to the admin API; try again in a few seconds"', '429', { 'Retry-After': "'5'" });
  respond('Default4xx', apigateway.ResponseType.DEFAULT_4XX, '$context.error.messageString');
  respond('Default5xx', apigateway.ResponseType.DEFAULT_5XX, '$context.error.messageString');
}

/** A zod schema as the JSON Schema (draft 4) API Gateway models take: what comes in, before transforms. */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'draft-4', io: 'input', unrepresentable: 'any' });
}

function componentsOf(plan: Plan, access: ComponentAccess): readonly ComponentPlan[] {
  const kinds = access.kinds;
  return kinds === 'all' ? plan.components : plan.components.filter((c) => kinds.includes(c.kind));
}

function lookUp<T>(map: ReadonlyMap<string, T>, name: string): T {
  const found = map.get(name);
  if (found === undefined) throw new Error(`AdminApi: no resource ${name} among the component resources`);
  return found;
}

/** `vision-lake` → `VisionLake`. */
function pascal(name: string): string {
  return name
    .split('-')
    .map((w) => `${w[0]?.toUpperCase() ?? ''}${w.slice(1)}`)
    .join('');
}
