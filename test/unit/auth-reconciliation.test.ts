import { describe, expect, it } from 'vitest';
import { isCredentialField, reconcileAuthItem } from '../../src/components/auth-reconciliation.js';
import type { TypedItem } from '../../src/core/canonical-item.js';

const user = (extra: TypedItem = {}): TypedItem => ({
  pk: { S: 'USER#ana' },
  sk: { S: 'PROFILE' },
  kind: { S: 'user' },
  email: { S: 'ana@example.com' },
  passwordHash: { S: 'scrypt$old' },
  mfaSecret: { S: 'OLDSECRET' },
  disabled: { BOOL: false },
  ...extra,
});
const session = (id: string): TypedItem => ({ pk: { S: 'USER#ana' }, sk: { S: `SESSION#${id}` }, kind: { S: 'session' }, issuedAt: { S: '2026-11-24T10:00:00Z' } });
const revocation = (id: string): TypedItem => ({ pk: { S: `REVOCATION#${id}` }, sk: { S: 'META' }, kind: { S: 'revocation' }, revokedAt: { S: '2026-11-25T09:00:00Z' } });
const emergency = (extra: TypedItem = {}): TypedItem => ({ pk: { S: 'EMERGENCY#1' }, sk: { S: 'CREDENTIAL' }, kind: { S: 'emergency-credential' }, secretHash: { S: 'h1' }, ...extra });

describe('auth reconciliation', () => {
  describe('rule 1: emergency credentials are never rolled back or deleted', () => {
    it('keeps a live emergency credential that changed since the point', () => {
      const live = emergency({ secretHash: { S: 'rotated' } });
      expect(reconcileAuthItem(emergency(), live)).toEqual(live);
    });
    it('keeps an emergency credential created since the point', () => {
      const live = emergency();
      expect(reconcileAuthItem(undefined, live)).toEqual(live);
    });
    it('does not recreate an emergency credential removed since the point', () => {
      expect(reconcileAuthItem(emergency(), undefined)).toBeUndefined();
    });
  });

  describe('rule 2: revocations made since the point are kept', () => {
    it('keeps a revocation the point did not have', () => {
      const live = revocation('s2');
      expect(reconcileAuthItem(undefined, live)).toEqual(live);
    });
    it('restores a session revoked since the point, and keeps its revocation beside it', () => {
      expect(reconcileAuthItem(session('s2'), undefined)).toEqual(session('s2'));
      expect(reconcileAuthItem(undefined, revocation('s2'))).toEqual(revocation('s2'));
    });
  });

  describe('rule 3: sessions issued since the point are removed', () => {
    it('removes a session the point did not have', () => {
      expect(reconcileAuthItem(undefined, session('new'))).toBeUndefined();
    });
    it('rolls a session the point had back to the point', () => {
      const live = { ...session('s1'), lastSeen: { S: 'now' } };
      expect(reconcileAuthItem(session('s1'), live)).toEqual(session('s1'));
    });
  });

  describe('rule 4: credential fields keep their live values', () => {
    it('keeps a password hash and MFA secret changed since the point, and rolls back the rest', () => {
      const live = user({ email: { S: 'changed@example.com' }, passwordHash: { S: 'scrypt$new' }, mfaSecret: { S: 'NEWSECRET' } });
      expect(reconcileAuthItem(user(), live)).toEqual(user({ passwordHash: { S: 'scrypt$new' }, mfaSecret: { S: 'NEWSECRET' } }));
    });
    it('recognises credential fields by name in any case, and only those', () => {
      expect(['passwordHash', 'PASSWORD', 'mfaSecret', 'MfaBackupCodes', 'oldPasswords'].every(isCredentialField)).toBe(true);
      expect(['email', 'role', 'pass', 'disabled'].some(isCredentialField)).toBe(false);
    });
    it('keeps a credential field removed since the point removed', () => {
      const live = user();
      Reflect.deleteProperty(live, 'mfaSecret');
      expect(reconcileAuthItem(user(), live)).toEqual(live);
    });
  });

  describe('rule 5: a user disabled or deleted since the point comes back disabled and flagged for review', () => {
    it('brings a deleted user back disabled, flagged for review', () => {
      expect(reconcileAuthItem(user(), undefined)).toEqual(user({ disabled: { BOOL: true }, reviewRequired: { BOOL: true } }));
    });
    it('keeps a user disabled since the point disabled, flagged for review', () => {
      const live = user({ disabled: { BOOL: true } });
      expect(reconcileAuthItem(user(), live)).toEqual(user({ disabled: { BOOL: true }, reviewRequired: { BOOL: true } }));
    });
    it('rolls an enabled user back without a review flag', () => {
      expect(reconcileAuthItem(user(), user({ email: { S: 'x@example.com' } }))).toEqual(user());
    });
  });

  it('rolls back a user created since the point like any data', () => {
    expect(reconcileAuthItem(undefined, user())).toBeUndefined();
  });
});
