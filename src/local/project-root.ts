/**
 * The installed package's root (the folder holding `statemachines/` and `web/`), found upward
 * from this module: it runs from src/ under tsx and vitest, and from dist/src/ once built.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'statemachines')) && existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('statemachines/ not found above the installed package');
    dir = up;
  }
}
