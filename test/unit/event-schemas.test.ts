import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventDetailJsonSchema } from '../../src/core/event-schemas.js';
import { eventTypes } from '../../src/core/events.js';
import { schemaErrors, SCHEMA_FOLDER } from '../support/event-validation.js';

const TIME = '2026-12-01T12:00:00.000Z';

describe('event schemas (schemas/events/*.schema.json)', () => {
  it('has one committed file per detail type, equal to what src/core/event-schemas.ts renders (run "npm run schemas:events" after changing it)', () => {
    expect(readdirSync(SCHEMA_FOLDER).sort()).toEqual(eventTypes.map((t) => `${t}.schema.json`).sort());
    for (const type of eventTypes) {
      expect(JSON.parse(readFileSync(join(SCHEMA_FOLDER, `${type}.schema.json`), 'utf8')), type).toEqual(eventDetailJsonSchema(type));
    }
  });

  it.each([
    ['BackupCompleted', { version: 1, time: TIME, recoveryPointId: 'rp-20261201T120000000Z-abc123', status: 'Completed', counts: { items: 10, bytes: 2048, components: 4 } }],
    ['BackupCompleted', { version: 1, time: TIME, component: 'auth', status: 'Completed', counts: { items: 3, bytes: 10 } }],
    ['BackupFailed', { version: 1, time: TIME, recoveryPointId: 'rp-1', status: 'Inconsistent', counts: { items: 1 } }],
    ['RollbackRequested', { version: 1, time: TIME, rollbackId: 'rb-1', status: 'Pending', step: 'Requested' }],
    ['ComponentRestored', { version: 1, time: TIME, rollbackId: 'rb-1', recoveryPointId: 'rp-1', component: 'vision-lake', status: 'Restored', step: 'VerifyComponent', counts: { written: 1, deleted: 0, items: 5 } }],
    ['RollbackFailed', { version: 1, time: TIME, rollbackId: 'rb-1', status: 'PartiallyFailed' }],
    ['HealthChanged', { version: 1, time: TIME, status: 'degraded', from: 'healthy', to: 'degraded', counts: { failingChecks: 1 } }],
    ['SystemModeChanged', { version: 1, time: TIME, rollbackId: 'rb-1', status: 'recovery', from: 'normal', to: 'recovery', step: 'EnterRecoveryMode' }],
    ['DrillCompleted', { version: 1, time: TIME, recoveryPointId: 'rp-1', status: 'Passed', counts: { items: 100, durationMs: 1500 } }],
    ['DrillFailed', { version: 1, time: TIME, recoveryPointId: 'rp-1', status: 'Failed' }],
  ])('accepts a valid %s detail', (type, detail) => {
    expect(schemaErrors(type, detail)).toEqual([]);
  });

  it.each([
    ['a missing rollbackId', 'RollbackCompleted', { version: 1, time: TIME, status: 'Completed' }],
    ['a status the type never has', 'RollbackCompleted', { version: 1, time: TIME, rollbackId: 'rb-1', status: 'Failed' }],
    ['an unknown field', 'RollbackStarted', { version: 1, time: TIME, rollbackId: 'rb-1', status: 'InProgress', secret: 'x' }],
    ['another version', 'RollbackStarted', { version: 2, time: TIME, rollbackId: 'rb-1', status: 'InProgress' }],
    ['a time that is not ISO 8601', 'BackupFailed', { version: 1, time: 'yesterday', recoveryPointId: 'rp-1', status: 'Failed' }],
    ['a negative count', 'BackupCompleted', { version: 1, time: TIME, component: 'auth', status: 'Completed', counts: { items: -1 } }],
    ['HealthChanged without from and to', 'HealthChanged', { version: 1, time: TIME, status: 'critical' }],
    ['a mode that does not exist', 'SystemModeChanged', { version: 1, time: TIME, status: 'panic', from: 'normal', to: 'panic' }],
    ['a malformed recovery point id', 'DrillFailed', { version: 1, time: TIME, recoveryPointId: 'rb-1', status: 'Failed' }],
    ['an unknown detail type', 'BackupExploded', { version: 1, time: TIME, status: 'x' }],
  ])('refuses %s', (_what, type, detail) => {
    expect(schemaErrors(type, detail)).not.toEqual([]);
  });
});
