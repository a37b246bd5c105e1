/**
 * Domain errors. Their class names are part of the state machine contract (Retry/Catch match on
 * them) and each maps to one CLI exit code of CONTRACT.md.
 */

/** Exit codes of the operator contract. */
export const ExitCode = {
  Success: 0,
  Failed: 1,
  BadUsage: 2,
  AuthRefused: 3,
  RateLimited: 4,
  VerificationFailed: 5,
  Conflict: 6,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base of every error the system reports to an operator: one clear line, an exit code. */
export class WingError extends Error {
  readonly exitCode: ExitCodeValue = ExitCode.Failed;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad usage or invalid input (plan, flags, arguments). */
export class ValidationError extends WingError {
  override readonly exitCode = ExitCode.BadUsage;
}

/**
 * Wrong password, wrong or replayed TOTP code, insufficient level, an address outside the
 * allowlist. The message a caller sees does not say which factor failed (it would help someone
 * guessing); `auditDetail` says it in the audit trail, which only administrators read.
 */
export class AuthenticationError extends WingError {
  override readonly exitCode = ExitCode.AuthRefused;
  constructor(
    message: string,
    readonly auditDetail?: string,
  ) {
    super(message);
  }
}

/**
 * A caller who may not do this (too low a level, an address or country outside the rules):
 * still exit 3, but HTTP 403, and not a failed sign-in (it does not count towards a lockout).
 */
export class AuthorizationError extends AuthenticationError {}

/** What the audit trail records of a refusal: the precise reason where the message is vague on purpose. */
export function refusalDetail(err: unknown): string {
  if (err instanceof AuthenticationError && err.auditDetail !== undefined) return `${err.message} (${err.auditDetail})`;
  return err instanceof Error ? err.message : String(err);
}

/** Too many attempts; `retryAfterSeconds` says when to try again. */
export class RateLimitedError extends WingError {
  override readonly exitCode = ExitCode.RateLimited;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Integrity failure: digest mismatch, authentication tag failure, tampered summary. */
export class IntegrityError extends WingError {
  override readonly exitCode = ExitCode.VerificationFailed;
  constructor(
    message: string,
    /** The object-store key of the damaged object, when one is known. */
    readonly objectKey?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Another operation holds the rollback lock, or the system mode forbids the operation. */
export class ConflictError extends WingError {
  override readonly exitCode = ExitCode.Conflict;
}

/**
 * Something named does not exist (a recovery point, a snapshot, an object): invalid input when
 * an operator named it. A vault object missing under a snapshot is an IntegrityError instead.
 */
export class NotFoundError extends WingError {
  override readonly exitCode = ExitCode.BadUsage;
}

/** A transient failure of a dependency worth retrying (throttling, timeouts). */
export class TransientError extends WingError {}

/** Exit code for anything thrown; unknown errors are operation failures. */
export function exitCodeOf(err: unknown): ExitCodeValue {
  return err instanceof WingError ? err.exitCode : ExitCode.Failed;
}

/** Anything thrown, as an Error (so it can be rethrown with its stack). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
