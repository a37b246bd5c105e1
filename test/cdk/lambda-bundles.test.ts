/**
 * Every Lambda handler is bundled, and its bundle runs: the real stack (demo components, so every
 * function exists) is synthesized once with bundling ON (the local esbuild, as `npx cdk synth`
 * does), then, for every function of the stack built by WingFunction, whatever they are:
 *
 * - its bundle is in cdk.out (the asset the template's function points at) and carries the linux
 *   x64 zstd binary in its own node_modules, which loads from the bundle's directory and
 *   round-trips a buffer; a bundle whose code uses zstd has loaded it itself on import;
 * - it is imported by a fresh Node process (module state and the bundled SDK isolated, no
 *   node_modules of the repository reachable) with the function's environment from the template
 *   (tokens as fake ARNs and names), and its handler is called with an event of its kind (chosen
 *   by the entry file's name: the scheduled job, an admin API route group, a rollback task);
 * - the bundled SDK reaches a mock AWS endpoint (AWS_ENDPOINT_URL, lambda-bundle-harness.ts), and
 *   the handler returns or fails with an error of the domain, never a module-loading one.
 *
 * Every handler file of lambdas/ (a file exporting `handler`) must be the entry of a function.
 */
import { readdirSync, readFileSync, rmSync, existsSync, mkdtempSync, realpathSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { routeGroups } from '../../src/api/route-groups.js';
import * as errors from '../../src/core/errors.js';
import { rollbackTaskNames, type RollbackTaskName } from '../../lambdas/rollback-task-handlers.js';
import { loadConfig } from '../../lib/config.js';
import { PROJECT_ROOT, type WingFunction, type WingFunctionProps } from '../../lib/wing-function.js';
import { WingRollbackStack } from '../../lib/wing-rollback-stack.js';
import { apiGatewayEvent } from '../support/api-events.js';
import { cdkJsonContext } from './cdk-app.js';
import { FAKE_ACCOUNT, FAKE_REGION, MODULE_LOADING_ERROR, inPool, resolveTemplateValue, runBundle, startMockAws, type BundleRun, type MockAws, type TemplateResource } from './lambda-bundle-harness.js';

/** Each WingFunction the stack builds, with its entry (NodejsFunction does not keep it): recorded by a subclass. */
const built = vi.hoisted(() => [] as { fn: WingFunction; entry: string }[]);
vi.mock('../../lib/wing-function.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../lib/wing-function.js')>();
  class RecordedWingFunction extends actual.WingFunction {
    constructor(scope: Construct, id: string, props: WingFunctionProps) {
      super(scope, id, props);
      built.push({ fn: this, entry: props.entry });
    }
  }
  return { ...actual, WingFunction: RecordedWingFunction };
});

/** The native binary the functions need (x86_64 Lambda): only this platform can load it. */
const ZSTD_BINARY = 'node_modules/@mongodb-js/zstd-linux-x64-gnu/zstd.linux-x64-gnu.node';
const canLoadBinary = process.platform === 'linux' && process.arch === 'x64';

/** Handler files of lambdas/: those exporting `handler` (the others are their shared modules). */
function handlerFiles(): string[] {
  const dir = join(PROJECT_ROOT, 'lambdas');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => /^export (const|async function|function) handler\b/m.test(readFileSync(join(dir, f), 'utf8')))
    .map((f) => `lambdas/${f}`)
    .sort();
}

/** The domain's errors (WingError and its subclasses), by the name they keep in a bundle (esbuild keepNames). */
const DOMAIN_ERRORS: ReadonlySet<string> = new Set(
  Object.values(errors)
    .filter((v): v is typeof errors.WingError => typeof v === 'function' && (v === errors.WingError || v.prototype instanceof errors.WingError))
    .map((c) => c.name),
);

// ---------------------------------------------------------------------------------------------
// The event of each kind of function, by its entry file's name
// ---------------------------------------------------------------------------------------------

const ROLLBACK_ID = 'rb-bundle-test';

interface Invocation {
  readonly kind: 'scheduled-job' | 'admin-api' | 'rollback-task' | 'unknown';
  readonly event: unknown;
  /** Services the handler's code path must have called (signing names). */
  readonly calls: readonly string[];
  /** A check of the handler's answer when it returned. */
  readonly checkResult?: (result: unknown) => string | undefined;
}

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c, i: number) => `${i > 0 ? '-' : ''}${c.toLowerCase()}`);

/** The Step Functions input of each rollback task (statemachines/ passes these fields). */
function taskInputs(component: string): Record<RollbackTaskName, Record<string, unknown>> {
  const run = { rollbackId: ROLLBACK_ID, component, snapshotId: 'snap-bundle-test', purpose: 'rollback' };
  return {
    AcquireLock: { rollbackId: ROLLBACK_ID },
    SelectRecoveryPoint: { rollbackId: ROLLBACK_ID },
    HealthCheck: { rollbackId: ROLLBACK_ID, phase: 'pre' },
    SetSystemMode: { rollbackId: ROLLBACK_ID, mode: 'recovery' },
    SafetySnapshot: { rollbackId: ROLLBACK_ID, component },
    RestoreComponent: { ...run, continuation: null },
    VerifyComponent: run,
    IntegrityCheck: { rollbackId: ROLLBACK_ID },
    RecordOutcome: { rollbackId: ROLLBACK_ID },
  };
}

function invocationFor(entry: string, component: string): Invocation {
  const name = basename(entry, '.ts');
  if (name === 'scheduled-job') return { kind: 'scheduled-job', event: { job: 'health' }, calls: ['dynamodb'] };
  const group = name.startsWith('admin-api-') ? routeGroups.find((g) => `admin-api-${g.name}` === name) : undefined;
  if (group) {
    // A GET route without path parameters when there is one, called without a session token.
    const route = group.routes.find((r) => r.method === 'GET' && !r.path.includes('{')) ?? group.routes.find((r) => r.method === 'GET') ?? group.routes[0];
    if (!route) throw new Error(`route group ${group.name} has no route`);
    const event = apiGatewayEvent({ method: route.method, path: route.path.replace(/\{[^}]+\}/g, 'bundle-test') });
    return {
      kind: 'admin-api',
      event,
      calls: ['secretsmanager'],
      checkResult: (result) => {
        const status = (result as { statusCode?: unknown } | null)?.statusCode;
        if (typeof status !== 'number') return `not an API Gateway proxy result: ${JSON.stringify(result)}`;
        // A public route answers; any other refuses the call without a session (401), which it can
        // only do once its cold start has built the dependencies (a failed one answers 500).
        const expected = route.access === 'public' ? 200 : 401;
        return status === expected ? undefined : `${route.method} ${route.path} answered ${status}, not ${expected}: ${JSON.stringify(result)}`;
      },
    };
  }
  const task = rollbackTaskNames.find((t) => kebab(t) === name);
  // Every task reads or writes the rollback's journal in the system table first.
  if (task) return { kind: 'rollback-task', event: taskInputs(component)[task], calls: ['dynamodb'] };
  return { kind: 'unknown', event: {}, calls: [] };
}

// ---------------------------------------------------------------------------------------------
// Synthesis and runs, once
// ---------------------------------------------------------------------------------------------

interface BundledFunction {
  readonly logicalId: string;
  readonly entry: string;
  readonly bundleDir: string;
  readonly bundleFile: string;
  readonly exportName: string;
  readonly env: Record<string, string>;
  readonly invocation: Invocation;
  /** The access key id of its child, which the mock endpoint records each call under. */
  readonly caller: string;
}

interface Outcome {
  readonly fn: BundledFunction;
  readonly run: BundleRun;
  readonly calls: readonly string[];
}

/** A WingFunction's bundle in cdk.out, its handler export, and the environment of its child. */
function bundledFunction(fn: WingFunction, entry: string, index: number, at: { resources: Record<string, TemplateResource>; outdir: string; endpoint: string; component: string }): BundledFunction {
  const logicalId = Stack.of(fn).getLogicalId(fn.function.node.defaultChild as CfnElement);
  const r = at.resources[logicalId];
  if (!r) throw new Error(`${entry}: no resource ${logicalId} in the template`);
  const assetPath = r.Metadata?.['aws:asset:path'];
  if (typeof assetPath !== 'string') throw new Error(`${entry}: no asset metadata on ${logicalId}`);
  const handler = r.Properties?.Handler;
  if (typeof handler !== 'string' || !handler.includes('.')) throw new Error(`${entry}: ${logicalId} has no file.export Handler`);
  const dot = handler.lastIndexOf('.');
  const bundleDir = join(at.outdir, assetPath);
  const base = handler.slice(0, dot);
  const bundleFile = ['.mjs', '.js', '.cjs'].map((ext) => join(bundleDir, `${base}${ext}`)).find((f) => existsSync(f)) ?? join(bundleDir, `${base}.mjs`);
  const variables = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const caller = `AKIDBUNDLETEST${String(index).padStart(3, '0')}`;
  const env: Record<string, string> = {
    ...Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, resolveTemplateValue(v, at.resources)])),
    // What Lambda sets, and the mock endpoint in place of AWS (no retries: an unexpected answer fails at once).
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: 'UTC',
    AWS_REGION: FAKE_REGION,
    AWS_DEFAULT_REGION: FAKE_REGION,
    AWS_LAMBDA_FUNCTION_NAME: logicalId,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: typeof r.Properties?.MemorySize === 'number' ? String(r.Properties.MemorySize) : '128',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    LAMBDA_TASK_ROOT: bundleDir,
    _HANDLER: handler,
    // No shared config or credentials file of the machine's user (a profile's endpoint_url would win over the mock).
    AWS_CONFIG_FILE: join(at.outdir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(at.outdir, 'no-aws-credentials'),
    AWS_ACCESS_KEY_ID: caller,
    AWS_SECRET_ACCESS_KEY: 'bundle-test-secret',
    AWS_SESSION_TOKEN: 'bundle-test-token',
    AWS_ENDPOINT_URL: at.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return { logicalId, entry, bundleDir, bundleFile, exportName: handler.slice(dot + 1), env, invocation: invocationFor(entry, at.component), caller };
}

let outdir: string | undefined;
let mock: MockAws | undefined;
let lambdaIds: string[] = [];
let functions: BundledFunction[] = [];
let outcomes: Outcome[] = [];
let synthMs = 0;
let runMs = 0;

describe.skipIf(!canLoadBinary)('Lambda bundles (synth with bundling on)', () => {
  beforeAll(async () => {
    const aws = await startMockAws();
    mock = aws;
    const out = mkdtempSync(join(realpathSync(tmpdir()), 'wing-bundles-'));
    outdir = out;
    const started = Date.now();
    const app = new App({
      outdir: out,
      // Bundling on for this stack (the other CDK tests skip it); asset metadata names each function's bundle directory.
      context: { ...cdkJsonContext(), 'aws:cdk:enable-asset-metadata': true },
      builtinCloudFormationValidation: false,
    });
    const config = loadConfig({ createDemoComponents: true });
    const stack = new WingRollbackStack(app, 'Bundles', { config, env: { account: FAKE_ACCOUNT, region: FAKE_REGION } });
    const template = app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, TemplateResource> };
    synthMs = Date.now() - started;

    const resources = template.Resources;
    lambdaIds = Object.keys(resources).filter((id) => resources[id]?.Type === 'AWS::Lambda::Function');
    const component = config.plan.components[0]?.name ?? 'vision-lake';
    functions = built.map(({ fn, entry }, i) => bundledFunction(fn, entry, i, { resources, outdir: out, endpoint: aws.endpoint, component })).sort((a, b) => a.entry.localeCompare(b.entry));

    const runStarted = Date.now();
    const runs = await inPool(
      Math.min(4, Math.max(2, availableParallelism())),
      functions.map((fn) => () => runBundle({ bundleFile: fn.bundleFile, exportName: fn.exportName, event: fn.invocation.event, functionName: fn.logicalId, env: fn.env, timeoutMs: 45_000 })),
    );
    runMs = Date.now() - runStarted;
    outcomes = functions.map((fn, i) => ({
      fn,
      run: runs[i] as BundleRun,
      calls: aws.requests.filter((q) => q.caller === fn.caller).map((q) => `${q.service}:${q.operation}`),
    }));
    const others = lambdaIds.filter((id) => !functions.some((f) => f.logicalId === id));
    console.info(
      `Lambda bundles: synth with bundling ${synthMs} ms, ${outcomes.length} bundles run in ${runMs} ms` +
        (others.length > 0 ? ` (not WingFunctions, not run: ${others.join(', ')})` : '') +
        '\n' +
        outcomes.map((o) => `  ${o.fn.entry} [${o.fn.invocation.kind}] ${o.run.ms} ms: ${o.run.report?.error ? `${o.run.report.error.name ?? 'Error'}: ${o.run.report.error.message.split('\n')[0] ?? ''}` : 'returned'}; calls ${[...new Set(o.calls)].join(', ')}`).join('\n'),
    );
  }, 300_000);

  afterAll(async () => {
    await mock?.close();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  it('bundles every handler file of lambdas/ as a function of the stack', () => {
    const entries = functions.map((f) => f.entry);
    const files = handlerFiles();
    expect(files.filter((f) => !entries.includes(f)), 'handler files of lambdas/ that no function bundles').toEqual([]);
    // The scheduled job, the admin API's route groups and the rollback tasks at least.
    expect(files.length).toBeGreaterThanOrEqual(1 + routeGroups.length + rollbackTaskNames.length);
    expect(functions.length).toBeGreaterThanOrEqual(files.length);
    // Every Lambda of the template found by its WingFunction (any other is one of CDK's own providers, listed in the summary).
    expect(functions.every((f) => lambdaIds.includes(f.logicalId))).toBe(true);
  });

  it('puts the linux-x64 zstd binary in every bundle, loadable from the bundle itself', () => {
    for (const { fn, run } of outcomes) {
      expect.soft(existsSync(join(fn.bundleDir, ZSTD_BINARY)), `${fn.entry}: ${ZSTD_BINARY} in its bundle`).toBe(true);
      const zstd = run.report?.zstd;
      expect.soft(zstd, `${fn.entry}: no zstd report (its child died: exit ${String(run.exitCode)})\n${run.output.slice(-2000)}`).toBeDefined();
      if (!zstd) continue;
      expect.soft(zstd.error, `${fn.entry}: zstd from its bundle\n${zstd.error?.stack ?? ''}`).toBeUndefined();
      if (zstd.error) continue;
      // Resolved from the bundle's own node_modules, never the repository's.
      expect.soft(zstd.bindingPath?.startsWith(`${fn.bundleDir}/`), `${fn.entry}: binding path ${zstd.bindingPath ?? '-'}`).toBe(true);
      expect.soft(zstd.nativePath, `${fn.entry}: the native binary loaded`).toBe(join(fn.bundleDir, ZSTD_BINARY));
      expect.soft(zstd.roundTrip, `${fn.entry}: compress/decompress round trip`).toBe(true);
      expect.soft(zstd.compressedBytes ?? Infinity, `${fn.entry}: compressed`).toBeLessThan(zstd.inputBytes ?? 0);
    }
    // A bundle whose code requires the binding (the compressor of backups and restores) has
    // loaded it on import, from its own node_modules; the scheduled job's backups need it.
    const usesZstd = outcomes.filter((o) => readFileSync(o.fn.bundleFile, 'utf8').includes('@mongodb-js/zstd/bindings.js'));
    expect(usesZstd.map((o) => o.fn.entry)).toContain('lambdas/scheduled-job.ts');
    for (const { fn, run } of usesZstd) expect.soft(run.report?.zstd?.loadedByBundle, `${fn.entry}: its code loaded zstd on import`).toBe(true);
  });

  it('imports every bundle in Node and runs its handler to a mocked AWS call', () => {
    for (const { fn, run, calls } of outcomes) {
      const where = `${fn.entry} (${fn.logicalId}, ${relative(fn.bundleDir, fn.bundleFile)})`;
      const log = `\n--- its output ---\n${run.output.slice(-4000)}`;
      expect.soft(run.timedOut, `${where}: timed out${log}`).toBe(false);
      const report = run.report;
      expect.soft(report, `${where}: no report (exit ${String(run.exitCode)})${log}`).toBeDefined();
      if (!report) continue;
      expect.soft(report.stage, `${where}: ${report.error?.stack ?? report.error?.message ?? ''}${log}`).toBe('done');
      const error = report.error;
      if (error) {
        const text = `${error.name ?? ''}: ${error.message}\n${error.stack ?? ''}`;
        expect.soft(MODULE_LOADING_ERROR.test(text), `${where}: a module-loading error\n${text}`).toBe(false);
        // A domain error (no recovery point, no such rollback...), not a TypeError of a broken import
        // or interop; a handler of an unknown kind got an empty event, which it may fail on anyhow.
        if (fn.invocation.kind !== 'unknown') expect.soft(DOMAIN_ERRORS.has(error.name ?? ''), `${where}: threw ${text}\n(not one of the domain's errors: ${[...DOMAIN_ERRORS].join(', ')})${log}`).toBe(true);
        // The environment the stack gives the function is complete and valid.
        expect.soft(/bad Lambda environment/.test(error.message), `${where}: ${error.message}`).toBe(false);
      } else if (fn.invocation.checkResult) {
        expect.soft(fn.invocation.checkResult(report.result), `${where}: its answer${log}`).toBeUndefined();
      }
      // Its code path reached AWS (the bundled SDK, signed, to the mock endpoint); a handler of an
      // unknown kind ran with an empty event, which it may refuse before calling anything.
      if (fn.invocation.kind !== 'unknown') expect.soft(calls.length, `${where}: called no AWS service${log}`).toBeGreaterThan(0);
      for (const service of fn.invocation.calls) {
        expect.soft(calls.some((c) => c.startsWith(`${service}:`)), `${where}: called ${service} (calls: ${calls.join(', ')})${log}`).toBe(true);
      }
    }
  });
});
