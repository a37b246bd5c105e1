import { describe, expect, it } from 'vitest';
import { TransientError, ValidationError } from '../../src/core/errors.js';
import { backoffDelay, forEachLimit, isTransient, withRetry } from '../../src/core/retry.js';

function named(name: string): Error {
  const err = new Error(`${name} happened`);
  err.name = name;
  return err;
}

/** A function that fails with `errors` in turn, then returns 'ok'; counts its calls. */
function flaky(errors: readonly Error[]): { fn: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    fn: () => {
      const err = errors[calls];
      calls += 1;
      return err === undefined ? Promise.resolve('ok') : Promise.reject(err);
    },
    calls: () => calls,
  };
}

/** A sleep that records its delays and never waits. */
function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
  };
}

describe('isTransient', () => {
  it.each([
    { case: 'ThrottlingException', err: named('ThrottlingException'), transient: true },
    { case: 'ProvisionedThroughputExceededException', err: named('ProvisionedThroughputExceededException'), transient: true },
    { case: 'SlowDown', err: named('SlowDown'), transient: true },
    { case: 'a TransientError', err: new TransientError('later'), transient: true },
    { case: 'a socket reset by code', err: Object.assign(new Error('reset'), { code: 'ECONNRESET' }), transient: true },
    { case: 'an SDK error marked retryable', err: Object.assign(named('Whatever'), { $retryable: {} }), transient: true },
    { case: 'a ValidationError', err: new ValidationError('bad'), transient: false },
    { case: 'a ConditionalCheckFailedException', err: named('ConditionalCheckFailedException'), transient: false },
    { case: 'a plain Error', err: new Error('boom'), transient: false },
    { case: 'undefined', err: undefined, transient: false },
  ])('says $case is transient: $transient', ({ err, transient }) => {
    expect(isTransient(err)).toBe(transient);
  });
});

describe('withRetry', () => {
  it.each(['ThrottlingException', 'ProvisionedThroughputExceededException'])('retries %s until it succeeds', async (name) => {
    // Arrange
    const f = flaky([named(name), named(name)]);
    const s = recordingSleep();

    // Act
    const result = await withRetry(f.fn, { sleep: s.sleep });

    // Assert
    expect(result).toBe('ok');
    expect(f.calls()).toBe(3);
    expect(s.delays).toHaveLength(2);
  });

  it.each([1, 3, 5])('stops after %i attempts and rethrows the last error', async (attempts) => {
    // Arrange
    const errors = Array.from({ length: 10 }, (_, i) => named(i % 2 ? 'ThrottlingException' : 'ProvisionedThroughputExceededException'));
    const f = flaky(errors);
    const s = recordingSleep();

    // Act
    const outcome = withRetry(f.fn, { attempts, sleep: s.sleep });

    // Assert
    await expect(outcome).rejects.toBe(errors[attempts - 1]);
    expect(f.calls()).toBe(attempts);
    expect(s.delays).toHaveLength(attempts - 1);
  });

  it('does not retry a ValidationError', async () => {
    // Arrange
    const err = new ValidationError('bad input');
    const f = flaky([err]);
    const s = recordingSleep();

    // Act / Assert
    await expect(withRetry(f.fn, { sleep: s.sleep })).rejects.toBe(err);
    expect(f.calls()).toBe(1);
    expect(s.delays).toEqual([]);
  });

  it('stops retrying at the first error that is not transient', async () => {
    // Arrange
    const fatal = named('AccessDeniedException');
    const f = flaky([named('ThrottlingException'), fatal, named('ThrottlingException')]);
    const s = recordingSleep();

    // Act / Assert
    await expect(withRetry(f.fn, { sleep: s.sleep })).rejects.toBe(fatal);
    expect(f.calls()).toBe(2);
  });

  it('makes 8 attempts by default', async () => {
    // Arrange
    const f = flaky(Array.from({ length: 20 }, () => named('ThrottlingException')));
    const s = recordingSleep();

    // Act / Assert
    await expect(withRetry(f.fn, { sleep: s.sleep })).rejects.toThrow('ThrottlingException happened');
    expect(f.calls()).toBe(8);
  });

  it('waits no longer than the exponential cap before each attempt', async () => {
    // Arrange
    const f = flaky(Array.from({ length: 6 }, () => named('ThrottlingException')));
    const s = recordingSleep();

    // Act
    await withRetry(f.fn, { sleep: s.sleep, baseMs: 100, maxMs: 1000, attempts: 10 });

    // Assert
    const caps = [100, 200, 400, 800, 1000, 1000];
    expect(s.delays).toHaveLength(6);
    s.delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(caps[i] ?? 0);
    });
  });
});

describe('backoffDelay', () => {
  it.each([
    { attempt: 1, base: 50, max: 5000, cap: 50 },
    { attempt: 4, base: 50, max: 5000, cap: 400 },
    { attempt: 20, base: 50, max: 5000, cap: 5000 },
  ])('stays within [0, $cap] for attempt $attempt', ({ attempt, base, max, cap }) => {
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(attempt, base, max);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(cap);
    }
  });
});

describe('forEachLimit', () => {
  it.each([
    { items: 20, limit: 1 },
    { items: 20, limit: 3 },
    { items: 5, limit: 10 },
    { items: 0, limit: 4 },
  ])('runs $items items with never more than $limit in flight, each exactly once', async ({ items, limit }) => {
    // Arrange
    let inFlight = 0;
    let maxInFlight = 0;
    const seen: number[] = [];

    // Act
    await forEachLimit(Array.from({ length: items }, (_, i) => i), limit, async (item) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (item % 3 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      seen.push(item);
      inFlight -= 1;
    });

    // Assert
    expect(maxInFlight).toBeLessThanOrEqual(limit);
    if (items >= limit) expect(maxInFlight).toBe(limit);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: items }, (_, i) => i));
  });

  it('runs one at a time when the limit is 0', async () => {
    // Arrange
    let inFlight = 0;
    let maxInFlight = 0;

    // Act
    await forEachLimit([1, 2, 3], 0, async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Promise.resolve();
      inFlight -= 1;
    });

    // Assert
    expect(maxInFlight).toBe(1);
  });

  it('takes items lazily from an iterable', async () => {
    // Arrange
    const pulled: number[] = [];
    function* source(): Generator<number> {
      for (let i = 0; i < 6; i++) {
        pulled.push(i);
        yield i;
      }
    }
    const startedWhenPulled: number[] = [];
    let started = 0;

    // Act
    await forEachLimit(source(), 2, async () => {
      started += 1;
      startedWhenPulled.push(pulled.length - started);
      await new Promise<void>((resolve) => setImmediate(resolve));
    });

    // Assert: never more than the limit pulled ahead of what started.
    expect(pulled).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Math.max(...startedWhenPulled)).toBe(0);
  });

  it('rejects with the error of a failing item', async () => {
    // Arrange
    const err = new Error('item 3 failed');

    // Act / Assert
    await expect(
      forEachLimit([1, 2, 3, 4], 2, async (item) => {
        await Promise.resolve();
        if (item === 3) throw err;
      }),
    ).rejects.toBe(err);
  });
});
