/**
 * The audit trail's hash chain: an intact chain verifies, and each kind of tampering is named —
 * a record altered in place, one removed from the middle, records moved to other positions.
 */
import { describe, expect, it } from 'vitest';
import { auditRecordHash, chainedRecord, GENESIS_HASH, verifyAuditChain, type AuditRecord, type StoredAuditRecord } from '../../src/core/audit-trail.js';

function chain(n: number): StoredAuditRecord[] {
  const out: StoredAuditRecord[] = [];
  let previous: AuditRecord | undefined;
  for (let i = 1; i <= n; i += 1) {
    const record = chainedRecord(previous, { actor: 'admin', action: `test.action${String(i)}`, outcome: 'succeeded', detail: `record ${String(i)}`, source: 'cli' }, `2026-12-01T03:00:0${String(i)}.000Z`);
    out.push({ position: record.seq, record });
    previous = record;
  }
  return out;
}

describe('verifyAuditChain', () => {
  it('an intact chain verifies, starting from the genesis hash, and reports its head', () => {
    const records = chain(5);
    expect(records[0]?.record.prevHash).toBe(GENESIS_HASH);
    const result = verifyAuditChain(records);
    expect(result).toEqual({ ok: true, records: 5, head: records[4]?.record.hash, problems: [] });
    expect(verifyAuditChain([])).toEqual({ ok: true, records: 0, head: GENESIS_HASH, problems: [] });
  });

  it.each([
    ['the detail', (r: AuditRecord): AuditRecord => ({ ...r, detail: 'nothing happened' })],
    ['the actor', (r: AuditRecord): AuditRecord => ({ ...r, actor: 'someone-else' })],
    ['the outcome', (r: AuditRecord): AuditRecord => ({ ...r, outcome: 'refused' })],
    ['the time', (r: AuditRecord): AuditRecord => ({ ...r, time: '2020-01-01T00:00:00.000Z' })],
  ])('a record whose %s was changed is named as altered', (_, change) => {
    const records = chain(5);
    const third = records[2];
    if (!third) throw new Error('no record 3');
    records[2] = { position: 3, record: change(third.record) };
    expect(verifyAuditChain(records).problems).toEqual([expect.objectContaining({ seq: 3, problem: 'altered' })]);
  });

  it('a record altered and re-hashed breaks the link of the next one', () => {
    const records = chain(5);
    const third = records[2]?.record;
    if (!third) throw new Error('no record 3');
    const forged = { ...third, detail: 'nothing happened' };
    records[2] = { position: 3, record: { ...forged, hash: auditRecordHash(forged) } };
    expect(verifyAuditChain(records).problems).toEqual([expect.objectContaining({ seq: 4, problem: 'removed' })]);
  });

  it('a record removed from the middle is named by the gap it leaves', () => {
    const records = chain(5);
    records.splice(1, 1);
    const result = verifyAuditChain(records);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ seq: 3, problem: 'removed', detail: expect.stringContaining('records 2 to 2 are missing') as unknown })]);
  });

  it('two records swapped between positions are named as reordered', () => {
    const records = chain(5);
    const [second, fourth] = [records[1]?.record, records[3]?.record];
    if (!second || !fourth) throw new Error('no records');
    records[1] = { position: 2, record: fourth };
    records[3] = { position: 4, record: second };
    expect(verifyAuditChain(records).problems.map((p) => [p.seq, p.problem])).toEqual([
      [2, 'reordered'],
      [4, 'reordered'],
    ]);
  });
});
