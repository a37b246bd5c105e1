/**
 * Rate limits (issue 5): rollback starts per user and per source address, and failed sign-ins
 * with a lockout that grows. The rules are pure functions over a small state per key (the recent
 * event times, the lockout); the store applies a rule atomically (in DynamoDB, a conditional
 * write on the state's version, retried when someone else changed it), so two concurrent
 * requests cannot both take the last slot.
 *
 * Sliding windows rather than fixed ones: "3 an hour" means at most 3 in any 60 minutes, not
 * 6 across the turn of the hour.
 */

export interface LimitState {
  /** Times (ms) of the events still inside the window, oldest first. */
  readonly events: readonly number[];
  /** Until when (ms) the key is locked out; 0 when it is not. */
  readonly lockedUntil: number;
  /** Lockouts since the last success: each one doubles the next. */
  readonly lockouts: number;
}

export const EMPTY_LIMIT_STATE: LimitState = { events: [], lockedUntil: 0, lockouts: 0 };

/** What a rule decides: the next state, what to tell the caller, and when the state can be forgotten. */
export interface LimitChange<T> {
  readonly next: LimitState;
  readonly result: T;
  /** After this time (ms) the state is irrelevant (DynamoDB's TTL removes it). */
  readonly forgetAfter: number;
}

/** Port: limit states by key, changed atomically. */
export interface RateLimitStore {
  get(key: string): Promise<LimitState>;
  update<T>(key: string, change: (state: LimitState) => LimitChange<T>): Promise<T>;
  /** Drops every state whose key starts with `prefix` (a break-glass reset clears lockouts). */
  forget(prefix: string): Promise<void>;
}

export type Admission = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/** Takes one slot of `limit` in a sliding window, or says when the oldest one frees up. */
export function takeSlot(state: LimitState, now: number, limit: number, windowMs: number): LimitChange<Admission> {
  const events = state.events.filter((t) => t > now - windowMs);
  if (events.length >= limit) {
    const oldest = events[events.length - limit] ?? now;
    return { next: { ...state, events }, result: { allowed: false, retryAfterMs: Math.max(1000, oldest + windowMs - now) }, forgetAfter: now + windowMs };
  }
  return { next: { ...state, events: [...events, now] }, result: { allowed: true }, forgetAfter: now + windowMs };
}

export interface LockoutPolicy {
  /** Failures within the window that start a lockout. */
  readonly failures: number;
  readonly windowMs: number;
  /** The first lockout; each further one doubles, up to `maxLockoutMs`. */
  readonly lockoutMs: number;
  readonly maxLockoutMs: number;
}

/** How long the key is still locked out (0: not locked). */
export function lockoutRemaining(state: LimitState, now: number): number {
  return Math.max(0, state.lockedUntil - now);
}

/** A failed sign-in; the one that reaches the limit starts a lockout, longer after each earlier one. */
export function recordFailure(state: LimitState, now: number, policy: LockoutPolicy): LimitChange<{ lockedForMs: number }> {
  const events = [...state.events.filter((t) => t > now - policy.windowMs), now];
  // Lockouts are remembered a day after the last one ends; a quiet day starts afresh.
  const lockouts = state.lockedUntil > 0 && now - state.lockedUntil > DAY_MS ? 0 : state.lockouts;
  if (events.length < policy.failures) {
    return { next: { events, lockedUntil: state.lockedUntil, lockouts }, result: { lockedForMs: 0 }, forgetAfter: Math.max(now + policy.windowMs, state.lockedUntil + DAY_MS) };
  }
  const lockedForMs = Math.min(policy.maxLockoutMs, policy.lockoutMs * 2 ** lockouts);
  const lockedUntil = now + lockedForMs;
  return { next: { events: [], lockedUntil, lockouts: lockouts + 1 }, result: { lockedForMs }, forgetAfter: lockedUntil + DAY_MS };
}

/** A successful sign-in forgets the failures and the lockout history. */
export function recordSuccess(now: number): LimitChange<undefined> {
  return { next: EMPTY_LIMIT_STATE, result: undefined, forgetAfter: now };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Keys of the limit states; the address and username are kept readable for an operator. */
export const limitKeys = {
  signIn: (username: string, address: string): string => `signin:${username}@${address}`,
  signInPrefix: (username: string): string => `signin:${username}@`,
  rollbackStartsOfUser: (username: string): string => `rollback-start:user:${username}`,
  rollbackStartsOfAddress: (address: string): string => `rollback-start:address:${address}`,
} as const;
