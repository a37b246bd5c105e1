/**
 * `auth:reset-admin --username=U [--level=L]`: the break-glass way back in (CONTRACT.md). It needs
 * no password: the authority is operator access to the state folder locally, or IAM on the
 * system table with `--target aws`. It sets a new password and TOTP secret (from
 * WING_ADMIN_PASSWORD / WING_ADMIN_TOTP_SECRET, or generated and shown once on the terminal),
 * enables the administrator, ends every session issued before, clears the sign-in lockouts of
 * that name, and creates the administrator when it does not exist (the last one was removed).
 * It is audited; the new secrets go nowhere but the terminal.
 */
import type { Command } from 'commander';
import { resetAdministrator } from '../../core/admin-enrolment.js';
import { ValidationError } from '../../core/errors.js';
import type { AdminLevel } from '../../core/credentials.js';
import { runAction } from '../command-runner.js';
import { confirmOnTerminal } from '../credentials-input.js';
import { localOperatorName } from '../local-operator.js';
import { printGeneratedAdmin } from './init-command.js';

const LEVELS: readonly AdminLevel[] = ['viewer', 'operator', 'admin'];

function parseLevel(value: string): AdminLevel {
  const level = LEVELS.find((l) => l === value);
  if (!level) throw new ValidationError(`--level is one of ${LEVELS.join(', ')}, not "${value}"`);
  return level;
}

export function registerAuthResetAdmin(program: Command): Command {
  return program
    .command('auth:reset-admin')
    .description('break-glass: reset an administrator\'s password and TOTP secret, end its sessions and lockouts (state-folder access locally, IAM on AWS)')
    .option('--username <name>', 'the administrator to reset (created when it does not exist); required')
    .option('--level <level>', 'its level: admin, operator or viewer', parseLevel, 'admin')
    .option('--reason <text>', 'why, for the audit trail')
    .action(
      runAction(async (ctx, opts) => {
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
      }),
    );
}
