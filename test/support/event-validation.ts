/**
 * Test support: validates events against the JSON Schema files in `schemas/events/` (the files the
 * other WING teams use), with Ajv rather than the zod schemas they were rendered from, so a test
 * checks what a subscriber would check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';
import { EVENT_SOURCE, eventTypes, type EventType } from '../../src/core/events.js';
import { projectRoot } from '../../src/local/project-root.js';

// ajv-formats is CommonJS: under NodeNext its default import is the module object, whose own
// `default` is the plugin.
const addFormats = addFormatsModule.default;

export const SCHEMA_FOLDER = join(projectRoot(), 'schemas', 'events');

let validators: Map<EventType, ValidateFunction> | undefined;

function validatorOf(type: EventType): ValidateFunction {
  if (!validators) {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    ajv.addKeyword('x-eventbridge');
    validators = new Map(eventTypes.map((t) => [t, ajv.compile(JSON.parse(readFileSync(join(SCHEMA_FOLDER, `${t}.schema.json`), 'utf8')) as object)]));
  }
  const found = validators.get(type);
  if (!found) throw new Error(`no schema for ${type}`);
  return found;
}

/** The schema's complaints about an event's detail (empty when it is valid). */
export function schemaErrors(type: string, detail: unknown): string[] {
  if (!(eventTypes as readonly string[]).includes(type)) return [`unknown detail type ${type}`];
  const validate = validatorOf(type as EventType);
  if (validate(detail)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
}

/**
 * Every event line of a notification outbox validates against its schema; returns how many
 * events of each type there were (a test can then insist on the types it expects).
 */
export function expectOutboxEventsValid(outbox: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(outbox, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as { channel?: string; source?: string; detailType?: string; detail?: unknown };
    if (entry.channel !== 'event') continue;
    const type = entry.detailType ?? '';
    expect(entry.source, line).toBe(EVENT_SOURCE);
    expect(schemaErrors(type, entry.detail), `${type}: ${line}`).toEqual([]);
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}
