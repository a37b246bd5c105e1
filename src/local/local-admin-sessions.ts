/**
 * Admin sessions in local mode: tokens signed with `keys/session.key` of the state folder (created
 * on first use, 0600; losing it only signs everyone out), revocations in the system table.
 */
import { join } from 'node:path';
import { DynamoSessionRevocations } from '../adapters/dynamodb-session-revocations.js';
import { loadSecretFile } from '../adapters/secret-file.js';
import { AdminSessions } from '../core/admin-sessions.js';
import type { LocalRuntime } from './local-runtime.js';

export function sessionKeyPath(runtime: LocalRuntime): string {
  return join(runtime.paths.keys, 'session.key');
}

export async function localAdminSessions(runtime: LocalRuntime, options: { sessionSeconds?: number } = {}): Promise<AdminSessions> {
  const key = await loadSecretFile(sessionKeyPath(runtime), { bytes: 32, create: true, what: 'session key', missing: 'no session key' });
  return new AdminSessions({
    admins: runtime.admins,
    gate: runtime.services.gate,
    clock: runtime.clock,
    key,
    revocations: new DynamoSessionRevocations(runtime.systemTable),
    ...(options.sessionSeconds !== undefined ? { sessionSeconds: options.sessionSeconds } : {}),
  });
}
