/** The action of `auth:reset-admin` (auth-reset-admin-command.ts). */
import { resetAdministrator } from '../../core/admin-enrolment.js';
import { ValidationError } from '../../core/errors.js';
import type { CommandContext } from '../command-context.js';
import { confirmOnTerminal } from '../credentials-input.js';
import { printGeneratedAdmin } from '../generated-admin.js';
import { localOperatorName } from '../local-operator.js';
import type { CommandResult } from '../output.js';
import { parseLevel } from './auth-reset-admin-command.js';

export async function authResetAdmin(ctx: CommandContext, opts: Record<string, unknown>): Promise<CommandResult> {
  if (typeof opts.username !== 'string' || opts.username === '') throw new ValidationError('--username is required: the administrator to reset');
  const username = opts.username;
  const level = typeof opts.level === 'string' ? parseLevel(opts.level) : 'admin';
  await confirmOnTerminal(ctx.flags.yes, `Reset ${username}? Its password and authentication secret change, and its sessions end.`);
  const runtime = await ctx.open();
  const s = runtime.services;
  const actor = `break-glass:${localOperatorName()}`;
  const reason = typeof opts.reason === 'string' && opts.reason.trim() !== '' ? `${opts.reason}: ` : '';
  let result: Awaited<ReturnType<typeof resetAdministrator>>;
  try {
    result = await resetAdministrator(
      { admins: s.admins, limits: s.limits, clock: s.clock },
      { username, level, password: process.env.WING_ADMIN_PASSWORD, totpSecret: process.env.WING_ADMIN_TOTP_SECRET },
    );
  } catch (err) {
    await s.audit.append({ actor, action: 'auth.resetAdmin', outcome: 'refused', detail: `${reason}${username}: ${err instanceof Error ? err.message : String(err)}`, source: ctx.isAws ? 'cli-iam' : 'cli' }).catch(() => undefined);
    throw err;
  }
  await s.audit.append({
    actor,
    action: 'auth.resetAdmin',
    outcome: 'succeeded',
    detail: `${reason}${username} (${level}) ${result.created ? 'created' : 'reset'}: new password and authentication secret, sessions before ${result.record.resetAt ?? ''} ended, lockouts cleared`,
    source: ctx.isAws ? 'cli-iam' : 'cli',
  });
  printGeneratedAdmin({
    username,
    created: result.created,
    ...(result.generatedPassword !== undefined ? { generatedPassword: result.generatedPassword } : {}),
    ...(result.generatedTotpSecret !== undefined ? { generatedTotpSecret: result.generatedTotpSecret } : {}),
  }, 'Administrator reset (shown once, store it now):');
  return {
    fields: { username, level, created: result.created, sessionsEndedBefore: result.record.resetAt ?? null },
    text: `${result.created ? 'created' : 'reset'} ${username} (${level}): sign in with the new password and authentication code; earlier sessions are ended`,
  };
}
