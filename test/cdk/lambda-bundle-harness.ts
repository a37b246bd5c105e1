/**
 * Support of lambda-bundles.test.ts: what it takes to run a synthesized Lambda bundle the way
 * Lambda would, on this machine, without AWS.
 *
 * - `startMockAws`: one local HTTP server standing in for every AWS service (the child points the
 *   SDK at it with AWS_ENDPOINT_URL). The SDK is bundled inside each bundle, so a mock in the test
 *   process cannot reach it: the network is the only seam. It answers each call minimally in the
 *   service's protocol (DynamoDB/KMS/Secrets Manager/EventBridge/Step Functions JSON, S3 REST-XML,
 *   SNS/CloudFormation query XML) and records it, by the caller's access key id, so parallel
 *   children are told apart.
 * - `resolveTemplateValue`: a Lambda environment value of the template (a string or an intrinsic
 *   such as Ref, Fn::GetAtt, Fn::Join) as a plausible fake: ARNs, names and ids of the right shape.
 * - `runBundle`: imports a bundle in a fresh Node process (module state and the bundled SDK
 *   isolated) with the function's environment, checks the zstd binding from the bundle's own
 *   node_modules, calls the handler with an event and reports one JSON line.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_ACCOUNT = '111111111111';
export const FAKE_REGION = 'eu-west-1';

// ---------------------------------------------------------------------------------------------
// The mock AWS endpoint
// ---------------------------------------------------------------------------------------------

export interface SeenRequest {
  /** The access key id of the caller (one per child). */
  readonly caller: string;
  /** The signing name of the credential scope: dynamodb, s3, kms, sns, events, secretsmanager, states, ... */
  readonly service: string;
  /** The operation: X-Amz-Target's (JSON protocols), Action's (query protocols), `METHOD /bucket` (S3). */
  readonly operation: string;
  readonly method: string;
  readonly path: string;
}

export interface MockAws {
  readonly endpoint: string;
  readonly requests: readonly SeenRequest[];
  close(): Promise<void>;
}

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const FAKE_KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

function credentialScope(req: IncomingMessage): { caller: string; service: string } {
  const auth = req.headers.authorization ?? '';
  const m = /Credential=([^/]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth);
  return { caller: m?.[1] ?? 'unsigned', service: m?.[2] ?? 'unknown' };
}

/** The answer to a call of a JSON protocol (DynamoDB, KMS, Secrets Manager, EventBridge, Step Functions, Logs...). */
function jsonAnswer(operation: string, body: Record<string, unknown>): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  switch (operation) {
    case 'Query':
    case 'Scan':
      return { Items: [], Count: 0, ScannedCount: 0 };
    case 'BatchGetItem':
      return { Responses: {}, UnprocessedKeys: {} };
    case 'BatchWriteItem':
      return { UnprocessedItems: {} };
    case 'ListTables':
      return { TableNames: [] };
    case 'DescribeTable':
      return {
        Table: {
          TableName: body.TableName,
          TableStatus: 'ACTIVE',
          ItemCount: 0,
          TableSizeBytes: 0,
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
        },
      };
    case 'GenerateDataKey':
      return { KeyId: `arn:aws:kms:${FAKE_REGION}:${FAKE_ACCOUNT}:key/${FAKE_KEY_ID}`, Plaintext: randomBytes(32).toString('base64'), CiphertextBlob: randomBytes(64).toString('base64') };
    case 'Decrypt':
      return { KeyId: `arn:aws:kms:${FAKE_REGION}:${FAKE_ACCOUNT}:key/${FAKE_KEY_ID}`, Plaintext: Buffer.alloc(32, 7).toString('base64') };
    case 'Encrypt':
      return { KeyId: `arn:aws:kms:${FAKE_REGION}:${FAKE_ACCOUNT}:key/${FAKE_KEY_ID}`, CiphertextBlob: randomBytes(64).toString('base64') };
    case 'DescribeKey':
      return { KeyMetadata: { KeyId: FAKE_KEY_ID, Arn: `arn:aws:kms:${FAKE_REGION}:${FAKE_ACCOUNT}:key/${FAKE_KEY_ID}`, Enabled: true, KeyState: 'Enabled', KeyUsage: 'ENCRYPT_DECRYPT' } };
    case 'GetKeyRotationStatus':
      return { KeyRotationEnabled: true };
    case 'GetSecretValue':
      // The admin API's session key: 32 bytes at least.
      return { ARN: String(body.SecretId), Name: 'session-key', VersionId: 'v1', SecretString: randomBytes(48).toString('base64'), CreatedDate: now };
    case 'PutEvents':
      return { FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] };
    case 'ListExecutions':
      return { executions: [] };
    case 'StartExecution':
      return { executionArn: `${String(body.stateMachineArn)}:execution:bundle-test`, startDate: now };
    case 'GetExecutionHistory':
      return { events: [] };
    default:
      return {};
  }
}

/** The answer to an S3 call: empty listings, no object (404 NoSuchKey), writes accepted. */
function s3Answer(req: IncomingMessage, url: URL, res: ServerResponse): void {
  const xml = (status: number, body: string): void => {
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  };
  const method = req.method ?? 'GET';
  const [, bucket = '', ...keyParts] = url.pathname.split('/');
  const key = keyParts.join('/');
  if (method === 'GET' && key === '' && url.searchParams.has('versions')) {
    xml(200, `<ListVersionsResult xmlns="${S3_NS}"><Name>${bucket}</Name><Prefix>${url.searchParams.get('prefix') ?? ''}</Prefix><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListVersionsResult>`);
  } else if (method === 'GET' && key === '') {
    xml(200, `<ListBucketResult xmlns="${S3_NS}"><Name>${bucket}</Name><Prefix>${url.searchParams.get('prefix') ?? ''}</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`);
  } else if (method === 'GET') {
    xml(404, `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${key}</Key></Error>`);
  } else if (method === 'HEAD') {
    res.writeHead(404);
    res.end();
  } else if (method === 'POST' && url.searchParams.has('delete')) {
    xml(200, `<DeleteResult xmlns="${S3_NS}"></DeleteResult>`);
  } else if (method === 'DELETE') {
    res.writeHead(204);
    res.end();
  } else {
    res.writeHead(200, { etag: '"d41d8cd98f00b204e9800998ecf8427e"' });
    res.end();
  }
}

/** The answer to a query-protocol call (SNS, CloudFormation): `<Action>Response` with a minimal result. */
function queryAnswer(service: string, action: string, res: ServerResponse): void {
  const result = action === 'Publish' ? '<MessageId>message-1</MessageId>' : '';
  const ns = service === 'sns' ? 'http://sns.amazonaws.com/doc/2010-03-31/' : 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
  res.writeHead(200, { 'content-type': 'text/xml' });
  res.end(`<${action}Response xmlns="${ns}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>request-1</RequestId></ResponseMetadata></${action}Response>`);
}

export async function startMockAws(): Promise<MockAws> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const { caller, service } = credentialScope(req);
      const method = req.method ?? 'GET';
      const target = req.headers['x-amz-target'];
      const contentType = req.headers['content-type'] ?? '';
      try {
        if (typeof target === 'string') {
          const operation = target.slice(target.lastIndexOf('.') + 1);
          requests.push({ caller, service, operation, method, path: url.pathname });
          const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
          res.writeHead(200, { 'content-type': contentType.startsWith('application/x-amz-json') ? contentType : 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(jsonAnswer(operation, body)));
        } else if (service === 's3') {
          // By bucket: object keys are made per call.
          requests.push({ caller, service, operation: `${method} /${url.pathname.split('/')[1] ?? ''}`, method, path: url.pathname });
          s3Answer(req, url, res);
        } else if (contentType.startsWith('application/x-www-form-urlencoded')) {
          const action = new URLSearchParams(text).get('Action') ?? 'Unknown';
          requests.push({ caller, service, operation: action, method, path: url.pathname });
          queryAnswer(service, action, res);
        } else {
          requests.push({ caller, service, operation: `${method} ${url.pathname}`, method, path: url.pathname });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        }
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `mock AWS: ${err instanceof Error ? err.message : String(err)}` }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // An IP address: the S3 client then addresses buckets by path, not by a virtual host name.
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Template values as fakes
// ---------------------------------------------------------------------------------------------

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

const SERVICE_OF_TYPE: Readonly<Record<string, string>> = {
  'AWS::SNS::Topic': 'sns',
  'AWS::StepFunctions::StateMachine': 'states',
  'AWS::SecretsManager::Secret': 'secretsmanager',
  'AWS::KMS::Key': 'kms',
  'AWS::Events::EventBus': 'events',
  'AWS::DynamoDB::Table': 'dynamodb',
  'AWS::S3::Bucket': 's3',
  'AWS::Lambda::Function': 'lambda',
  'AWS::Logs::LogGroup': 'logs',
  'AWS::IAM::Role': 'iam',
  'AWS::SQS::Queue': 'sqs',
};

function nameOf(id: string, r: TemplateResource): string {
  const p = r.Properties ?? {};
  for (const field of ['TableName', 'BucketName', 'TopicName', 'StateMachineName', 'Name', 'FunctionName', 'LogGroupName', 'RoleName', 'QueueName']) {
    const v = p[field];
    if (typeof v === 'string') return v;
  }
  return r.Type === 'AWS::S3::Bucket' ? id.toLowerCase() : id;
}

function arnOf(id: string, r: TemplateResource): string {
  const name = nameOf(id, r);
  const at = `${FAKE_REGION}:${FAKE_ACCOUNT}`;
  switch (r.Type) {
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${at}:${name}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${at}:stateMachine:${name}`;
    case 'AWS::SecretsManager::Secret':
      return `arn:aws:secretsmanager:${at}:secret:${name}-AbCdEf`;
    case 'AWS::KMS::Key':
      return `arn:aws:kms:${at}:key/${FAKE_KEY_ID}`;
    case 'AWS::Events::EventBus':
      return `arn:aws:events:${at}:event-bus/${name}`;
    case 'AWS::DynamoDB::Table':
      return `arn:aws:dynamodb:${at}:table/${name}`;
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${name}`;
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${at}:function:${name}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${at}:log-group:${name}:*`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${FAKE_ACCOUNT}:role/${name}`;
    default:
      return `arn:aws:${SERVICE_OF_TYPE[r.Type] ?? 'unknown'}:${at}:${name}`;
  }
}

/** What `Ref` returns for a resource of this type (an ARN for topics, state machines and secrets; a name or id otherwise). */
function refOf(id: string, r: TemplateResource): string {
  switch (r.Type) {
    case 'AWS::SNS::Topic':
    case 'AWS::StepFunctions::StateMachine':
    case 'AWS::SecretsManager::Secret':
    case 'AWS::SQS::Queue':
      return arnOf(id, r);
    case 'AWS::KMS::Key':
      return FAKE_KEY_ID;
    default:
      return nameOf(id, r);
  }
}

function attributeOf(id: string, r: TemplateResource, attribute: string): string {
  if (attribute === 'Arn' || attribute.endsWith('Arn')) return arnOf(id, r);
  if (attribute === 'KeyId') return FAKE_KEY_ID;
  if (attribute === 'Name' || attribute.endsWith('Name')) return nameOf(id, r);
  return `${id}-${attribute.toLowerCase()}`;
}

const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Region': FAKE_REGION,
  'AWS::AccountId': FAKE_ACCOUNT,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'WingRollbackBundles',
  'AWS::StackId': `arn:aws:cloudformation:${FAKE_REGION}:${FAKE_ACCOUNT}:stack/WingRollbackBundles/bundle-test`,
  'AWS::NoValue': '',
};

/** A template value (string or intrinsic function) as a plausible fake string. Throws on what it cannot read. */
export function resolveTemplateValue(value: unknown, resources: Readonly<Record<string, TemplateResource>>): string {
  const resolve = (v: unknown): string => resolveTemplateValue(v, resources);
  const resource = (id: string): TemplateResource => {
    const r = resources[id];
    if (!r) throw new Error(`the template has no resource ${id}`);
    return r;
  };
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  const [fn, arg] = Object.entries(value)[0] ?? [];
  if (fn === 'Ref' && typeof arg === 'string') return PSEUDO[arg] ?? refOf(arg, resource(arg));
  if (fn === 'Fn::GetAtt') {
    const [id, attribute] = Array.isArray(arg) ? (arg as unknown[]) : String(arg).split('.');
    if (typeof id === 'string' && typeof attribute === 'string') return attributeOf(id, resource(id), attribute);
  }
  if (fn === 'Fn::Join' && Array.isArray(arg)) {
    const [separator, parts] = arg as [unknown, unknown];
    if (typeof separator === 'string' && Array.isArray(parts)) return parts.map(resolve).join(separator);
  }
  if (fn === 'Fn::Select' && Array.isArray(arg)) {
    const [index, list] = arg as [unknown, unknown];
    const items = Array.isArray(list) ? list.map(resolve) : resolveList(list, resources);
    const picked = items[Number(index)];
    if (picked !== undefined) return picked;
  }
  if (fn === 'Fn::Sub') {
    const [text, vars] = Array.isArray(arg) ? (arg as [unknown, Record<string, unknown> | undefined]) : [arg, undefined];
    if (typeof text === 'string') {
      return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
        const own = vars?.[name];
        if (own !== undefined) return resolve(own);
        if (name in PSEUDO) return PSEUDO[name] ?? '';
        const [id = '', attribute] = name.split('.');
        return attribute === undefined ? resolve({ Ref: id }) : resolve({ 'Fn::GetAtt': [id, attribute] });
      });
    }
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

function resolveList(value: unknown, resources: Readonly<Record<string, TemplateResource>>): string[] {
  if (value !== null && typeof value === 'object' && 'Fn::Split' in value) {
    const [separator, text] = (value as { 'Fn::Split': [string, unknown] })['Fn::Split'];
    return resolveTemplateValue(text, resources).split(separator);
  }
  throw new Error(`cannot resolve the list ${JSON.stringify(value)}`);
}

// ---------------------------------------------------------------------------------------------
// One bundle in a child process
// ---------------------------------------------------------------------------------------------

export interface ErrorReport {
  readonly name?: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

export interface ZstdReport {
  /** Where `@mongodb-js/zstd/bindings.js` resolves from the bundle's directory. */
  readonly bindingPath?: string;
  /** The `.node` file the binding loaded. */
  readonly nativePath?: string;
  /** Whether importing the bundle had already loaded the binding (the bundle's own require). */
  readonly loadedByBundle: boolean;
  readonly inputBytes?: number;
  readonly compressedBytes?: number;
  readonly roundTrip: boolean;
  readonly error?: ErrorReport;
}

export interface BundleReport {
  /** `import`: the bundle did not load; `handler`: no such export; `done`: the handler ran. */
  readonly stage: 'import' | 'handler' | 'done';
  readonly zstd?: ZstdReport;
  readonly result?: unknown;
  readonly error?: ErrorReport;
}

export interface BundleRun {
  readonly report: BundleReport | undefined;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly ms: number;
  /** The child's output (its logs), for failure messages. */
  readonly output: string;
}

const REPORT_MARK = '@@wing-bundle-report@@';

/**
 * The child: imports the bundle, checks zstd through the bundle's own resolution (createRequire
 * from the bundle's directory: the module cache tells whether the bundle itself loaded the
 * binding), calls the handler with the event and a Lambda-like context, prints one report line.
 */
const CHILD = `
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const { bundleFile, exportName, event, functionName, remainingMs } = JSON.parse(process.argv[1]);
const errorOf = (e) => ({ name: e?.name, message: String(e?.message ?? e), code: typeof e?.code === 'string' ? e.code : undefined, stack: typeof e?.stack === 'string' ? e.stack : undefined });
const report = (r) => process.stdout.write('\\n${REPORT_MARK}' + JSON.stringify(r) + '\\n', () => process.exit(0));
let mod;
let importError;
try {
  mod = await import(pathToFileURL(bundleFile).href);
} catch (e) {
  importError = errorOf(e);
}
const bundleRequire = createRequire(bundleFile);
let zstd;
try {
  const bindingPath = bundleRequire.resolve('@mongodb-js/zstd/bindings.js');
  const loadedByBundle = bindingPath in bundleRequire.cache;
  const binding = bundleRequire(bindingPath);
  const nativePath = Object.keys(bundleRequire.cache).find((p) => p.endsWith('.node'));
  const input = Buffer.from(Array.from({ length: 4096 }, (_, i) => 'wing rollback ' + (i % 97)).join(';'));
  const packed = await binding.compress(input, 3);
  const unpacked = await binding.decompress(packed);
  zstd = { bindingPath, nativePath, loadedByBundle, inputBytes: input.length, compressedBytes: packed.length, roundTrip: Buffer.compare(unpacked, input) === 0 };
} catch (e) {
  zstd = { loadedByBundle: false, roundTrip: false, error: errorOf(e) };
}
if (importError) {
  report({ stage: 'import', zstd, error: importError });
  await new Promise(() => {});
}
const fn = mod[exportName];
if (typeof fn !== 'function') {
  report({ stage: 'handler', zstd, error: { message: 'the bundle exports no function ' + exportName + ' (exports: ' + Object.keys(mod).join(', ') + ')' } });
  await new Promise(() => {});
}
const deadline = Date.now() + remainingMs;
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:${FAKE_REGION}:${FAKE_ACCOUNT}:function:' + functionName,
  memoryLimitInMB: '1024',
  awsRequestId: 'bundle-test-request',
  logGroupName: '/aws/lambda/' + functionName,
  logStreamName: 'bundle-test',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done: () => {},
  fail: () => {},
  succeed: () => {},
};
try {
  const result = await fn(event, context);
  report({ stage: 'done', zstd, result });
} catch (e) {
  report({ stage: 'done', zstd, error: errorOf(e) });
}
`;

export interface RunBundleOptions {
  readonly bundleFile: string;
  readonly exportName: string;
  readonly event: unknown;
  readonly functionName: string;
  /** The function's environment (the template's variables, resolved) and the AWS settings of the child. */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

const MAX_OUTPUT = 200_000;

export function runBundle(options: RunBundleOptions): Promise<BundleRun> {
  const started = Date.now();
  const input = JSON.stringify({ bundleFile: options.bundleFile, exportName: options.exportName, event: options.event, functionName: options.functionName, remainingMs: 60_000 });
  return new Promise((resolve, reject) => {
    // A clean environment: nothing of the test process (credentials, NODE_OPTIONS, vitest's) leaks in.
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, input], { env: { ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer): void => {
      if (output.length < MAX_OUTPUT) output += chunk.toString('utf8');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      const line = output.split('\n').find((l) => l.startsWith(REPORT_MARK));
      const report = line === undefined ? undefined : (JSON.parse(line.slice(REPORT_MARK.length)) as BundleReport);
      resolve({ report, exitCode, timedOut, ms: Date.now() - started, output: output.split('\n').filter((l) => !l.startsWith(REPORT_MARK)).join('\n') });
    });
  });
}

/** Runs `tasks` with at most `limit` in flight; the results in the tasks' order. */
export async function inPool<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      const task = tasks[i];
      if (task) results[i] = await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** Errors that mean a bundle is broken (a module or binding it cannot load), not that its code ran into the mock. */
export const MODULE_LOADING_ERROR = /Cannot find (module|package)|Dynamic require of|__dirname is not defined|__filename is not defined|require is not defined|ERR_MODULE_NOT_FOUND|ERR_REQUIRE_ESM|ERR_DLOPEN_FAILED|ERR_UNSUPPORTED_DIR_IMPORT|Failed to load native binding|Cannot use import statement|does not provide an export named/;
