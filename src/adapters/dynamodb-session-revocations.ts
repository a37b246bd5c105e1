/**
 * Revoked admin sessions in the system table (pk `SESSION_REVOKED`, sk the session id), with a
 * TTL attribute at the token's expiry: after it, the token is refused as expired anyway.
 */
import type { SessionRevocations } from '../core/admin-sessions.js';
import type { SystemTable } from './system-table.js';

const PK = 'SESSION_REVOKED';

export class DynamoSessionRevocations implements SessionRevocations {
  constructor(private readonly table: SystemTable) {}

  revoke(sessionId: string, until: Date): Promise<void> {
    return this.table.putDoc(PK, sessionId, { sessionId, until: until.toISOString() }, { expiresAt: { N: String(Math.ceil(until.getTime() / 1000)) } });
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    return (await this.table.getDoc(PK, sessionId)) !== undefined;
  }
}
