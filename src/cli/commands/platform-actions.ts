/** The actions of `auth:clear-cache` and `agent:restart` (platform-commands.ts). */
import { ValidationError } from '../../core/errors.js';
import { AGENT_ID_PATTERN } from '../../rollback/repair-commands.js';
import type { CommandContext } from '../command-context.js';
import { confirmOnTerminal, readCredentials } from '../credentials-input.js';
import type { CommandResult } from '../output.js';
import { str } from './rollback-actions.js';

/** Runs a † action through the API when there is one, else in-process through changeAs. */
async function runPlatformAction<T>(
  ctx: CommandContext,
  opts: Record<string, unknown>,
  action: { name: string; question: string; viaApi: (api: NonNullable<Awaited<ReturnType<CommandContext['adminApi']>>>, password: string, reason: string) => Promise<T>; local: (ops: Awaited<ReturnType<CommandContext['operations']>>, reason: string) => Promise<T>; detail: (r: T) => string },
): Promise<T> {
  const reason = str(opts.reason) ?? '';
  const api = await ctx.adminApi();
  const credentials = await readCredentials({ username: str(opts.username), totp: str(opts.totp) });
  if (api) {
    await api.signIn(credentials);
    try {
      await confirmOnTerminal(ctx.flags.yes, action.question);
      return await action.viaApi(api, credentials.password, reason);
    } finally {
      await api.signOut();
    }
  }
  const ops = await ctx.operations();
  const initiator = await ops.authenticate({ ...credentials, source: 'cli' });
  await confirmOnTerminal(ctx.flags.yes, action.question);
  return ops.changeAs(initiator, action.name, { reason, source: 'cli' }, action.detail, () => action.local(ops, reason));
}

export async function clearAuthCache(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  const r = await runPlatformAction(ctx, opts, {
    name: 'auth.clear-cache',
    question: 'End every WING session? Every user will have to sign in again.',
    viaApi: (api, password, reason) => api.clearAuthCache({ password, ...(reason !== '' ? { reason } : {}) }),
    local: (ops, reason) => ops.services.actions.clearAuthCache(reason),
    detail: (x) => `${String(x.revoked)} session(s) revoked`,
  });
  return { fields: { sessions: r.sessions, revoked: r.revoked, alreadyRevoked: r.alreadyRevoked }, text: `${String(r.revoked)} session(s) revoked (${String(r.alreadyRevoked)} were already); every user signs in again` };
}

export async function restartAgents(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  const agentId = str(opts.id);
  if (agentId !== undefined && !AGENT_ID_PATTERN.test(agentId)) throw new ValidationError(`"${agentId}" is not an agent id (letters, digits, ".", "_" and "-", at most 128)`);
  const r = await runPlatformAction(ctx, opts, {
    name: 'agent.restart',
    question: agentId === undefined ? 'Restart every agent? Their current tasks are dropped.' : `Restart agent ${agentId}? Its current task is dropped.`,
    viaApi: (api, password, reason) => api.restartAgents({ password, ...(agentId !== undefined ? { agentId } : {}), ...(reason !== '' ? { reason } : {}) }),
    local: (ops) => ops.services.actions.restartAgents(agentId),
    detail: (x) => `${String(x.agents.length)} agent(s) restarted`,
  });
  return { fields: { agents: r.agents }, text: `${String(r.agents.length)} agent(s) restarting: ${r.agents.slice(0, 10).join(', ')}${r.agents.length > 10 ? ', ...' : ''}` };
}
