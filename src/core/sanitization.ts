/**
 * Sanitization rules (plan `components[].sanitize`): attributes of a component's DynamoDB items
 * that must not reach the vault as they are (personal data, secrets the component can re-issue).
 * A rule names a top-level attribute (no nested paths; S3 objects have none) and applies to every
 * item of the component's DynamoDB sources, in every snapshot of it, safety snapshots included:
 * - `omit`: the attribute is not stored;
 * - `hash`: it is stored as `sha256:` and the hex SHA-256 of its canonical value (equal values stay
 *   recognisably equal without being readable; a low-entropy value can still be guessed);
 * - `mask`: it is stored as the string `***` (the item had one, nothing more).
 *
 * The vault therefore cannot give such a field back. A restore keeps the field's live value
 * (present or absent), never the hash, mask or absence; an item that no longer exists comes back
 * without the field. That same decision is the expected state a restore is verified against and
 * what a dry run counts, because all three go through `keepingSanitizedFields`.
 */
import { decodeItem, encodeItem, encodeValue, type TypedItem, type TypedValue } from './canonical-item.js';
import { sha256Hex } from './digest.js';
import { ValidationError } from './errors.js';
import type { SanitizationRule } from './plan.js';
import type { RecordStream } from './snapshot/record-stream.js';
import type { RecordReconciler } from './snapshot/snapshot-restorer.js';

export const HASH_PREFIX = 'sha256:';
export const MASK = '***';

/**
 * A copy without a prototype, like the items `decodeItem` returns: an attribute named `__proto__`
 * is set like any other instead of changing the copy's prototype.
 */
function copyOf(item: TypedItem): TypedItem {
  return Object.assign(Object.create(null) as TypedItem, item);
}

function sanitizedValue(value: TypedValue, action: SanitizationRule['action']): TypedValue | undefined {
  switch (action) {
    case 'omit':
      return undefined;
    case 'hash':
      return { S: `${HASH_PREFIX}${sha256Hex(encodeValue(value))}` };
    case 'mask':
      return { S: MASK };
  }
}

/** The item as the vault stores it. An absent attribute stays absent whatever its rule. */
export function sanitizeItem(item: TypedItem, rules: readonly SanitizationRule[]): TypedItem {
  const out = copyOf(item);
  for (const rule of rules) {
    const value = item[rule.field];
    if (value === undefined) continue;
    const stored = sanitizedValue(value, rule.action);
    if (stored === undefined) Reflect.deleteProperty(out, rule.field);
    else out[rule.field] = stored;
  }
  return out;
}

/**
 * The point's item with every sanitized field set to its live value, present or absent. Without
 * a live item the fields are absent: the vault never held their values.
 */
export function keepLiveSanitizedFields(point: TypedItem, live: TypedItem | undefined, rules: readonly SanitizationRule[]): TypedItem {
  const out = copyOf(point);
  for (const { field } of rules) {
    const liveValue = live?.[field];
    if (liveValue === undefined) Reflect.deleteProperty(out, field);
    else out[field] = liveValue;
  }
  return out;
}

/** A live stream as a snapshot must read it: a DynamoDB source's items sanitized, any other source as it is. */
export function sanitizedStream(stream: RecordStream, rules: readonly SanitizationRule[]): RecordStream {
  if (rules.length === 0 || stream.descriptor.type !== 'dynamodb') return stream;
  // The plan refuses pk and sk; the key of a table keyed otherwise is known only here. A sanitized
  // key would leave a restore unable to find the live item.
  const keyNames: unknown = stream.descriptor.keyNames;
  const keyRule = rules.find((r) => Array.isArray(keyNames) && keyNames.includes(r.field));
  if (keyRule) throw new ValidationError(`cannot sanitize "${keyRule.field}" of ${stream.descriptor.name}: it is a key attribute of the table; remove that rule from the plan`);
  return {
    descriptor: stream.descriptor,
    estimatedCount: stream.estimatedCount,
    async *read() {
      for await (const batch of stream.read()) {
        yield batch.map((record) => ({ ...record, body: encodeItem(sanitizeItem(decodeItem(record.body), rules)) }));
      }
    },
  };
}

/**
 * What a restore of a component with rules must write for one key of a DynamoDB stream: the
 * point's item with its sanitized fields' live values, then the component's own reconciliation
 * (`inner`, auth's) on that. An item that differs from the point only in sanitized fields thus
 * comes out equal to the live one: unchanged for the restore, for the dry run's counts and for
 * verification. A component with rules therefore restores its tables through the restorer's
 * reconciled path, which holds the point and the live table in memory (as auth does). Without
 * rules, `inner` as it is: a component without a reconciler keeps the streaming restore.
 */
export function keepingSanitizedFields(rules: readonly SanitizationRule[], inner?: RecordReconciler): RecordReconciler | undefined {
  if (rules.length === 0) return inner;
  return (point, live) => {
    const restored = point && encodeItem(keepLiveSanitizedFields(decodeItem(point), live && decodeItem(live), rules));
    return inner ? inner(restored, live) : restored;
  };
}
