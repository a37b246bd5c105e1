/**
 * The audit trail's second copy: every record is also one object in the audit bucket, its key
 * the record's number (`audit/<12-digit seq>.json`) and its content the record's exact JSON. On
 * AWS the bucket is Object-Locked (COMPLIANCE), so a copy cannot be changed or removed before its
 * retention ends, not even by the account's root; locally (s3rver) it is a plain bucket.
 *
 * The table stays the source of truth for numbering and chaining; the mirror is the witness it is
 * compared with. The chain alone cannot show the newest records removed together, nor a record
 * altered and the rest of the chain re-hashed after it; the comparison shows both, and names the
 * copy that differs: the one that no longer fits the chain (its own hash, the record before, the
 * record after). When both copies fit their own chain, it cannot tell, and says so ('both').
 */
import { auditRecordHash, GENESIS_HASH, verifyAuditChain, type AuditProblem, type AuditRecord, type StoredAuditRecord } from './audit-trail.js';
import { WingError } from './errors.js';

export const AUDIT_MIRROR_PREFIX = 'audit/';
const SEQ_DIGITS = 12;
const KEY_PATTERN = /^audit\/(\d{12})\.json$/;

/** The key of record `seq`'s copy in the audit bucket. */
export function auditMirrorKey(seq: number): string {
  return `${AUDIT_MIRROR_PREFIX}${String(seq).padStart(SEQ_DIGITS, '0')}.json`;
}

/** The record number a mirror key names, or undefined for any other object. */
export function seqOfAuditMirrorKey(key: string): number | undefined {
  const match = KEY_PATTERN.exec(key);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The content of a record's copy: the same JSON the table holds. */
export function auditMirrorBody(record: AuditRecord): string {
  return JSON.stringify(record);
}

/** One object of the mirror: the number its key names, and its content as stored. */
export interface AuditMirrorCopy {
  readonly position: number;
  readonly body: string;
}

/** Port: the audit bucket. */
export interface AuditMirror {
  /** Writes the record's copy; a copy already there with the same content is success. */
  put(record: AuditRecord): Promise<void>;
  has(seq: number): Promise<boolean>;
  /** Every copy, in key order; objects not named like a copy are not part of the mirror. */
  all(): Promise<AuditMirrorCopy[]>;
}

/** The record is in the table but its copy could not be written: it is not fully on record. */
export class AuditMirrorError extends WingError {}

export type AuditCopy = 'table' | 'mirror' | 'both';

/** A problem of the trail, with the copy it was found in ('both': the two differ, neither is shown right). */
export interface AuditTrailProblem extends AuditProblem {
  readonly copy: AuditCopy;
}

/** verifyAuditChain over the table, extended with the comparison with the mirror. */
export interface AuditTrailVerification {
  readonly ok: boolean;
  /** Records in the table. */
  readonly records: number;
  /** The hash of the table's newest record. */
  readonly head: string;
  readonly problems: AuditTrailProblem[];
  readonly mirror: { readonly records: number; readonly head: string };
}

function parseCopy(body: string): AuditRecord | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as AuditRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Every field that counts, in a fixed order: two copies agree when these are equal. */
function sameRecord(a: AuditRecord, b: AuditRecord): boolean {
  const fields = (r: AuditRecord): string => JSON.stringify([r.seq, r.time, r.actor, r.action, r.outcome, r.detail, r.source ?? null, r.prevHash, r.hash]);
  return fields(a) === fields(b);
}

/**
 * Compares the table with the mirror, number by number. A copy missing on one side is `removed`
 * there; two copies that differ are told apart by the chain: the copy that sits at another
 * number is `reordered`, one that does not match its hash, does not follow the record before or
 * is not the one the record after links to is `altered`.
 */
export function compareWithMirror(table: readonly StoredAuditRecord[], mirror: readonly AuditMirrorCopy[]): AuditTrailProblem[] {
  const inTable = new Map(table.map((s) => [s.position, s.record]));
  const inMirror = new Map(mirror.map((c) => [c.position, parseCopy(c.body)]));
  const positions = [...new Set([...inTable.keys(), ...inMirror.keys()])].sort((a, b) => a - b);
  const problems: AuditTrailProblem[] = [];
  /** The hash of the record before, as far as it is known to be right. */
  let trustedPrevious: string | undefined = GENESIS_HASH;
  let lastPosition = 0;
  for (const position of positions) {
    const t = inTable.get(position);
    const m = inMirror.get(position);
    const mirrored = inMirror.has(position);
    const expectedPrevious = position === lastPosition + 1 ? trustedPrevious : undefined;
    const nextCopies = [inTable.get(position + 1), inMirror.get(position + 1)].filter((r): r is AuditRecord => r !== undefined);
    const fits = (r: AuditRecord | undefined): r is AuditRecord =>
      r !== undefined &&
      r.seq === position &&
      auditRecordHash(r) === r.hash &&
      (expectedPrevious === undefined || r.prevHash === expectedPrevious) &&
      (nextCopies.length === 0 || nextCopies.some((n) => n.prevHash === r.hash));
    const n = String(position);
    let trusted: AuditRecord | undefined;
    if (t && !mirrored) {
      problems.push({ seq: position, problem: 'removed', copy: 'mirror', detail: `record ${n} is in the table but not in the audit bucket: deleted there, or its copy was never written` });
      trusted = fits(t) ? t : undefined;
    } else if (!t) {
      problems.push({ seq: position, problem: 'removed', copy: 'table', detail: `record ${n} is in the audit bucket but not in the table: removed from the table` });
      trusted = fits(m) ? m : undefined;
    } else if (m && sameRecord(t, m)) {
      trusted = t;
    } else {
      const tableFits = fits(t);
      const mirrorFits = fits(m);
      if (tableFits !== mirrorFits) {
        const [copy, wrong] = tableFits ? (['mirror', m] as const) : (['table', t] as const);
        const where = copy === 'table' ? "the table's copy" : "the audit bucket's copy";
        const other = copy === 'table' ? "the audit bucket's" : "the table's";
        problems.push(
          wrong !== undefined && wrong.seq !== position
            ? { seq: position, problem: 'reordered', copy, detail: `${where} of record ${n} says it is number ${String(wrong.seq)}; ${other} is intact` }
            : { seq: position, problem: 'altered', copy, detail: `${where} of record ${n} differs from ${other} and does not fit the chain: it was changed` },
        );
        trusted = tableFits ? t : m;
      } else {
        problems.push({ seq: position, problem: 'altered', copy: 'both', detail: `the table's and the audit bucket's copies of record ${n} differ and the chain cannot tell which is right` });
      }
    }
    trustedPrevious = trusted?.hash;
    lastPosition = position;
  }
  return problems;
}

/**
 * The whole check: the table's own chain (verifyAuditChain), then the comparison with the mirror.
 * A problem the chain found already is not said twice.
 */
export function verifyAuditTrail(table: readonly StoredAuditRecord[], mirror: readonly AuditMirrorCopy[]): AuditTrailVerification {
  const chain = verifyAuditChain(table);
  const chainProblems: AuditTrailProblem[] = chain.problems.map((p) => ({ ...p, copy: 'table' }));
  const said = new Set(chainProblems.map((p) => `${String(p.seq)}:${p.problem}`));
  const mirrorProblems = compareWithMirror(table, mirror).filter((p) => !(p.copy === 'table' && said.has(`${String(p.seq)}:${p.problem}`)));
  const problems = [...chainProblems, ...mirrorProblems];
  const newestCopy = [...mirror].reverse().map((c) => parseCopy(c.body)).find((r) => r !== undefined);
  return { ok: problems.length === 0, records: chain.records, head: chain.head, problems, mirror: { records: mirror.length, head: newestCopy?.hash ?? GENESIS_HASH } };
}
