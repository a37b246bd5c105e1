/**
 * The admin API's dependencies in local mode: the owner's runtime, sessions signed with the
 * state folder's session key, the audit trail in the system table, the execution history from
 * the local runner's transitions, and rollbacks executed in the owner's process (so they go on
 * when the CLI or browser that started them goes away).
 */
import type { AdminApiDeps } from '../api/admin-api.js';
import type { RollbackOperations } from '../rollback/rollback-operations.js';
import { localAdminSessions } from './local-admin-sessions.js';
import { LocalExecutionHistory } from './local-execution-history.js';
import type { LocalRuntime } from './local-runtime.js';

export async function localAdminApiDeps(runtime: LocalRuntime, operations: RollbackOperations, logError: (message: string, err: unknown) => void): Promise<AdminApiDeps> {
  return {
    operations,
    sessions: await localAdminSessions(runtime),
    admins: runtime.admins,
    audit: runtime.services.audit,
    history: new LocalExecutionHistory(runtime.paths.logs),
    logError,
  };
}
