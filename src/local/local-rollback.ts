/**
 * The rollback system in local mode: the local runtime's services (DynamoDB Local, s3rver, the
 * local key service, the notification outbox, the rollback log in the state folder) and the local
 * state machine runner.
 */
import { FileRollbackLog } from '../adapters/file-rollback-log.js';
import { OutboxPublisher } from '../adapters/outbox-publisher.js';
import { RollbackOperations } from '../rollback/rollback-operations.js';
import { rollbackServices, type RollbackServices } from '../rollback/rollback-services.js';
import { LocalRollbackExecutor, type LocalExecutorOptions } from './local-rollback-executor.js';
import type { LocalRuntime } from './local-runtime.js';
import { isProcessAlive } from './run-owner.js';

export type LocalRollbackOptions = Partial<Pick<LocalExecutorOptions, 'onTransition' | 'taskBudgetMs' | 'fault'>> & { readonly drainMs?: number };

export function localRollbackServices(runtime: LocalRuntime, drainMs?: number): RollbackServices {
  return rollbackServices({
    plan: runtime.plan,
    dynamo: runtime.dynamo,
    s3: runtime.s3,
    vaultStore: runtime.vaultStore,
    keys: runtime.keys,
    events: new OutboxPublisher(runtime.paths.notifications),
    log: new FileRollbackLog(runtime.paths.logs),
    clock: runtime.clock,
    isOwnerAlive: (owner) => isProcessAlive(owner.pid),
    ...(drainMs !== undefined ? { drainMs } : {}),
  });
}

export function localRollbackOperations(runtime: LocalRuntime, options: LocalRollbackOptions = {}): RollbackOperations {
  const services = localRollbackServices(runtime, options.drainMs);
  const executor = new LocalRollbackExecutor(services, {
    outbox: runtime.paths.notifications,
    logsFolder: runtime.paths.logs,
    ...(options.onTransition ? { onTransition: options.onTransition } : {}),
    ...(options.taskBudgetMs !== undefined ? { taskBudgetMs: options.taskBudgetMs } : {}),
    ...(options.fault ? { fault: options.fault } : {}),
  });
  return new RollbackOperations({ services, admins: runtime.admins, executor });
}
