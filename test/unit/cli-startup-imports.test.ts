/**
 * `wing` is a process per command, so `--help`, bad usage and the declaration of every command
 * load commander and the command modules only; an action, and the services, SDK clients and
 * schemas it needs, is imported when its command runs (src/cli/command-runner.ts). This follows
 * the static imports from the CLI's entry (an `import()` is not followed: that is where an action
 * starts) and fails when one of them reaches anything heavier.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The specifiers a module imports or re-exports at run time (type-only imports are erased). */
function runtimeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const m of source.matchAll(/^(?:import|export)\s+([^;]*?)\s*from\s+'([^']+)'/gm)) {
    const clause = m[1] ?? '';
    const named = /^\{([^}]*)\}$/.exec(clause.trim())?.[1];
    const typeOnly = clause.startsWith('type ') || (named !== undefined && named.split(',').every((n) => n.trim() === '' || n.trim().startsWith('type ')));
    if (!typeOnly && m[2]) specifiers.push(m[2]);
  }
  for (const m of source.matchAll(/^import\s+'([^']+)'/gm)) if (m[1]) specifiers.push(m[1]);
  return specifiers;
}

/** Every module and package reached from `entry` through run-time static imports. */
function staticGraph(entry: string): { modules: string[]; packages: string[] } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (modules.has(file)) return;
    modules.add(file);
    for (const spec of runtimeImports(file)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec));
    }
  };
  visit(resolve(root, entry));
  return { modules: [...modules].map((m) => relative(root, m)).sort(), packages: [...packages].sort() };
}

describe('CLI start-up', () => {
  it('declares every command with commander and the command modules only, actions and services left to the command that runs', () => {
    const { modules, packages } = staticGraph('bin/wing.ts');
    expect(packages).toEqual(['commander']);
    expect(modules.filter((m) => !m.startsWith('src/cli/') && !m.startsWith('src/core/') && m !== 'bin/wing.ts')).toEqual([]);
    expect(modules.filter((m) => /-actions?\.ts$|command-context\.ts$/.test(m))).toEqual([]);
    // Sanity: the walk does reach the command modules.
    expect(modules).toContain('src/cli/commands/backup-commands.ts');
    expect(modules).toContain('src/cli/commands/vision-lake-commands.ts');
  });
});
