/**
 * Auth reconciliation (CONTRACT.md, "Data of the four components"): what the auth component must
 * hold after a rollback to a recovery point, item by item, given the point's item and the live one.
 * A rollback must never reopen a door that was closed after the point:
 *
 * 1. `emergency-credential` items are never rolled back, deleted or recreated: they keep their live
 *    state (the break-glass path must survive any rollback; one removed since stays removed).
 * 2. `revocation` items created after the point are kept: a revoked session stays revoked.
 * 3. sessions issued after the point are removed.
 * 4. a user's credential fields (attribute names containing `password` or `mfa`, any case) keep
 *    their live values: a password changed because of a compromise is not undone.
 * 5. a user disabled or deleted after the point comes back with `disabled: true` and
 *    `reviewRequired: true`.
 *
 * Everything else is rolled back to the point. A session revoked after the point is restored as an
 * item, and its revocation (rule 2) is kept beside it.
 */
import type { TypedItem, TypedValue } from '../core/canonical-item.js';

export type AuthKind = 'user' | 'session' | 'revocation' | 'emergency-credential';

/** Attribute names that hold credentials (rule 4). */
export function isCredentialField(name: string): boolean {
  return /password|mfa/i.test(name);
}

function kindOf(item: TypedItem | undefined): string | undefined {
  const v = item?.kind;
  return v && 'S' in v ? v.S : undefined;
}

function isTrue(value: TypedValue | undefined): boolean {
  return value !== undefined && 'BOOL' in value && value.BOOL;
}

function flaggedForReview(item: TypedItem): TypedItem {
  return { ...item, disabled: { BOOL: true }, reviewRequired: { BOOL: true } };
}

/**
 * The item auth should hold after the rollback for one key, or undefined for none.
 *
 * @param point the item in the recovery point, if the point had one under this key
 * @param live the item in the live table now, if there is one
 */
export function reconcileAuthItem(point: TypedItem | undefined, live: TypedItem | undefined): TypedItem | undefined {
  // Rule 1: whatever the point says, an emergency credential keeps its live state.
  if (kindOf(live) === 'emergency-credential' || kindOf(point) === 'emergency-credential') return live;

  if (!point) {
    // Created after the point. Rule 2 keeps revocations; rule 3 removes sessions; the rest of what
    // was created since (users, tokens) is rolled back like any data.
    return kindOf(live) === 'revocation' ? live : undefined;
  }

  if (kindOf(point) !== 'user') return point;

  // Rule 5: deleted since the point, the user comes back, disabled and flagged for review.
  if (!live) return flaggedForReview(point);

  // Rule 4: credential fields keep their live values (present or absent).
  const result: TypedItem = { ...point };
  for (const name of new Set([...Object.keys(point), ...Object.keys(live)])) {
    if (!isCredentialField(name)) continue;
    const liveValue = live[name];
    if (liveValue === undefined) Reflect.deleteProperty(result, name);
    else result[name] = liveValue;
  }
  // Rule 5: disabled since the point, the user stays disabled and is flagged for review.
  if (isTrue(live.disabled) && !isTrue(point.disabled)) return flaggedForReview(result);
  return result;
}
