/** The action of the targeted restores (repair-commands.ts). */
import { loadLocalPlan } from '../../local/local-plan.js';
import { resolveWingHome } from '../../local/state-folder.js';
import { repairRequestOf, type RepairArgs, type RepairCommandName } from '../../rollback/repair-commands.js';
import type { CommandAction } from '../command-runner.js';
import { confirmOnTerminal, readCredentials } from '../credentials-input.js';
import { afterStart, openOperations, resultOutput, showPlan, str } from './rollback-actions.js';

/** The action of `repair:component`, `auth:restore`, `agent:restore` or `agent:reset-config`. */
export function repair(name: RepairCommandName): CommandAction {
  return async (ctx, opts) => {
    const args: RepairArgs = { component: str(opts.component), agentId: str(opts.id), backupId: str(opts.backupId) };
    const reason = str(opts.reason) ?? '';
    // Bad flags (an unknown component, a malformed id) are refused before anyone is asked
    // for a password or any service starts: the plan is a file.
    const { choice, scope } = repairRequestOf(ctx.isAws ? (await ctx.open()).plan : await loadLocalPlan(resolveWingHome()), name, args);
    const what = scope.items?.description ?? scope.components.join(', ');
    const question = `Restore ${what}? Changes made to it since that point will be lost.`;
    const api = await ctx.adminApi();
    const credentials = await readCredentials({ username: str(opts.username), totp: str(opts.totp) });
    if (api) {
      await api.signIn(credentials);
      const planned = await api.planRepair({ command: name, ...args });
      showPlan(ctx, name, planned.recoveryPoint, planned.components, what);
      await confirmOnTerminal(ctx.flags.yes, question);
      const started = await api.startRepair({ command: name, ...args, reason, password: credentials.password, expectRecoveryPointId: planned.recoveryPoint.recoveryPointId });
      ctx.progress.step(`${name}: ${started.rollbackId} runs in the admin API of "npm start" (${api.apiUrl})`);
      return afterStart(ctx, api, started);
    }
    const ops = await openOperations(ctx);
    const initiator = await ops.authenticate({ ...credentials, source: 'cli' });
    const planned = await ops.plan(choice, scope);
    showPlan(ctx, name, planned.recoveryPoint, planned.components, what);
    await confirmOnTerminal(ctx.flags.yes, question);
    const result = await ops.startRollback(initiator, { backupId: planned.recoveryPoint.recoveryPointId, scope, reason, command: name, source: 'cli' });
    return resultOutput(ops, result);
  };
}
