import { describe, expect, it } from 'vitest';
import { EMPTY_LIMIT_STATE, lockoutRemaining, recordFailure, recordSuccess, takeSlot, type LimitState } from '../../src/core/rate-limits.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const policy = { failures: 5, windowMs: 15 * MIN, lockoutMs: 15 * MIN, maxLockoutMs: 24 * HOUR };

describe('rate limit rules', () => {
  it('takes 3 slots in a sliding hour, refuses the 4th until the oldest leaves the window', () => {
    let state: LimitState = EMPTY_LIMIT_STATE;
    for (const t of [0, 10 * MIN, 20 * MIN]) {
      const change = takeSlot(state, t, 3, HOUR);
      expect(change.result.allowed).toBe(true);
      state = change.next;
    }
    const fourth = takeSlot(state, 30 * MIN, 3, HOUR);
    expect(fourth.result).toEqual({ allowed: false, retryAfterMs: 30 * MIN });
    // No slot is taken by a refusal.
    expect(fourth.next.events).toHaveLength(3);
    // The turn of the hour does not reset it: still 2 within the last hour at 65 min.
    expect(takeSlot(fourth.next, 65 * MIN, 3, HOUR).result.allowed).toBe(true);
  });

  it('locks out at the 5th failure within 15 minutes, doubling each lockout, and forgets on success', () => {
    let state: LimitState = EMPTY_LIMIT_STATE;
    for (let i = 0; i < 4; i++) {
      const change = recordFailure(state, i * MIN, policy);
      expect(change.result.lockedForMs).toBe(0);
      state = change.next;
    }
    const fifth = recordFailure(state, 4 * MIN, policy);
    expect(fifth.result.lockedForMs).toBe(15 * MIN);
    state = fifth.next;
    expect(lockoutRemaining(state, 5 * MIN)).toBe(14 * MIN);
    expect(lockoutRemaining(state, 19 * MIN)).toBe(0);
    for (let i = 0; i < 4; i++) state = recordFailure(state, 20 * MIN + i, policy).next;
    expect(recordFailure(state, 21 * MIN, policy).result.lockedForMs).toBe(30 * MIN);
    expect(recordSuccess(22 * MIN).next).toEqual(EMPTY_LIMIT_STATE);
  });

  it('failures spread wider than the window never lock out; lockouts grow to a day at most', () => {
    let state: LimitState = EMPTY_LIMIT_STATE;
    for (let i = 0; i < 20; i++) {
      const change = recordFailure(state, i * 4 * MIN, policy);
      expect(change.result.lockedForMs).toBe(0);
      state = change.next;
    }
    const many: LimitState = { events: [], lockedUntil: 1, lockouts: 12 };
    let s = many;
    for (let i = 0; i < 4; i++) s = recordFailure(s, 10 + i, policy).next;
    expect(recordFailure(s, 20, policy).result.lockedForMs).toBe(24 * HOUR);
  });
});
