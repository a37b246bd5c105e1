/**
 * The rollback lock: one rollback, prune or restore at a time. It has an owner and a lease; only
 * the owner renews or releases it, and a lease that ran out (its owner died) may be taken by the
 * next caller. On DynamoDB it is a conditional write, so two callers can never both hold it.
 */

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
}

/** Runs `fn` under the lock, renewing the lease while it runs and releasing it afterwards. */
export async function withLock<T>(lock: RollbackLock, owner: string, purpose: string, fn: () => Promise<T>, leaseMs = 120_000): Promise<T> {
  await lock.acquire(owner, purpose, leaseMs);
  const renewal = setInterval(() => {
    lock.renew(owner, leaseMs).catch(() => undefined);
  }, leaseMs / 3);
  renewal.unref();
  try {
    return await fn();
  } finally {
    clearInterval(renewal);
    await lock.release(owner);
  }
}
