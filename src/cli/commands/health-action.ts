/** The action of `health:check` (health-command.ts) and the shape of its result. */
import { ExitCode } from '../../core/errors.js';
import { componentByName } from '../../core/plan.js';
import { loadLocalPlan } from '../../local/local-plan.js';
import { resolveWingHome } from '../../local/state-folder.js';
import type { HealthReport } from '../../rollback/health-monitor.js';
import type { WatchedReport } from '../../rollback/health-watch.js';
import type { CommandContext } from '../command-context.js';
import { table, type CommandResult } from '../output.js';

/** At most this many failing checks are named in the one error line. */
const MAX_NAMED = 3;

/** One line, whatever a check's detail holds (a service error may span lines). */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The contract's `--json` shape; the watch's proposal (when the platform just turned unhealthy) is shown to people. */
export function healthResult(report: HealthReport & Partial<Pick<WatchedReport, 'proposal'>>): CommandResult {
  const components = report.components.map((c) => ({
    component: c.component,
    status: c.status,
    checks: c.checks.map((k) => ({ name: k.name, ok: k.ok, detail: k.detail })),
  }));
  const rows = report.components.map((c) => {
    const failing = c.checks.filter((k) => !k.ok);
    return [c.component, c.status, failing.length === 0 ? '-' : failing.map((k) => `${k.name}: ${oneLine(k.detail)}`).join('; ')];
  });
  const fields = { status: report.status, checkedAt: report.checkedAt, components };
  const text = [`platform: ${report.status}`, table(['component', 'status', 'failing checks'], rows), ...(report.proposal !== undefined ? [report.proposal] : [])].join('\n');
  if (report.status === 'healthy') return { fields, text };
  const failing = report.components.flatMap((c) => c.checks.filter((k) => !k.ok).map((k) => `${c.component} ${k.name}: ${oneLine(k.detail)}`));
  const more = failing.length > MAX_NAMED ? ` (and ${failing.length - MAX_NAMED} more)` : '';
  return {
    fields,
    text,
    exitCode: ExitCode.Failed,
    error: `platform is ${report.status}: ${failing.slice(0, MAX_NAMED).join('; ')}${more}; see "npx wing health:check" for every check, "npx wing rollback:plan" for what a rollback would change`,
  };
}

export async function healthCheck(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  const component = typeof opts.component === 'string' ? opts.component : undefined;
  // An unknown component is bad usage, refused before any service starts (the plan is a file).
  if (component !== undefined) componentByName(await loadLocalPlan(resolveWingHome()), component);
  const runtime = await ctx.open();
  ctx.progress.step(`checking ${component ?? runtime.plan.components.map((c) => c.name).join(', ')}`);
  const report = await runtime.services.healthWatch.check(component !== undefined ? { component } : {});
  return healthResult(report);
}
