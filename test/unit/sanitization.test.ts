import { describe, expect, it } from 'vitest';
import { AuthBackup } from '../../src/components/auth-backup.js';
import { decodeItem, encodeItem, encodeValue, type TypedItem, type TypedValue } from '../../src/core/canonical-item.js';
import { sha256Hex } from '../../src/core/digest.js';
import { ValidationError } from '../../src/core/errors.js';
import type { SanitizationRule } from '../../src/core/plan.js';
import type { RecordStream, SnapshotRecord } from '../../src/core/snapshot/record-stream.js';
import { keepingSanitizedFields, keepLiveSanitizedFields, sanitizedStream, sanitizeItem } from '../../src/core/sanitization.js';

const rules: SanitizationRule[] = [
  { field: 'ssn', action: 'omit' },
  { field: 'email', action: 'hash' },
  { field: 'apiToken', action: 'mask' },
];

const person = (extra: TypedItem = {}): TypedItem => ({
  pk: { S: 'USER#ana' },
  sk: { S: 'PROFILE' },
  name: { S: 'Ana' },
  ssn: { S: '123-45-6789' },
  email: { S: 'ana@example.com' },
  apiToken: { S: 'tok-secret' },
  ...extra,
});

function streamOf(type: 'dynamodb' | 's3', items: TypedItem[], keyNames = ['pk', 'sk']): RecordStream {
  const records: SnapshotRecord[] = items.map((item) => ({ key: Buffer.from(JSON.stringify([item.pk, item.sk])), body: encodeItem(item) }));
  return {
    descriptor: { type, name: 'people', keyNames },
    read: async function* () {
      yield await Promise.resolve(records);
    },
  };
}

async function bodiesOf(stream: RecordStream): Promise<TypedItem[]> {
  const out: TypedItem[] = [];
  for await (const batch of stream.read()) for (const r of batch) out.push(decodeItem(r.body));
  return out;
}

describe('sanitizeItem: what the vault stores', () => {
  it('omits, hashes and masks the named attributes and leaves the others and the input alone', () => {
    // Arrange
    const item = person();

    // Act
    const stored = sanitizeItem(item, rules);

    // Assert
    expect(stored).toEqual({
      pk: { S: 'USER#ana' },
      sk: { S: 'PROFILE' },
      name: { S: 'Ana' },
      email: { S: `sha256:${sha256Hex(encodeValue({ S: 'ana@example.com' }))}` },
      apiToken: { S: '***' },
    });
    expect(item).toEqual(person());
  });

  it('hashes the canonical value: a set hashes the same in any order, and type is part of it', () => {
    const hashed = (email: TypedValue): unknown => sanitizeItem(person({ email }), rules).email;
    expect(hashed({ SS: ['b', 'a'] })).toEqual(hashed({ SS: ['a', 'b'] }));
    expect(hashed({ N: '1' })).not.toEqual(hashed({ S: '1' }));
  });

  it('leaves an absent attribute absent whatever its rule', () => {
    const stored = sanitizeItem({ pk: { S: 'p' }, sk: { S: 's' } }, rules);
    expect(Object.keys(stored).sort()).toEqual(['pk', 'sk']);
  });
});

describe('keepLiveSanitizedFields: what a restore writes', () => {
  const point = sanitizeItem(person({ name: { S: 'Ana at the point' } }), rules);

  it('takes every sanitized field from the live item and every other field from the point', () => {
    const live = person({ email: { S: 'new@example.com' } });
    expect(keepLiveSanitizedFields(point, live, rules)).toEqual({ ...person({ name: { S: 'Ana at the point' } }), email: { S: 'new@example.com' } });
  });

  it('keeps a sanitized field absent when the live item lacks it', () => {
    const live = person();
    Reflect.deleteProperty(live, 'apiToken');
    expect(keepLiveSanitizedFields(point, live, rules).apiToken).toBeUndefined();
  });

  it('writes an item deleted since without its sanitized fields', () => {
    expect(keepLiveSanitizedFields(point, undefined, rules)).toEqual({ pk: { S: 'USER#ana' }, sk: { S: 'PROFILE' }, name: { S: 'Ana at the point' } });
  });
});

describe('keepingSanitizedFields: the reconciler of a component with rules', () => {
  it('is the component reconciler itself (or none) without rules, so nothing changes for such a component', () => {
    const inner = (p: Buffer | undefined): Buffer | undefined => p;
    expect(keepingSanitizedFields([], inner)).toBe(inner);
    expect(keepingSanitizedFields([])).toBeUndefined();
  });

  it('finds a live item unchanged when it differs from the point only by the real values of sanitized fields', () => {
    // Arrange
    const reconcile = keepingSanitizedFields(rules);
    const live = encodeItem(person({ email: { S: 'changed-since@example.com' } }));

    // Act
    const desired = reconcile?.(encodeItem(sanitizeItem(person(), rules)), live);

    // Assert
    expect(desired?.equals(live)).toBe(true);
  });

  it('deletes what the point did not have', () => {
    expect(keepingSanitizedFields(rules)?.(undefined, encodeItem(person()))).toBeUndefined();
  });

  it('hands the item with live sanitized fields to the component reconciler (auth: a user deleted since comes back for review)', () => {
    // Arrange
    const reconcile = keepingSanitizedFields(rules, new AuthBackup().reconcileItem);
    const user = person({ kind: { S: 'user' }, passwordHash: { S: 'h' } });

    // Act
    const desired = reconcile?.(encodeItem(sanitizeItem(user, rules)), undefined);

    // Assert
    const item = desired && decodeItem(desired);
    expect(item?.disabled).toEqual({ BOOL: true });
    expect(item?.reviewRequired).toEqual({ BOOL: true });
    expect([item?.ssn, item?.email, item?.apiToken]).toEqual([undefined, undefined, undefined]);
  });
});

describe('sanitizedStream: what a backup reads', () => {
  it('sanitizes the items of a DynamoDB stream', async () => {
    expect(await bodiesOf(sanitizedStream(streamOf('dynamodb', [person()]), rules))).toEqual([sanitizeItem(person(), rules)]);
  });

  it('returns an S3 stream, or any stream without rules, as it is', () => {
    const s3 = streamOf('s3', []);
    const table = streamOf('dynamodb', []);
    expect(sanitizedStream(s3, rules)).toBe(s3);
    expect(sanitizedStream(table, [])).toBe(table);
  });

  it('refuses to sanitize a key attribute of a table keyed otherwise than pk/sk', () => {
    expect(() => sanitizedStream(streamOf('dynamodb', [], ['email']), rules)).toThrow(ValidationError);
  });
});
