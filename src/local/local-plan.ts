/**
 * The local plan, read without starting anything: commands check their flags against it before
 * any service starts, and `plan:show` needs nothing else (a module of its own, so that those
 * do not load the local runtime).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultPlan, parsePlan, type Plan } from '../core/plan.js';

/** The plan: `<home>/plan.json` when an operator wrote one, else the default four components. */
export async function loadLocalPlan(home: string): Promise<Plan> {
  try {
    return parsePlan(JSON.parse(await readFile(join(home, 'plan.json'), 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return defaultPlan();
    throw err;
  }
}
