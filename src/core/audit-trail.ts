/**
 * The audit trail: who asked for what, and what came of it (sign-ins, rollbacks requested and
 * finished, undo, safe mode, refusals). A record never holds a secret: no password, code or
 * token, only names and outcomes.
 *
 * Tamper evidence: records are numbered without gaps (`seq`) and chained. Each holds the hash of
 * the one before (`prevHash`) and its own `hash`, the sha256 of its fields and `prevHash` in a
 * canonical form. So a record altered in place no longer matches its hash, one removed leaves a
 * gap in the numbers and a broken link, and records moved to other positions sit at numbers
 * that are not theirs. What the chain alone cannot show is the newest records removed together
 * (the remaining chain is intact): the head hash must be kept elsewhere too (the S3 mirror).
 */
import { createHash } from 'node:crypto';

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
  /** The hash of the record before (GENESIS_HASH for the first). */
  readonly prevHash: string;
  /** sha256 of this record's fields and prevHash (auditRecordHash). */
  readonly hash: string;
}

/** A record as stored: the position it is stored at (the table's sort key), and its content. */
export interface StoredAuditRecord {
  readonly position: number;
  readonly record: AuditRecord;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Port: the append-only store of audit records. */
export interface AuditTrail {
  /** Appends a record with the next sequence number, chained to the last (atomic: two writers never share one). */
  append(entry: AuditEntry): Promise<AuditRecord>;
  /** The newest `limit` records, newest first. */
  list(options?: { limit?: number }): Promise<AuditRecord[]>;
  /** Every record in stored order, for verification. */
  all(): Promise<StoredAuditRecord[]>;
}

/** The hash of a record: its fields in a fixed order, and the hash before it. */
export function auditRecordHash(record: Omit<AuditRecord, 'hash'>): string {
  const canonical = JSON.stringify([record.seq, record.time, record.actor, record.action, record.outcome, record.detail, record.source ?? null, record.prevHash]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The record that follows `previous` (undefined: the first). */
export function chainedRecord(previous: AuditRecord | undefined, entry: AuditEntry, time: string): AuditRecord {
  const unsigned = { seq: (previous?.seq ?? 0) + 1, time, ...entry, prevHash: previous?.hash ?? GENESIS_HASH };
  return { ...unsigned, hash: auditRecordHash(unsigned) };
}

export interface AuditProblem {
  readonly seq: number;
  readonly problem: 'altered' | 'removed' | 'reordered';
  readonly detail: string;
}

export interface AuditVerification {
  readonly ok: boolean;
  readonly records: number;
  /** The hash of the newest record (what an external copy of the head must equal). */
  readonly head: string;
  readonly problems: AuditProblem[];
}

/**
 * Checks the chain over the records in stored order. Each record must sit at the position of
 * its own number (else reordered), its hash must match its content (else altered), and it must
 * follow the one before without a gap and link to its hash (else removed).
 */
export function verifyAuditChain(stored: readonly StoredAuditRecord[]): AuditVerification {
  const problems: AuditProblem[] = [];
  let previous: AuditRecord | undefined;
  /** The record before was reported already: a broken link to it is the same problem, said once. */
  let previousReported = false;
  let lastPosition = 0;
  for (const { position, record } of stored) {
    const reportedBefore = problems.length;
    if (record.seq !== position) {
      problems.push({ seq: position, problem: 'reordered', detail: `the record stored at position ${String(position)} says it is number ${String(record.seq)}` });
    } else if (auditRecordHash(record) !== record.hash) {
      problems.push({ seq: position, problem: 'altered', detail: `record ${String(position)} does not match its hash: its content was changed` });
    } else {
      const expectedSeq = lastPosition + 1;
      if (record.seq !== expectedSeq) {
        problems.push({ seq: record.seq, problem: 'removed', detail: `records ${String(expectedSeq)} to ${String(record.seq - 1)} are missing before record ${String(record.seq)}` });
      } else if (!previousReported && record.prevHash !== (previous?.hash ?? GENESIS_HASH)) {
        problems.push({ seq: record.seq, problem: 'removed', detail: `record ${String(record.seq)} does not link to the record before it: a record was removed or replaced` });
      }
    }
    previous = record;
    lastPosition = position;
    previousReported = problems.length > reportedBefore;
  }
  return { ok: problems.length === 0, records: stored.length, head: previous?.hash ?? GENESIS_HASH, problems };
}
