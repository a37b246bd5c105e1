/**
 * The audit trail's copy in the audit bucket (src/core/audit-mirror.ts): table and mirror agree,
 * and each kind of tampering in either copy is named with the copy that differs; the mirrored
 * trail writes both, says so when the copy fails and repairs the gap on the next append; on AWS
 * each copy is written with Object Lock (aws-sdk-client-mock).
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { MirroredAuditTrail } from '../../src/adapters/mirrored-audit-trail.js';
import { S3AuditMirror } from '../../src/adapters/s3-audit-mirror.js';
import { AuditMirrorError, auditMirrorBody, auditMirrorKey, seqOfAuditMirrorKey, verifyAuditTrail, type AuditMirror, type AuditMirrorCopy } from '../../src/core/audit-mirror.js';
import { auditRecordHash, chainedRecord, type AuditEntry, type AuditRecord, type AuditTrail, type StoredAuditRecord } from '../../src/core/audit-trail.js';
import { IntegrityError } from '../../src/core/errors.js';

const entry = (i: number): AuditEntry => ({ actor: 'admin', action: `test.action${String(i)}`, outcome: i % 2 === 0 ? 'refused' : 'succeeded', detail: `record ${String(i)}`, source: 'cli' });

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 1; i <= n; i += 1) out.push(chainedRecord(out.at(-1), entry(i), `2026-12-01T03:00:0${String(i)}.000Z`));
  return out;
}

const stored = (records: readonly AuditRecord[]): StoredAuditRecord[] => records.map((record) => ({ position: record.seq, record }));
const copies = (records: readonly AuditRecord[]): AuditMirrorCopy[] => records.map((r) => ({ position: r.seq, body: auditMirrorBody(r) }));
const problemsOf = (table: StoredAuditRecord[], mirror: AuditMirrorCopy[]) => verifyAuditTrail(table, mirror).problems.map((p) => [p.seq, p.problem, p.copy]);

describe('verifyAuditTrail: the table against its copy', () => {
  it('agreeing copies verify, with both heads', () => {
    const records = chain(5);
    const result = verifyAuditTrail(stored(records), copies(records));
    expect(result).toEqual({ ok: true, records: 5, head: records[4]?.hash, problems: [], mirror: { records: 5, head: records[4]?.hash } });
    expect(seqOfAuditMirrorKey(auditMirrorKey(42))).toBe(42);
    expect(auditMirrorKey(42)).toBe('audit/000000000042.json');
  });

  it.each([
    ['altered in place', (r: AuditRecord): AuditRecord => ({ ...r, outcome: 'succeeded' })],
    ['altered and re-hashed', (r: AuditRecord): AuditRecord => {
      const forged = { ...r, detail: 'nothing happened' };
      return { ...forged, hash: auditRecordHash(forged) };
    }],
  ])('a record %s in the table, intact in the mirror: the table copy is named', (_, change) => {
    const records = chain(5);
    const table = stored(records.map((r) => (r.seq === 2 ? change(r) : r)));
    expect(problemsOf(table, copies(records))).toContainEqual([2, 'altered', 'table']);
  });

  it.each([
    ['altered in place', (r: AuditRecord): string => auditMirrorBody({ ...r, actor: 'someone-else' })],
    ['replaced by something unreadable', (): string => 'not json'],
  ])('a record %s in the mirror, intact in the table: the mirror copy is named', (_, change) => {
    const records = chain(5);
    const mirror = copies(records).map((c) => (c.position === 3 ? { position: 3, body: change(records[2] as AuditRecord) } : c));
    expect(problemsOf(stored(records), mirror)).toEqual([[3, 'altered', 'mirror']]);
  });

  it('a record removed from the table, in the middle or the newest ones, is named from the mirror', () => {
    const records = chain(5);
    // The chain sees the gap (record 3 follows 1); the mirror names record 2 itself.
    expect(problemsOf(stored(records.filter((r) => r.seq !== 2)), copies(records))).toEqual([
      [3, 'removed', 'table'],
      [2, 'removed', 'table'],
    ]);
    // The newest two removed together: the table's chain is intact, only the mirror shows it.
    expect(problemsOf(stored(records.slice(0, 3)), copies(records))).toEqual([
      [4, 'removed', 'table'],
      [5, 'removed', 'table'],
    ]);
  });

  it('a record removed from the mirror is named, the table being intact', () => {
    const records = chain(5);
    expect(problemsOf(stored(records), copies(records).filter((c) => c.position !== 4))).toEqual([[4, 'removed', 'mirror']]);
  });

  it('records swapped in either copy are named as reordered in that copy', () => {
    const records = chain(5);
    const swapped = records.map((r) => (r.seq === 2 ? records[3] : r.seq === 4 ? records[1] : r) as AuditRecord);
    const inTable = records.map((r, i) => ({ position: r.seq, record: swapped[i] as AuditRecord }));
    expect(problemsOf(inTable, copies(records))).toEqual([
      [2, 'reordered', 'table'],
      [4, 'reordered', 'table'],
    ]);
    const inMirror = records.map((r, i) => ({ position: r.seq, body: auditMirrorBody(swapped[i] as AuditRecord) }));
    expect(problemsOf(stored(records), inMirror)).toEqual([
      [2, 'reordered', 'mirror'],
      [4, 'reordered', 'mirror'],
    ]);
  });
});

/** The table, in memory: numbering and chaining as the DynamoDB trail does. */
class MemoryTrail implements AuditTrail {
  readonly records: AuditRecord[] = [];
  append(e: AuditEntry): Promise<AuditRecord> {
    const record = chainedRecord(this.records.at(-1), e, `2026-12-01T03:00:${String(this.records.length).padStart(2, '0')}.000Z`);
    this.records.push(record);
    return Promise.resolve(record);
  }
  list(options: { limit?: number } = {}): Promise<AuditRecord[]> {
    return Promise.resolve([...this.records].reverse().slice(0, options.limit ?? 100));
  }
  all(): Promise<StoredAuditRecord[]> {
    return Promise.resolve(stored(this.records));
  }
}

class MemoryMirror implements AuditMirror {
  readonly objects = new Map<number, string>();
  failing = false;
  put(record: AuditRecord): Promise<void> {
    if (this.failing) return Promise.reject(new Error('bucket unreachable'));
    this.objects.set(record.seq, auditMirrorBody(record));
    return Promise.resolve();
  }
  has(seq: number): Promise<boolean> {
    return Promise.resolve(this.objects.has(seq));
  }
  all(): Promise<AuditMirrorCopy[]> {
    return Promise.resolve([...this.objects].sort(([a], [b]) => a - b).map(([position, body]) => ({ position, body })));
  }
}

describe('MirroredAuditTrail', () => {
  it('writes every record to the table and its exact JSON to the mirror', async () => {
    const table = new MemoryTrail();
    const mirror = new MemoryMirror();
    const trail = new MirroredAuditTrail(table, mirror);
    for (const i of [1, 2, 3]) await trail.append(entry(i));
    expect([...mirror.objects.values()]).toEqual(table.records.map((r) => JSON.stringify(r)));
    expect((await trail.verify()).ok).toBe(true);
  });

  it('a failed copy: append throws, the table keeps the record, verify names it, the next append repairs it', async () => {
    const table = new MemoryTrail();
    const mirror = new MemoryMirror();
    const trail = new MirroredAuditTrail(table, mirror);
    await trail.append(entry(1));
    mirror.failing = true;
    await expect(trail.append(entry(2))).rejects.toThrow(AuditMirrorError);
    await expect(trail.append(entry(3))).rejects.toThrow('audit record 3 is in the table');
    expect(table.records).toHaveLength(3);
    expect((await trail.verify()).problems.map((p) => [p.seq, p.problem, p.copy])).toEqual([
      [2, 'removed', 'mirror'],
      [3, 'removed', 'mirror'],
    ]);
    mirror.failing = false;
    await trail.append(entry(4));
    expect([...mirror.objects.keys()]).toEqual([1, 2, 3, 4]);
    expect((await trail.verify()).ok).toBe(true);
  });

  it('does not copy a record altered in the table meanwhile: verify names it instead', async () => {
    const table = new MemoryTrail();
    const mirror = new MemoryMirror();
    const trail = new MirroredAuditTrail(table, mirror);
    await trail.append(entry(1));
    mirror.failing = true;
    await expect(trail.append(entry(2))).rejects.toThrow(AuditMirrorError);
    mirror.failing = false;
    table.records[1] = { ...(table.records[1] as AuditRecord), outcome: 'succeeded' };
    await trail.append(entry(3));
    expect(mirror.objects.has(2)).toBe(false);
    expect((await trail.verify()).problems.map((p) => [p.seq, p.problem, p.copy])).toContainEqual([2, 'removed', 'mirror']);
  });
});

describe('S3AuditMirror on AWS: Object Lock', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());
  const record = chain(1)[0] as AuditRecord;
  const body = auditMirrorBody(record);

  it('locks each copy in COMPLIANCE mode until the record time plus the retention, with a SHA-256 checksum S3 requires', async () => {
    s3.on(PutObjectCommand).resolves({});
    await new S3AuditMirror(new S3Client({ region: 'eu-west-1' }), 'audit-bucket', { objectLockDays: 400 }).put(record);
    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      Bucket: 'audit-bucket',
      Key: 'audit/000000000001.json',
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: new Date(Date.parse(record.time) + 400 * 86_400_000),
      ChecksumAlgorithm: 'SHA256',
      ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
      IfNoneMatch: '*',
    });
    expect(Buffer.from(input?.Body as Uint8Array).toString('utf8')).toBe(body);
  });

  it('without Object Lock (s3rver) sends no lock parameters', async () => {
    s3.on(PutObjectCommand).resolves({});
    await new S3AuditMirror(new S3Client({ region: 'eu-west-1' }), 'audit-bucket').put(record);
    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input ?? {};
    expect(Object.keys(input).filter((k) => k.startsWith('ObjectLock') || k.startsWith('Checksum'))).toEqual([]);
  });

  it('a copy already there (write-once) is accepted only when it holds the same record', async () => {
    const exists = Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    s3.on(PutObjectCommand).rejects(exists);
    const holding = (text: string) => ({ Body: { transformToByteArray: () => Promise.resolve(new TextEncoder().encode(text)) } }) as never;
    const mirror = new S3AuditMirror(new S3Client({ region: 'eu-west-1' }), 'audit-bucket', { objectLockDays: 400 });
    s3.on(GetObjectCommand).resolves(holding(body));
    await expect(mirror.put(record)).resolves.toBeUndefined();
    s3.on(GetObjectCommand).resolves(holding(auditMirrorBody({ ...record, detail: 'other' })));
    await expect(mirror.put(record)).rejects.toThrow(IntegrityError);
  });
});
