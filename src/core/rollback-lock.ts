/**
 * The rollback lock: one rollback, prune or restore at a time. It has an owner and a lease; only
 * the owner renews or releases it, and a lease that ran out (its owner died) may be taken by the
 * next caller. On DynamoDB it is a conditional write, so two callers can never both hold it.
 */
import { asError, ConflictError } from './errors.js';

export interface LockHolder {
  readonly owner: string;
  readonly purpose: string;
  readonly acquiredAt: string;
  readonly leaseUntil: string;
}

export interface RollbackLock {
  /** Takes the lock, or throws ConflictError naming the holder. */
  acquire(owner: string, purpose: string, leaseMs: number): Promise<LockHolder>;
  /** Extends the lease; throws ConflictError when the caller no longer holds it. */
  renew(owner: string, leaseMs: number): Promise<void>;
  /** Releases the lock; throws ConflictError when the caller does not hold it. */
  release(owner: string): Promise<void>;
  current(): Promise<LockHolder | undefined>;
  /**
   * Takes the lock from `expectedOwner`, whose work is known to be dead (cleanup after a crash),
   * even before its lease runs out; throws ConflictError if someone else holds it by then.
   */
  takeOver(expectedOwner: string, owner: string, purpose: string, leaseMs: number): Promise<LockHolder>;
}

/** Given to work done under the lock: throws if the lease could not be renewed (the lock may be another's now). */
export interface LockGuard {
  assertHeld(): void;
}

/**
 * Runs `fn` under the lock, renewing the lease while it runs and releasing it afterwards. A failed
 * renewal is remembered: `guard.assertHeld()` throws from then on, so destructive work stops
 * rather than continue without the lock; an error of `fn` is never masked by the release.
 */
export async function withLock<T>(lock: RollbackLock, owner: string, purpose: string, fn: (guard: LockGuard) => Promise<T>, leaseMs = 120_000): Promise<T> {
  await lock.acquire(owner, purpose, leaseMs);
  let lost: Error | undefined;
  const renewal = setInterval(() => {
    lock.renew(owner, leaseMs).catch((err: unknown) => {
      lost ??= asError(err);
    });
  }, leaseMs / 3);
  renewal.unref();
  const guard: LockGuard = {
    assertHeld() {
      if (lost) throw new ConflictError(`the rollback lock could not be renewed (${lost.message}); stopped to stay safe`);
    },
  };
  let result: T;
  try {
    result = await fn(guard);
  } catch (err) {
    clearInterval(renewal);
    await lock.release(owner).catch(() => undefined);
    throw err;
  }
  clearInterval(renewal);
  await lock.release(owner);
  return result;
}
