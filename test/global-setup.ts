/**
 * Global setup of every `vitest run`: an empty folder for this run's state templates (initialised
 * state folders that test files copy instead of initialising their own; see
 * test/support/state-templates.ts), removed when the run ends, and emptied before each rerun in
 * watch mode (the code may have changed since the templates were built).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(join(tmpdir(), 'wing-state-templates-'));
  project.provide('wingStateTemplates', root);
  project.onTestsRerun(async () => {
    for (const name of await readdir(root)) await rm(join(root, name), { recursive: true, force: true });
  });
  return async () => {
    await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
}
