/** The action of `init` (init-command.ts). */
import { initLocal } from '../../local/local-init.js';
import type { CommandContext } from '../command-context.js';
import { printGeneratedAdmin } from '../generated-admin.js';
import type { CommandResult } from '../output.js';

export async function init(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  const runtime = await ctx.openLocal({ createKey: true });
  const result = await initLocal(runtime, {
    demo: opts.demo === true,
    ...(typeof opts.scale === 'number' ? { scale: opts.scale } : {}),
    onStep: (m) => { ctx.progress.step(m); },
  });
  const lines = [`initialised ${runtime.home}`];
  const admin = result.admin;
  if (admin.created) {
    lines.push(`first administrator: ${admin.username}`);
    printGeneratedAdmin(admin);
  } else {
    lines.push(`administrator ${admin.username} exists already`);
  }
  if (result.demo) {
    lines.push(
      result.demo.loaded
        ? `demo data loaded (scale ${result.demo.scale}) with ${result.demo.recoveryPoints.length} verified recovery points`
        : `demo data was loaded before (scale ${result.demo.scale}); kept as it is`,
    );
  }
  return {
    fields: { home: runtime.home, administrator: admin.username, administratorCreated: admin.created, demo: result.demo },
    text: lines.join('\n'),
  };
}
