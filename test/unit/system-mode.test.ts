import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import { assertModeAllows, NORMAL_MODE, type ModeOperation, type SystemModeState } from '../../src/core/system-mode.js';

const recovery: SystemModeState = { mode: 'recovery', changedAt: '2026-12-01T00:00:00.000Z', rollbackId: 'rb-x', reason: 'rollback' };
const safe: SystemModeState = { mode: 'safe', changedAt: '2026-12-01T00:00:00.000Z', rollbackId: 'rb-x', reason: 'recovery failed' };
const all: ModeOperation[] = ['read', 'rollback', 'undo', 'cleanup', 'backup', 'retention', 'change'];

describe('system mode rules (CONTRACT.md, "Rollbacks")', () => {
  it('normal mode allows everything', () => {
    for (const op of all) expect(() => { assertModeAllows(NORMAL_MODE, op); }).not.toThrow();
  });

  it('recovery mode allows only reads, cleanup and undo; the rest is a conflict (exit 6)', () => {
    const allowed = all.filter((op) => {
      try {
        assertModeAllows(recovery, op);
        return true;
      } catch (err) {
        expect(err).toBeInstanceOf(ConflictError);
        expect((err as ConflictError).exitCode).toBe(6);
        return false;
      }
    });
    expect(allowed).toEqual(['read', 'undo', 'cleanup']);
  });

  it('safe mode pauses schedules and leaves changes to administrators', () => {
    expect(() => { assertModeAllows(safe, 'backup', { scheduled: true }); }).toThrow(/schedules are paused/);
    expect(() => { assertModeAllows(safe, 'change', { administrator: false }); }).toThrow(/only administrators/);
    expect(() => { assertModeAllows(safe, 'rollback', { administrator: true }); }).not.toThrow();
    expect(() => { assertModeAllows(safe, 'backup'); }).not.toThrow();
  });
});
