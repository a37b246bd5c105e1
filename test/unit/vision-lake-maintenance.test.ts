import { describe, expect, it } from 'vitest';
import type { TypedItem } from '../../src/core/canonical-item.js';
import { sha256Hex } from '../../src/core/digest.js';
import {
  documentFacts,
  documentIdOf,
  DriftCounter,
  entryMatching,
  IndexDocumentComparison,
  indexEntryFor,
  problemsOf,
  type DocumentFacts,
} from '../../src/rollback/vision-lake-maintenance.js';

const AT = new Date('2026-03-01T12:00:00.000Z');

function document(key: string, body: string, metadata: Record<string, string> = {}): DocumentFacts {
  return documentFacts({ key, body: Buffer.from(body), contentType: 'text/markdown', metadata });
}

function entry(pk: string, bodyKey: string, digest: string): TypedItem {
  return { pk: { S: pk }, sk: { S: 'META' }, bodyKey: { S: bodyKey }, digest: { S: digest }, size: { N: '1' } };
}

describe('IndexDocumentComparison', () => {
  const a = document('docs/a.md', '# A\nbody a');
  const b = document('docs/b.md', '# B\nbody b');
  const c = document('docs/c.md', '# C\nbody c');

  it.each([
    { name: 'agreeing index and documents', items: [entry('DOC#a', 'docs/a.md', a.digest), entry('DOC#b', 'docs/b.md', b.digest)], problems: [] as string[] },
    { name: 'an entry whose body is gone', items: [entry('DOC#a', 'docs/a.md', a.digest), entry('DOC#b', 'docs/b.md', b.digest), entry('DOC#x', 'docs/x.md', 'f'.repeat(64))], problems: ['index entry DOC#x has no document docs/x.md'] },
    { name: 'a body without entry', items: [entry('DOC#a', 'docs/a.md', a.digest)], problems: ['document docs/b.md has no index entry'] },
    { name: 'a digest that differs', items: [entry('DOC#a', 'docs/a.md', a.digest), entry('DOC#b', 'docs/b.md', a.digest)], problems: ['document docs/b.md does not match its index digest'] },
    { name: 'items without a body key are not entries', items: [entry('DOC#a', 'docs/a.md', a.digest), entry('DOC#b', 'docs/b.md', b.digest), { pk: { S: 'CONFIG' }, sk: { S: 'META' } }], problems: [] },
  ])('finds $name', ({ items, problems }) => {
    const comparison = new IndexDocumentComparison(new Map([a, b].map((d) => [d.key, d])));
    items.forEach((item, i) => { comparison.addItem('wing-vision-lake', Buffer.from(String(i)), item); });

    expect(problemsOf(comparison.findings())).toEqual(problems);
  });

  it('remembers every index key, entries or not, so a rebuilt entry never overwrites one', () => {
    const comparison = new IndexDocumentComparison(new Map([[c.key, c]]));
    comparison.addItem('t', Buffer.from('k1'), { pk: { S: 'OTHER' }, sk: { S: 'META' } });

    expect(comparison.isOccupied('t', Buffer.from('k1'))).toBe(true);
    expect(comparison.isOccupied('other-table', Buffer.from('k1'))).toBe(false);
    expect(comparison.findings().unindexed.map((d) => d.key)).toEqual(['docs/c.md']);
  });
});

describe('index entries derived from a body', () => {
  it.each<{ key: string; metadata: Record<string, string>; id: string; version: { N: string } | undefined }>([
    { key: 'docs/doc-1.md', metadata: { 'doc-id': 'doc-1', version: '3' }, id: 'doc-1', version: { N: '3' } },
    { key: 'docs/guide.v2.md', metadata: {}, id: 'guide.v2', version: undefined },
    { key: 'plain', metadata: { version: 'latest' }, id: 'plain', version: undefined },
  ])('$key: id $id', ({ key, metadata, id, version }) => {
    const doc = document(key, '# Runbook: restarts\n\ntext', metadata);
    const item = indexEntryFor(doc, AT);

    expect(documentIdOf(doc)).toBe(id);
    expect(item).toEqual({
      pk: { S: `DOC#${id}` },
      sk: { S: 'META' },
      docId: { S: id },
      bodyKey: { S: key },
      digest: { S: sha256Hex(Buffer.from('# Runbook: restarts\n\ntext')) },
      size: { N: String(Buffer.byteLength('# Runbook: restarts\n\ntext')) },
      contentType: { S: 'text/markdown' },
      title: { S: 'Runbook: restarts' },
      resyncedAt: { S: AT.toISOString() },
      ...(version ? { version } : {}),
    });
  });

  it('brings a mismatched entry to its body\'s digest and size, keeping everything else', () => {
    const doc = document('docs/a.md', 'new body');
    const item: TypedItem = { ...entry('DOC#a', 'docs/a.md', '0'.repeat(64)), author: { S: 'agt-1' } };
    const fixed = entryMatching({ table: 't', recordKey: Buffer.from('k'), item, pk: 'DOC#a', bodyKey: 'docs/a.md', digest: '0'.repeat(64) }, doc, AT);

    expect(fixed).toEqual({ ...item, digest: { S: doc.digest }, size: { N: '8' }, resyncedAt: { S: AT.toISOString() } });
  });
});

describe('DriftCounter', () => {
  it('counts added, changed, deleted and unchanged records against a manifest', () => {
    const d = (s: string): Buffer => Buffer.from(sha256Hex(Buffer.from(s)), 'hex');
    const counter = new DriftCounter('s3', new Map([['same', d('1')], ['edited', d('2')], ['gone', d('3')]]));
    counter.observe(Buffer.from('same'), d('1'));
    counter.observe(Buffer.from('edited'), d('2 edited'));
    counter.observe(Buffer.from('new'), d('4'));

    expect(counter.counts()).toEqual({ added: 1, changed: 1, deleted: 1, unchanged: 1 });
  });
});
