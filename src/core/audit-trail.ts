/**
 * The audit trail: who asked for what, and what came of it (sign-ins, rollbacks requested and
 * finished, undo, safe mode, refusals). Records are append-only and numbered without gaps
 * (`seq`), so a missing record shows; the hash chain that makes them tamper-evident builds on
 * this order. A record never holds a secret: no password, code or token, only names and outcomes.
 */

export type AuditOutcome = 'succeeded' | 'refused' | 'failed' | 'started';

export interface AuditEntry {
  /** Who: an administrator's username, `system`, or `anonymous` for a sign-in of an unknown user. */
  readonly actor: string;
  /** What: `session.signIn`, `rollback.start`, `rollback.finished`, `system.safeMode`, ... */
  readonly action: string;
  readonly outcome: AuditOutcome;
  /** One line for a person: the reason given, the rollback id, the refusal. */
  readonly detail: string;
  /** Where from: the source address of an API call, `cli` or `scheduler`. */
  readonly source?: string;
}

export interface AuditRecord extends AuditEntry {
  readonly seq: number;
  readonly time: string;
}

/** Port: the append-only store of audit records. */
export interface AuditTrail {
  /** Appends a record with the next sequence number (atomic: two writers never share one). */
  append(entry: AuditEntry): Promise<AuditRecord>;
  /** The newest `limit` records, newest first. */
  list(options?: { limit?: number }): Promise<AuditRecord[]>;
}
