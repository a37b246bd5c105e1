/**
 * The rollback system in local mode: the local runtime's services (DynamoDB Local, s3rver, the
 * local key service, the notification outbox, the rollback log in the state folder) and the local
 * state machine runner.
 */
import { RollbackOperations } from '../rollback/rollback-operations.js';
import { LocalRollbackExecutor, type LocalExecutorOptions } from './local-rollback-executor.js';
import type { LocalRuntime } from './local-runtime.js';

export type LocalRollbackOptions = Partial<Pick<LocalExecutorOptions, 'onTransition' | 'taskBudgetMs' | 'fault'>>;

export function localRollbackOperations(runtime: LocalRuntime, options: LocalRollbackOptions = {}): RollbackOperations {
  const services = runtime.services;
  const executor = new LocalRollbackExecutor(services, {
    outbox: runtime.paths.notifications,
    logsFolder: runtime.paths.logs,
    ...(options.onTransition ? { onTransition: options.onTransition } : {}),
    ...(options.taskBudgetMs !== undefined ? { taskBudgetMs: options.taskBudgetMs } : {}),
    ...(options.fault ? { fault: options.fault } : {}),
  });
  return new RollbackOperations({ services, executor });
}
