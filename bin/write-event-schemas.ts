#!/usr/bin/env node
/**
 * Writes the JSON Schema of every event detail type to `schemas/events/` (`npm run
 * schemas:events`), from src/core/event-schemas.ts. The files are committed for the teams whose
 * systems subscribe to the events; test/unit/event-schemas.test.ts fails when they drift.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventDetailJsonSchema } from '../src/core/event-schemas.js';
import { eventTypes } from '../src/core/events.js';
import { projectRoot } from '../src/local/project-root.js';

const folder = join(projectRoot(), 'schemas', 'events');
mkdirSync(folder, { recursive: true });
for (const type of eventTypes) {
  writeFileSync(join(folder, `${type}.schema.json`), `${JSON.stringify(eventDetailJsonSchema(type), null, 2)}\n`);
}
process.stdout.write(`wrote ${String(eventTypes.length)} schemas to ${folder}\n`);
