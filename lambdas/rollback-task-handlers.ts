/**
 * The handlers of the rollback state machine's Lambda Tasks: parse and validate the input, call
 * RollbackSteps, return its answer. Thin on purpose: the same functions run on Lambda (one
 * function per Task, see the files beside this one) and in-process in local mode.
 */
import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { ValidationError } from '../src/core/errors.js';
import { systemModes } from '../src/core/system-mode.js';
import type { RollbackSteps } from '../src/rollback/rollback-steps.js';

/** Lambda stops a run this long before its timeout, so a restore can hand over cleanly. */
const HANDOVER_MARGIN_MS = 60_000;

const rollbackId = z.string().regex(/^[A-Za-z0-9-]+$/);
const byId = z.object({ rollbackId });
const continuation = z
  .object({
    stream: z.number().int().nonnegative(),
    expectedDigests: z.array(z.string()),
    written: z.number(),
    deleted: z.number(),
    unchanged: z.number(),
    restoreMs: z.number(),
    runs: z.number(),
  })
  .nullable()
  .optional();
const restoreRun = z.object({
  rollbackId,
  component: z.string().min(1),
  snapshotId: z.string().min(1),
  purpose: z.enum(['rollback', 'recovery']),
  done: z.boolean().optional(),
  continuation,
});
const stateError = z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional();
const outcome = z.object({
  rollbackId,
  failure: stateError,
  recovered: z.unknown().optional(),
  recoveryFailure: stateError,
  safeMode: z.unknown().optional(),
  preHealthFailure: stateError,
  postHealthFailure: stateError,
  integrityFailure: stateError,
  notificationFailure: stateError,
  modeFailure: stateError,
  safeModeFailure: stateError,
});

function parse<S extends z.ZodType>(schema: S, event: unknown): z.infer<S> {
  const r = schema.safeParse(event);
  if (!r.success) throw new ValidationError(`invalid task input: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

export type TaskHandler = (event: unknown, context: Context) => Promise<unknown>;

export const rollbackTaskNames = [
  'AcquireLock',
  'SelectRecoveryPoint',
  'HealthCheck',
  'SetSystemMode',
  'SafetySnapshot',
  'RestoreComponent',
  'VerifyComponent',
  'IntegrityCheck',
  'RecordOutcome',
] as const;
export type RollbackTaskName = (typeof rollbackTaskNames)[number];

/** The handler of every Lambda Task, over the steps (built once per cold start by `steps`). */
export function rollbackTaskHandlers(steps: () => Promise<RollbackSteps>, logger: Logger): Record<RollbackTaskName, TaskHandler> {
  const handler = (fn: (event: unknown, context: Context) => Promise<unknown>): TaskHandler =>
    // No early-timeout abort: a restore watches its own deadline and hands over with a
    // continuation token, which an abort would cut short.
    middy(fn, { timeoutEarlyInMillis: 0 }).use(injectLambdaContext(logger, { resetKeys: true }));
  return {
    AcquireLock: handler(async (e) => (await steps()).acquireLock(parse(byId, e))),
    SelectRecoveryPoint: handler(async (e) => (await steps()).selectPoint(parse(byId, e))),
    HealthCheck: handler(async (e) => (await steps()).healthCheck(parse(z.object({ rollbackId, phase: z.enum(['pre', 'post']) }), e))),
    SetSystemMode: handler(async (e) => (await steps()).setSystemMode(parse(z.object({ rollbackId, mode: z.enum(systemModes), after: z.enum(['restored', 'unchanged']).optional() }), e))),
    SafetySnapshot: handler(async (e) => (await steps()).safetySnapshot(parse(z.object({ rollbackId, component: z.string().min(1) }), e))),
    RestoreComponent: handler(async (e, context) => {
      const input = parse(restoreRun, e);
      logger.appendKeys({ rollbackId: input.rollbackId, component: input.component });
      return (await steps()).restoreComponent(input, Date.now() + Math.max(0, context.getRemainingTimeInMillis() - HANDOVER_MARGIN_MS));
    }),
    VerifyComponent: handler(async (e) => (await steps()).verifyComponent(parse(restoreRun, e))),
    IntegrityCheck: handler(async (e) => (await steps()).integrityCheck(parse(byId, e))),
    RecordOutcome: handler(async (e) => (await steps()).recordOutcome(parse(outcome, e))),
  };
}
