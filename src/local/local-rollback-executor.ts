/**
 * Runs rollbacks locally: the real ASL file on aws-local-stepfunctions, each Lambda Task mapped to
 * the same handler as on AWS, in this process. The execution belongs to this process (recorded
 * in the rollback record), which renews the rollback lock while it runs, so a crash leaves a lock
 * whose lease runs out and a record `rollback:cleanup` recognises as dead.
 */
import { appendFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { rollbackTaskHandlers, rollbackTaskNames } from '../../lambdas/rollback-task-handlers.js';
import { LOCAL_TOPICS } from '../adapters/outbox-publisher.js';
import { EVENT_SOURCE, type EventType } from '../core/events.js';
import { isFinished, type RollbackRecord } from '../core/rollback-journal.js';
import type { RollbackExecutor } from '../rollback/rollback-operations.js';
import type { RollbackServices } from '../rollback/rollback-services.js';
import { ROLLBACK_LEASE_MS } from '../rollback/rollback-steps.js';
import { LocalStateMachine, type Transition } from './local-state-machine.js';
import { isProcessAlive } from './run-owner.js';

export const ROLLBACK_STATE_MACHINE = 'emergency-rollback';
export const LOCAL_EVENT_BUS = 'wing-rollback-local';
export const LOCAL_ADMIN_TOPIC = LOCAL_TOPICS.admin;

export interface LocalExecutorOptions {
  /** Where the notification outbox is (events and SNS notifications land there). */
  readonly outbox: string;
  /** Where each execution's state transitions are kept (`rollback-<id>.transitions.jsonl`). */
  readonly logsFolder: string;
  readonly onTransition?: (rollbackId: string, t: Transition & { component?: string }) => void;
  readonly taskBudgetMs?: number;
  readonly fault?: (state: string, rollbackId: string) => Error | undefined | Promise<Error | undefined>;
}

export function localSubstitutions(systemTable: string): Record<string, string> {
  const values: Record<string, string> = { SystemTableName: systemTable, EventBusName: LOCAL_EVENT_BUS, AdminTopicArn: LOCAL_ADMIN_TOPIC };
  for (const name of rollbackTaskNames) values[`${name}FunctionArn`] = LocalStateMachine.functionArn(name);
  return values;
}

export class LocalRollbackExecutor implements RollbackExecutor {
  private readonly machine: LocalStateMachine;

  constructor(
    private readonly services: RollbackServices,
    private readonly options: LocalExecutorOptions,
  ) {
    this.machine = LocalStateMachine.fromFile(ROLLBACK_STATE_MACHINE, localSubstitutions(services.plan.systemTable));
  }

  /** This process runs the execution: a crash leaves a record whose pid is dead. */
  executorOf(): RollbackRecord['executor'] {
    return { host: hostname(), pid: process.pid };
  }

  start(rollbackId: string): Promise<{ executor: RollbackRecord['executor']; finished: () => Promise<void> }> {
    const s = this.services;
    const executor = this.executorOf();
    // The Lambdas' logs go to CloudWatch on AWS; locally the rollback log says it all.
    const logger = new Logger({ serviceName: 'wing-rollback', logLevel: 'SILENT' });
    const handlers = rollbackTaskHandlers(() => Promise.resolve(s.steps), logger);
    const transitions = join(this.options.logsFolder, `rollback-${rollbackId}.transitions.jsonl`);
    const renewal = setInterval(() => {
      s.lock.renew(rollbackId, ROLLBACK_LEASE_MS).catch(() => undefined);
    }, ROLLBACK_LEASE_MS / 3);
    renewal.unref();
    this.running.add(rollbackId);
    const outbox = this.options.outbox;
    const finished = this.machine
      .run(
        { rollbackId },
        {
          functions: handlers,
          integrations: {
            dynamodb: s.systemTable.client,
            async putEvent(entry) {
              const detail: unknown = typeof entry.Detail === 'string' ? JSON.parse(entry.Detail) : entry.Detail;
              const line = { channel: 'event', source: entry.Source || EVENT_SOURCE, detailType: entry.DetailType as EventType, detail, bus: entry.EventBusName };
              await appendFile(outbox, `${JSON.stringify(line)}\n`, { mode: 0o600 });
            },
            async publish(message) {
              const line = { channel: 'notification', topic: message.TopicArn, subject: message.Subject, message: message.Message };
              await appendFile(outbox, `${JSON.stringify(line)}\n`, { mode: 0o600 });
            },
          },
          onTransition: (t) => {
            this.options.onTransition?.(rollbackId, t);
            appendFile(transitions, `${JSON.stringify(t)}\n`, { mode: 0o600 }).catch(() => undefined);
          },
          ...(this.options.taskBudgetMs !== undefined ? { taskBudgetMs: this.options.taskBudgetMs } : {}),
          ...(this.options.fault ? { fault: (state: string) => this.options.fault?.(state, rollbackId) } : {}),
        },
      )
      .then(async (r) => {
        const after = await s.journal.get(rollbackId);
        // The state machine records every ending itself; an execution that ended without one
        // (a broken definition, RecordOutcome itself failing) is recorded here.
        if (after && !isFinished(after.phase)) {
          const cause = r.ok ? 'the execution ended without recording an outcome' : `${r.error}: ${r.cause}`;
          await s.journal.put({ ...after, phase: 'Failed', finishedAt: s.clock.now().toISOString(), message: `rollback failed: ${cause}`, error: { name: r.ok ? 'Error' : r.error, message: cause } });
          await s.log.append(rollbackId, { at: s.clock.now(), step: 'Execution', message: `execution ended abnormally: ${cause}` });
        }
      })
      .finally(async () => {
        clearInterval(renewal);
        // ReleaseLock is best effort in the definition (on AWS the lease then runs out); locally
        // the owner of the execution knows it ended and releases a lock left behind.
        if ((await s.lock.current())?.owner === rollbackId) await s.lock.release(rollbackId).catch(() => undefined);
        this.running.delete(rollbackId);
      });
    // The execution runs in this process whether or not anyone waits for it; a failure of its
    // bookkeeping must not become an unhandled rejection that ends the process (npm start)
    // and every other rollback in it. The record and the lock lease tell cleanup what happened.
    const settled = finished.catch((err: unknown) => {
      s.log.append(rollbackId, { at: s.clock.now(), step: 'Execution', message: `warning: the end of the execution was not recorded: ${err instanceof Error ? err.message : String(err)}` }).catch(() => undefined);
    });
    return Promise.resolve({ executor, finished: () => settled });
  }

  private readonly running = new Set<string>();

  isAlive(record: RollbackRecord): Promise<boolean> {
    const e = record.executor;
    if (!e || !('pid' in e)) return Promise.resolve(false);
    if (e.host !== hostname()) return Promise.resolve(true);
    return Promise.resolve(e.pid === process.pid ? this.running.has(record.rollbackId) : isProcessAlive(e.pid));
  }
}
