/**
 * The audit trail kept twice: the table (numbering, chaining, listing) and the audit bucket (one
 * copy per record, Object-Locked on AWS). See src/core/audit-mirror.ts.
 *
 * Order and failure: a record is written to the table first, then copied. When the copy fails,
 * the table record stays (it cannot be taken back, and it is true), and `append` throws
 * AuditMirrorError: the caller must not treat the action as fully on record, and an operation
 * that audits before it runs (a rollback start) does not run. The gap is repaired by the next
 * append, which first copies the records just before its own that the bucket lacks: one small
 * listing per append when nothing is missing, since every append repairs before it copies its
 * own record, so a gap left by a failed copy is always just before the newest one. Until then
 * `audit:verify` names the record as missing from the bucket. Only records that fit the chain
 * are copied, so a record altered in the table meanwhile is left for `audit:verify` to name
 * rather than copied as if it were true.
 */
import { AuditMirrorError, verifyAuditTrail, type AuditMirror, type AuditTrailVerification } from '../core/audit-mirror.js';
import { auditRecordHash, type AuditEntry, type AuditRecord, type AuditTrail, type StoredAuditRecord } from '../core/audit-trail.js';

/** How far back an append looks for copies to repair (one small listing each while they are missing). */
const MAX_BACKFILL = 1000;
/** Records others may have appended after ours by the time the table is read back. */
const CONCURRENT_APPENDS = 16;

export class MirroredAuditTrail implements AuditTrail {
  constructor(
    private readonly table: AuditTrail,
    readonly mirror: AuditMirror,
  ) {}

  async append(entry: AuditEntry): Promise<AuditRecord> {
    const record = await this.table.append(entry);
    try {
      await this.backfillBefore(record);
      await this.mirror.put(record);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new AuditMirrorError(
        `audit record ${String(record.seq)} is in the table but its copy in the audit bucket could not be written (${reason}); the next append copies it, and audit:verify names it until then`,
        { cause: err },
      );
    }
    return record;
  }

  list(options?: { limit?: number }): Promise<AuditRecord[]> {
    return this.table.list(options);
  }

  all(): Promise<StoredAuditRecord[]> {
    return this.table.all();
  }

  /**
   * Both copies, compared (read-only). The table is read first; when the bucket then holds newer
   * records than that read, the table is read again, so a record appended in between is not
   * taken for one removed from the table.
   */
  async verify(): Promise<AuditTrailVerification> {
    let table = await this.table.all();
    const mirror = await this.mirror.all();
    const newest = (positions: readonly number[]): number => positions.reduce((a, b) => Math.max(a, b), 0);
    if (newest(mirror.map((c) => c.position)) > newest(table.map((s) => s.position))) table = await this.table.all();
    return verifyAuditTrail(table, mirror);
  }

  /** Copies the records just before `record` that the bucket lacks (a copy that failed earlier). */
  private async backfillBefore(record: AuditRecord): Promise<void> {
    let oldestMissing = record.seq;
    while (oldestMissing > 1 && record.seq - oldestMissing < MAX_BACKFILL && !(await this.mirror.has(oldestMissing - 1))) oldestMissing -= 1;
    if (oldestMissing === record.seq) return;
    // Newest first, from `record` down to the oldest missing one: each must be the one its successor links to.
    // A little more than needed, in case others appended since: a record cut off is copied next time.
    const recent = (await this.table.list({ limit: record.seq - oldestMissing + 1 + CONCURRENT_APPENDS })).filter((r) => r.seq >= oldestMissing && r.seq <= record.seq);
    const toCopy: AuditRecord[] = [];
    let successor = record;
    for (const candidate of recent) {
      if (candidate.seq === record.seq) continue;
      if (candidate.seq !== successor.seq - 1 || auditRecordHash(candidate) !== candidate.hash || candidate.hash !== successor.prevHash) break;
      toCopy.push(candidate);
      successor = candidate;
    }
    for (const copy of toCopy.reverse()) await this.mirror.put(copy);
  }
}
