import { beforeAll, describe, expect, it } from 'vitest';
import {
  CREDENTIALS_REFUSED,
  CredentialCheck,
  hashPassword,
  levelAllows,
  TOTP_STEP_SECONDS,
  totpCode,
  totpStepOf,
  verifyPassword,
  type AdminLevel,
  type AdminRecord,
  type AdminStore,
} from '../../src/core/credentials.js';
import { AuthenticationError, ExitCode, ValidationError } from '../../src/core/errors.js';
import { ManualClock } from '../../src/core/ports.js';

const PASSWORD = 'correct horse battery staple';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';
const STEP_MS = TOTP_STEP_SECONDS * 1000;
/** Five seconds into a 30-second step. */
const T0 = new Date('2026-01-01T12:00:05.000Z');
const STEP0 = Math.floor(T0.getTime() / STEP_MS);

/** The administrators in memory; `acceptTotpStep` accepts only a step later than the last one. */
class MemoryAdminStore implements AdminStore {
  private readonly admins = new Map<string, AdminRecord>();
  readonly acceptCalls: { username: string; step: number }[] = [];

  get(username: string): Promise<AdminRecord | undefined> {
    return Promise.resolve(this.admins.get(username));
  }

  put(admin: AdminRecord): Promise<void> {
    this.admins.set(admin.username, admin);
    return Promise.resolve();
  }

  acceptTotpStep(username: string, step: number): Promise<boolean> {
    this.acceptCalls.push({ username, step });
    const admin = this.admins.get(username);
    if (!admin || step <= admin.lastTotpStep) return Promise.resolve(false);
    this.admins.set(username, { ...admin, lastTotpStep: step });
    return Promise.resolve(true);
  }

  list(): Promise<AdminRecord[]> {
    return Promise.resolve([...this.admins.values()]);
  }

  lastStep(username: string): number | undefined {
    return this.admins.get(username)?.lastTotpStep;
  }
}

let passwordHash: string;

function admin(username: string, level: AdminLevel, overrides: Partial<AdminRecord> = {}): AdminRecord {
  return { username, passwordHash, totpSecret: SECRET, level, createdAt: T0.toISOString(), disabled: false, lastTotpStep: 0, ...overrides };
}

/** A check over a fresh store holding "root" (admin), "ops" (operator) and "gone" (disabled). */
async function arrange(): Promise<{ store: MemoryAdminStore; clock: ManualClock; check: CredentialCheck }> {
  const store = new MemoryAdminStore();
  await store.put(admin('root', 'admin'));
  await store.put(admin('ops', 'operator'));
  await store.put(admin('gone', 'admin', { disabled: true }));
  const clock = new ManualClock(T0);
  return { store, clock, check: new CredentialCheck(store, clock) };
}

/** The code of the step `offset` steps from `clock`'s current one. */
function codeAt(clock: ManualClock, offset = 0): string {
  return totpCode(SECRET, new Date(clock.now().getTime() + offset * STEP_MS));
}

/** A six-digit code that is none of the codes of the window around `at`. */
function wrongCode(at: Date): string {
  const window = new Set([-1, 0, 1].map((k) => totpCode(SECRET, new Date(at.getTime() + k * STEP_MS))));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!window.has(candidate)) return candidate;
  }
}

/** Runs the check and returns the error it rejects with (fails the test when it passes). */
async function refusal(promise: Promise<unknown>): Promise<AuthenticationError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AuthenticationError);
    return err as AuthenticationError;
  }
  throw new Error('expected the credentials to be refused');
}

beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
});

describe('hashPassword and verifyPassword', () => {
  it('stores a salted scrypt hash that verifies the right password only', async () => {
    // Act
    const right = await verifyPassword(PASSWORD, passwordHash);
    const wrong = await verifyPassword(`${PASSWORD}!`, passwordHash);

    // Assert
    expect(passwordHash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(passwordHash).not.toContain(PASSWORD);
    expect(right).toBe(true);
    expect(wrong).toBe(false);
  });

  it('refuses a password shorter than 12 characters', async () => {
    await expect(hashPassword('short-pass1')).rejects.toBeInstanceOf(ValidationError);
  });

  it.each(['', 'bcrypt$1$2$3$4$5', 'scrypt$32768$8$1$onlysalt', 'plain text'])('does not verify against a malformed hash "%s"', async (stored) => {
    expect(await verifyPassword(PASSWORD, stored)).toBe(false);
  });
});

describe('TOTP steps', () => {
  it.each([
    { case: 'the current step', offset: 0, step: STEP0 },
    { case: 'the previous step', offset: -1, step: STEP0 - 1 },
    { case: 'the next step', offset: 1, step: STEP0 + 1 },
  ])('finds the step of a code of $case', ({ offset, step }) => {
    // Arrange
    const code = totpCode(SECRET, new Date(T0.getTime() + offset * STEP_MS));

    // Act / Assert
    expect(totpStepOf(code, SECRET, T0)).toBe(step);
  });

  it.each([
    { case: 'a code two steps old', code: (): string => totpCode(SECRET, new Date(T0.getTime() - 2 * STEP_MS)) },
    { case: 'a code two steps ahead', code: (): string => totpCode(SECRET, new Date(T0.getTime() + 2 * STEP_MS)) },
    { case: 'a five-digit code', code: (): string => totpCode(SECRET, T0).slice(1) },
    { case: 'letters', code: (): string => 'abcdef' },
    { case: 'a wrong code', code: (): string => wrongCode(T0) },
  ])('finds no step for $case', ({ code }) => {
    expect(totpStepOf(code(), SECRET, T0)).toBeUndefined();
  });
});

describe('CredentialCheck.verify', () => {
  it('accepts the right password with the current code and records its step', async () => {
    // Arrange
    const { store, clock, check } = await arrange();

    // Act
    const who = await check.verify({ username: 'root', password: PASSWORD, totp: codeAt(clock) });

    // Assert
    expect(who.username).toBe('root');
    expect(store.lastStep('root')).toBe(STEP0);
  });

  it.each<{ case: string; username: string; password: string; totp: (clock: ManualClock) => string }>([
    { case: 'a wrong password', username: 'root', password: `${PASSWORD}x`, totp: (c) => codeAt(c) },
    { case: 'a wrong code', username: 'root', password: PASSWORD, totp: (c) => wrongCode(c.now()) },
    { case: 'a code two steps old', username: 'root', password: PASSWORD, totp: (c) => codeAt(c, -2) },
    { case: 'an empty code', username: 'root', password: PASSWORD, totp: () => '' },
    { case: 'an unknown user', username: 'nobody', password: PASSWORD, totp: (c) => codeAt(c) },
    { case: 'a disabled user', username: 'gone', password: PASSWORD, totp: (c) => codeAt(c) },
  ])('refuses $case with exit code 3, without saying which part was wrong', async ({ username, password, totp }) => {
    // Arrange
    const { store, clock, check } = await arrange();

    // Act
    const err = await refusal(check.verify({ username, password, totp: totp(clock) }));

    // Assert
    expect(err.exitCode).toBe(ExitCode.AuthRefused);
    expect(err.message).toBe(CREDENTIALS_REFUSED);
    expect(store.acceptCalls).toEqual([]);
  });

  it('refuses the same code used a second time, saying why only in the audit detail', async () => {
    // Arrange
    const { clock, check } = await arrange();
    const code = codeAt(clock);
    await check.verify({ username: 'root', password: PASSWORD, totp: code });

    // Act
    const err = await refusal(check.verify({ username: 'root', password: PASSWORD, totp: code }));

    // Assert
    expect(err.exitCode).toBe(ExitCode.AuthRefused);
    expect(err.message).toBe(CREDENTIALS_REFUSED);
    expect(err.auditDetail).toBe('authentication code replayed');
  });

  it('refuses a code of the previous step once a later step was accepted', async () => {
    // Arrange
    const { clock, check } = await arrange();
    await check.verify({ username: 'root', password: PASSWORD, totp: codeAt(clock) });
    clock.advance(10_000);

    // Act
    const err = await refusal(check.verify({ username: 'root', password: PASSWORD, totp: codeAt(clock, -1) }));

    // Assert
    expect(err.auditDetail).toBe('authentication code replayed');
  });

  it('refuses the same code replayed 20 s later, still inside its step', async () => {
    // Arrange
    const { clock, check } = await arrange();
    const code = codeAt(clock);
    await check.verify({ username: 'root', password: PASSWORD, totp: code });
    clock.advance(20_000);

    // Act
    const err = await refusal(check.verify({ username: 'root', password: PASSWORD, totp: code }));

    // Assert
    expect(err.auditDetail).toBe('authentication code replayed');
  });

  it.each([
    { case: 'the previous 30-s step (clock drift)', offset: -1, step: STEP0 - 1 },
    { case: 'the next 30-s step (clock drift)', offset: 1, step: STEP0 + 1 },
  ])('accepts a code of $case', async ({ offset, step }) => {
    // Arrange
    const { store, clock, check } = await arrange();

    // Act
    await check.verify({ username: 'root', password: PASSWORD, totp: codeAt(clock, offset) });

    // Assert
    expect(store.lastStep('root')).toBe(step);
  });

  it('accepts a code that was current 30 s ago, and refuses it 60 s later', async () => {
    // Arrange
    const first = await arrange();
    const second = await arrange();
    const code = codeAt(first.clock);
    first.clock.advance(STEP_MS);
    second.clock.advance(2 * STEP_MS);

    // Act
    const accepted = await first.check.verify({ username: 'root', password: PASSWORD, totp: code });
    const err = await refusal(second.check.verify({ username: 'root', password: PASSWORD, totp: code }));

    // Assert
    expect(accepted.username).toBe('root');
    expect(err.auditDetail).toBe('wrong authentication code');
  });

  it('does not burn a code on a wrong password: the same code then works with the right one', async () => {
    // Arrange
    const { store, clock, check } = await arrange();
    const code = codeAt(clock);
    await refusal(check.verify({ username: 'root', password: 'not the password at all', totp: code }));

    // Act
    const who = await check.verify({ username: 'root', password: PASSWORD, totp: code });

    // Assert
    expect(who.username).toBe('root');
    expect(store.acceptCalls).toEqual([{ username: 'root', step: STEP0 }]);
  });

  it('accepts a new code once the clock reaches the next step', async () => {
    // Arrange
    const { store, clock, check } = await arrange();
    await check.verify({ username: 'root', password: PASSWORD, totp: codeAt(clock) });
    clock.advance(STEP_MS);

    // Act
    await check.verify({ username: 'root', password: PASSWORD, totp: codeAt(clock) });

    // Assert
    expect(store.lastStep('root')).toBe(STEP0 + 1);
  });

  it('refuses an operator for an admin operation, naming the levels', async () => {
    // Arrange
    const { clock, check } = await arrange();

    // Act
    const err = await refusal(check.verify({ username: 'ops', password: PASSWORD, totp: codeAt(clock) }, 'admin'));

    // Assert
    expect(err.exitCode).toBe(ExitCode.AuthRefused);
    expect(err.message).toBe('authorization refused: ops is operator, this needs admin');
  });

  it('accepts an operator for an operator operation', async () => {
    // Arrange
    const { clock, check } = await arrange();

    // Act
    const who = await check.verify({ username: 'ops', password: PASSWORD, totp: codeAt(clock) }, 'operator');

    // Assert
    expect(who.level).toBe('operator');
  });
});

describe('levelAllows', () => {
  it.each<{ has: AdminLevel; needs: AdminLevel; allowed: boolean }>([
    { has: 'admin', needs: 'admin', allowed: true },
    { has: 'admin', needs: 'operator', allowed: true },
    { has: 'admin', needs: 'viewer', allowed: true },
    { has: 'operator', needs: 'admin', allowed: false },
    { has: 'operator', needs: 'operator', allowed: true },
    { has: 'operator', needs: 'viewer', allowed: true },
    { has: 'viewer', needs: 'admin', allowed: false },
    { has: 'viewer', needs: 'operator', allowed: false },
    { has: 'viewer', needs: 'viewer', allowed: true },
  ])('a $has may do what needs $needs: $allowed', ({ has, needs, allowed }) => {
    expect(levelAllows(has, needs)).toBe(allowed);
  });
});
